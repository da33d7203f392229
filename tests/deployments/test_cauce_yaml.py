"""cauce.yaml: read with a file:line for every mistake, written back readable, found upward."""

from __future__ import annotations

import dataclasses
import textwrap
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cauce.deployments.cauce_yaml import (
    HEADER,
    CauceYamlError,
    DeploymentEntry,
    ScheduleEntry,
    find_cauce_yaml,
    load_cauce_yaml,
    save_deployment,
)

# The example the module docstring documents (and the README quotes).
EXAMPLE = """\
# cauce.yaml: one entry per deployment; `cauce deploy --all --no-prompt` applies them all.
deployments:
  - name: printear-mensaje              # required; unique per flow
    entrypoint: basic.py:basic_flow     # required; path relative to this file
    work_pool: compras-prod             # required
    source: .                           # optional: a folder or a git URL; default "."
    branch: main                        # optional, git sources only
    parameters: {mensaje: hola}         # optional: default parameters
    schedules:                          # optional; each one of cron / interval / rrule
      - cron: "30 1,13,17 * * *"
        timezone: America/Argentina/Buenos_Aires
        active: true                    # optional, default true
      - interval: 3600                  # seconds, or a duration like 1h / 30m
        anchor: "2026-01-01T09:00:00"   # optional
        timezone: Europe/Madrid
        parameters: {mensaje: chau}     # optional: this schedule's runs take them
      - rrule: "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9"
    tags: [compras]
    description: Imprime un mensaje
    version: "1.0"
    paused: false
    concurrency_limit: 1                # optional
    watchdog_running_after: 6h          # optional; the watchdog's limit for this deployment
"""

EXAMPLE_ENTRY = DeploymentEntry(
    name="printear-mensaje",
    entrypoint="basic.py:basic_flow",
    work_pool="compras-prod",
    branch="main",
    parameters={"mensaje": "hola"},
    schedules=(
        ScheduleEntry(cron="30 1,13,17 * * *", timezone="America/Argentina/Buenos_Aires"),
        ScheduleEntry(
            interval_seconds=3600.0,
            anchor=datetime(2026, 1, 1, 9, 0),
            timezone="Europe/Madrid",
            parameters={"mensaje": "chau"},
        ),
        ScheduleEntry(rrule="FREQ=WEEKLY;BYDAY=MO;BYHOUR=9"),
    ),
    tags=("compras",),
    description="Imprime un mensaje",
    version="1.0",
    concurrency_limit=1,
    watchdog_running_after=timedelta(hours=6),
)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "cauce.yaml"


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(CauceYamlError) as caught:
        load_cauce_yaml(path)
    return str(caught.value)


def entry(name: str = "d", entrypoint: str = "a.py:f", **fields: Any) -> DeploymentEntry:
    return DeploymentEntry(name=name, entrypoint=entrypoint, work_pool="pool", **fields)


MINIMAL = """\
deployments:
  - name: d
    entrypoint: a.py:f
    work_pool: pool
"""


class TestReading:
    def test_the_documented_example(self, path):
        write(path, EXAMPLE)
        assert load_cauce_yaml(path) == [EXAMPLE_ENTRY]

    def test_only_three_keys_are_required(self, path):
        write(path, MINIMAL)
        assert load_cauce_yaml(path) == [entry()]

    @pytest.mark.parametrize("text", ["", "# only a comment\n", "deployments:\n", "{}\n"])
    def test_an_empty_file_has_no_deployments(self, path, text):
        write(path, text)
        assert load_cauce_yaml(path) == []

    @pytest.mark.parametrize(
        ("written", "seconds"), [("90", 90.0), ("1.5", 1.5), ("30m", 1800.0), ("1h30m", 5400.0)]
    )
    def test_an_interval_is_seconds_or_a_duration(self, path, written, seconds):
        write(path, MINIMAL + f"    schedules:\n      - interval: {written}\n")
        [loaded] = load_cauce_yaml(path)
        assert loaded.schedules == (ScheduleEntry(interval_seconds=seconds),)

    def test_an_unquoted_anchor_with_an_offset_is_read_by_yaml_itself(self, path):
        write(
            path,
            MINIMAL
            + "    schedules:\n      - interval: 1h\n        anchor: 2026-01-01T09:00:00+01:00\n",
        )
        [loaded] = load_cauce_yaml(path)
        assert loaded.schedules[0].anchor == datetime(2026, 1, 1, 8, 0, tzinfo=UTC)

    def test_an_empty_value_is_the_same_as_no_key(self, path):
        write(path, MINIMAL + "    description:\n    tags:\n")
        assert load_cauce_yaml(path) == [entry()]

    def test_the_same_name_for_two_flows_is_two_deployments(self, path):
        write(path, MINIMAL + "  - name: d\n    entrypoint: b.py:g\n    work_pool: pool\n")
        assert [e.entrypoint for e in load_cauce_yaml(path)] == ["a.py:f", "b.py:g"]

    def test_yaml_merge_keys_share_fields(self, path):
        write(
            path,
            """\
            deployments:
              - &base
                name: one
                entrypoint: a.py:f
                work_pool: pool
                tags: [x]
              - <<: *base
                name: two
            """,
        )
        assert [(e.name, e.tags) for e in load_cauce_yaml(path)] == [
            ("one", ("x",)),
            ("two", ("x",)),
        ]

    def test_a_byte_order_mark_from_notepad_is_fine(self, path):
        path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
        assert load_cauce_yaml(path) == [entry()]


class TestErrors:
    """Each mistake is one line: the file, the line, and what is wrong there."""

    @pytest.mark.parametrize(
        ("text", "line", "message"),
        [
            (
                MINIMAL + "    schedules:\n      - crn: '* * * * *'\n",
                6,
                "unknown key 'crn' in schedule #1 of deployment 'd' (did you mean 'cron'?)",
            ),
            (
                MINIMAL + "    work_pol: x\n",
                5,
                "unknown key 'work_pol' in deployment 'd' (did you mean 'work_pool'?)",
            ),
            (MINIMAL + "    zzz: 1\n", 5, "unknown key 'zzz' in deployment 'd'"),
            (
                "deployment:\n  - name: d\n",
                1,
                "unknown key 'deployment' at the top level (did you mean 'deployments'?)",
            ),
            (MINIMAL + "    name: e\n", 5, "key 'name' appears twice in deployment 'd'"),
        ],
    )
    def test_unknown_or_repeated_keys(self, path, text, line, message):
        write(path, text)
        assert error_of(path) == f"{path}:{line}: {message}"

    @pytest.mark.parametrize(
        ("text", "line", "message"),
        [
            (
                "deployments:\n  - name: d\n    entrypoint: a.py:f\n",
                2,
                "deployment 'd' has no 'work_pool' (required)",
            ),
            (
                "deployments:\n  - name: d\n    work_pool: p\n",
                2,
                "deployment 'd' has no 'entrypoint' (required)",
            ),
            (
                "deployments:\n  - entrypoint: a.py:f\n    work_pool: p\n",
                2,
                "deployment #1 has no 'name' (required)",
            ),
            (
                MINIMAL + "  - name:\n    entrypoint: a.py:f\n    work_pool: p\n",
                5,
                "deployment #2 has no 'name' (required)",
            ),
        ],
    )
    def test_a_missing_required_key_names_the_deployments_line(self, path, text, line, message):
        write(path, text)
        assert error_of(path) == f"{path}:{line}: {message}"

    @pytest.mark.parametrize(
        ("added", "message"),
        [
            ("paused: maybe", "deployment 'd': 'paused' must be true or false, got 'maybe'"),
            (
                "version: 1.0",
                "deployment 'd': 'version' must be text, got 1.0 (put it in quotes: \"1.0\")",
            ),
            ("work_pool: [a]", "deployment 'd': 'work_pool' must be text, got a list"),
            (
                "concurrency_limit: 0",
                "deployment 'd': 'concurrency_limit' must be a whole number, 1 or more, got 0",
            ),
            (
                "concurrency_limit: 1.5",
                "deployment 'd': 'concurrency_limit' must be a whole number, 1 or more, got 1.5",
            ),
            ("tags: compras", "deployment 'd': 'tags' must be a list of text, got 'compras'"),
            ("tags: [1, 2]", "deployment 'd': 'tags' must be a list of text, got a list"),
            (
                "parameters: [1]",
                "deployment 'd': 'parameters' must be a mapping of parameter names to values,"
                " got a list",
            ),
            (
                "watchdog_running_after: 6 hours",
                "deployment 'd': 'watchdog_running_after' must be a duration above zero,"
                " such as 90, 30m or 2h, got '6 hours'",
            ),
            ("schedules: daily", "deployment 'd': 'schedules' must be a list, got 'daily'"),
            (
                "schedules: [daily]",
                "expected a mapping in schedule #1 of deployment 'd', got 'daily'",
            ),
        ],
    )
    def test_a_wrong_type_names_the_value_and_what_is_expected(self, path, added, message):
        if added.startswith("work_pool"):
            text = MINIMAL.replace("work_pool: pool", added)
            line = 4
        else:
            text = MINIMAL + f"    {added}\n"
            line = 5
        write(path, text)
        assert error_of(path) == f"{path}:{line}: {message}"

    @pytest.mark.parametrize(
        ("schedule", "line", "message"),
        [
            (
                "timezone: UTC",
                6,
                "schedule #1 of deployment 'd' needs one of cron, interval or rrule",
            ),
            (
                "cron: '0 9 * * *'\n        interval: 60",
                6,
                "schedule #1 of deployment 'd' has cron and interval; give only one",
            ),
            (
                "cron: '0 9 * * *'\n        interval: 60\n        rrule: FREQ=DAILY",
                6,
                "schedule #1 of deployment 'd' has cron, interval and rrule; give only one",
            ),
            (
                "interval: 0",
                6,
                "schedule #1 of deployment 'd': 'interval': interval must be a positive,"
                " finite duration (such as 90, 30m or 2h), got 0",
            ),
            (
                "interval: 1x",
                6,
                "schedule #1 of deployment 'd': 'interval': interval must be a positive,"
                " finite duration (such as 90, 30m or 2h), got '1x'",
            ),
            (
                "interval: 60\n        anchor: tomorrow",
                7,
                "schedule #1 of deployment 'd': 'anchor' must be a date and time"
                " such as 2026-01-01T09:00:00, got 'tomorrow'",
            ),
            (
                "interval: 60\n        active: 'no'",
                7,
                "schedule #1 of deployment 'd': 'active' must be true or false, got 'no'",
            ),
            (
                "cron: '0 9 * * *'\n        parameters: [n]",
                7,
                "schedule #1 of deployment 'd': 'parameters' must be a mapping of parameter"
                " names to values, got a list",
            ),
            (
                "cron: '0 9 * * *'\n        timezone: Europe/Madird",
                7,
                "schedule #1 of deployment 'd': 'timezone': unknown timezone 'Europe/Madird';"
                " did you mean Europe/Madrid, Europe/Samara, Europe/Andorra?",
            ),
            (
                "timezone: Nowhere\n        cron: '0 9 * * *'",
                6,
                "schedule #1 of deployment 'd': 'timezone': unknown timezone 'Nowhere';"
                " use an IANA name such as Europe/Madrid or UTC",
            ),
        ],
    )
    def test_a_schedule_has_exactly_one_kind_and_well_typed_fields(
        self, path, schedule, line, message
    ):
        write(path, MINIMAL + f"    schedules:\n      - {schedule}\n")
        assert error_of(path) == f"{path}:{line}: {message}"

    def test_an_anchor_is_for_intervals_only(self, path):
        write(
            path,
            MINIMAL + "    schedules:\n      - cron: '0 9 * * *'\n        anchor: 2026-01-01\n",
        )
        assert error_of(path) == (
            f"{path}:7: schedule #1 of deployment 'd': 'anchor' is for interval schedules only"
        )

    def test_the_second_schedule_is_named_by_number(self, path):
        write(
            path,
            MINIMAL + "    schedules:\n      - cron: '0 9 * * *'\n      - timezone: UTC\n",
        )
        assert error_of(path) == (
            f"{path}:7: schedule #2 of deployment 'd' needs one of cron, interval or rrule"
        )

    def test_a_duplicate_name_for_the_same_entrypoint(self, path):
        write(path, MINIMAL + "  - name: d\n    entrypoint: a.py:f\n    work_pool: other\n")
        assert error_of(path) == (
            f"{path}:5: deployment 'd' for a.py:f is already defined at line 2"
        )

    def test_a_duplicate_is_found_through_windows_backslashes(self, path):
        write(
            path,
            "deployments:\n  - name: d\n    entrypoint: src/a.py:f\n    work_pool: p\n"
            "  - name: d\n    entrypoint: src\\a.py:f\n    work_pool: p\n",
        )
        assert error_of(path).startswith(f"{path}:5: deployment 'd' for src\\a.py:f is already")

    @pytest.mark.parametrize(
        ("text", "place", "problem"),
        [
            (
                "deployments:\n  - name: d\n    entrypoint: [a\n",
                "4:1",
                "expected ',' or ']', but got '<stream end>'",
            ),
            (
                "deployments:\n  - name: d\n   bad: x: y\n",
                "3:4",
                "expected <block end>, but found '<block mapping start>'",
            ),
            (
                "deployments:\n  - cron: */5 * * * *\n",
                "2:12",
                "expected alphabetic or numeric character, but found '/'",
            ),
        ],
    )
    def test_invalid_yaml_gives_line_and_column(self, path, text, place, problem):
        write(path, text)
        assert error_of(path) == f"{path}:{place}: invalid YAML: {problem}"

    def test_the_top_level_must_be_a_mapping(self, path):
        write(path, "- name: d\n")
        assert error_of(path) == f"{path}:1: expected a mapping at the top level, got a list"

    def test_deployments_must_be_a_list(self, path):
        write(path, "deployments:\n  name: d\n")
        assert error_of(path) == f"{path}:2: 'deployments' must be a list, got a mapping"

    def test_a_deployment_must_be_a_mapping(self, path):
        write(path, "deployments:\n  - d\n")
        assert error_of(path) == f"{path}:2: expected a mapping in deployment #1, got 'd'"

    def test_not_utf8(self, path):
        path.write_bytes(b"deployments:\n  - name: se\xf1al\n")
        assert error_of(path) == f"{path}: not UTF-8 text (byte 25)"

    def test_python_tags_are_refused(self, path):
        write(path, MINIMAL + "    parameters: !!python/object:os.system {}\n")
        assert error_of(path).startswith(
            f"{path}:5: invalid YAML: could not determine a constructor"
        )


def _default(field: dataclasses.Field[Any]) -> Any:
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return field.default


class TestSaving:
    def test_a_new_file_gets_the_header_and_reads_back(self, path):
        save_deployment(path, EXAMPLE_ENTRY)
        assert path.read_text(encoding="utf-8").startswith(HEADER + "deployments:\n")
        assert load_cauce_yaml(path) == [EXAMPLE_ENTRY]

    def test_written_by_hand_style(self, path):
        save_deployment(
            path,
            entry(
                parameters={"mensaje": "hola"},
                schedules=(
                    ScheduleEntry(cron="30 1,13,17 * * *", timezone="Europe/Madrid"),
                    ScheduleEntry(
                        interval_seconds=5400, anchor=datetime(2026, 1, 1, 9), active=False
                    ),
                    ScheduleEntry(interval_seconds=0.25, parameters={"mensaje": "chau"}),
                    ScheduleEntry(rrule="FREQ=WEEKLY;BYDAY=MO"),
                ),
                version="1.0",
                watchdog_running_after=timedelta(hours=6),
            ),
        )
        save_deployment(path, entry("e"))
        assert path.read_text(encoding="utf-8") == HEADER + textwrap.dedent(
            """\
            deployments:
              - name: d
                entrypoint: a.py:f
                work_pool: pool
                parameters:
                  mensaje: hola
                schedules:
                  - cron: "30 1,13,17 * * *"
                    timezone: Europe/Madrid
                  - interval: 90m
                    anchor: "2026-01-01T09:00:00"
                    active: false
                  - interval: 0.25s
                    parameters:
                      mensaje: chau
                  - rrule: "FREQ=WEEKLY;BYDAY=MO"
                version: '1.0'
                watchdog_running_after: 6h

              - name: e
                entrypoint: a.py:f
                work_pool: pool
            """
        )

    def test_every_field_set_away_from_its_default_round_trips(self, path):
        full = entry(
            source="https://example.com/repo.git",
            branch="main",
            parameters={"n": 3, "items": [1, "two"], "nested": {"a": None}},
            schedules=(
                ScheduleEntry(
                    interval_seconds=60, timezone="UTC", active=False, parameters={"n": 4}
                ),
            ),
            tags=("a", "yes", "1"),
            description="Line one\nline two: with colon",
            version="2",
            paused=True,
            concurrency_limit=4,
            watchdog_running_after=timedelta(minutes=90),
        )
        unset = [f.name for f in fields(DeploymentEntry) if getattr(full, f.name) == _default(f)]
        assert unset == [], "a new field must join this round trip"
        [schedule] = full.schedules
        unset = [f.name for f in fields(ScheduleEntry) if getattr(schedule, f.name) == _default(f)]
        assert unset == ["cron", "rrule", "anchor"], "a new schedule field must join it too"
        save_deployment(path, full)
        assert load_cauce_yaml(path) == [full]

    def test_replacing_keeps_the_other_entries_in_place_and_the_leading_comment(self, path):
        write(
            path,
            """\
            # Our deployments. Ask Ana before changing compras.

            deployments:
              - name: first
                entrypoint: a.py:f
                work_pool: pool
              - name: d
                entrypoint: a.py:f
                work_pool: old-pool
              - name: last
                entrypoint: b.py:g
                work_pool: pool
            """,
        )
        save_deployment(path, entry(tags=("new",)))
        text = path.read_text(encoding="utf-8")
        assert text.startswith(
            "# Our deployments. Ask Ana before changing compras.\n\ndeployments:\n"
        )
        assert [(e.name, e.work_pool, e.tags) for e in load_cauce_yaml(path)] == [
            ("first", "pool", ()),
            ("d", "pool", ("new",)),
            ("last", "pool", ()),
        ]

    def test_the_same_name_for_another_flow_is_added_not_replaced(self, path):
        save_deployment(path, entry())
        save_deployment(path, entry(entrypoint="b.py:g"))
        assert [e.entrypoint for e in load_cauce_yaml(path)] == ["a.py:f", "b.py:g"]

    def test_a_file_whose_header_was_removed_stays_without_one(self, path):
        write(path, MINIMAL)
        save_deployment(path, entry("e"))
        assert path.read_text(encoding="utf-8").startswith("deployments:\n")

    def test_an_empty_existing_file_gets_the_header(self, path):
        path.write_text("", encoding="utf-8")
        save_deployment(path, entry())
        assert path.read_text(encoding="utf-8").startswith(HEADER)

    def test_windows_line_endings_are_kept(self, path):
        path.write_bytes(MINIMAL.replace("\n", "\r\n").encode())
        save_deployment(path, entry("e"))
        raw = path.read_bytes()
        assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")

    def test_an_invalid_file_is_not_overwritten(self, path):
        write(path, MINIMAL + "    crn: x\n")
        before = path.read_bytes()
        with pytest.raises(CauceYamlError):
            save_deployment(path, entry("e"))
        assert path.read_bytes() == before
        assert [p.name for p in path.parent.iterdir()] == ["cauce.yaml"]


class TestScheduleEntry:
    @pytest.mark.parametrize(
        "fields",
        [
            {},
            {"cron": "* * * * *", "rrule": "FREQ=DAILY"},
            {"cron": "* * * * *", "interval_seconds": 1},
        ],
    )
    def test_exactly_one_kind_even_when_built_in_code(self, fields):
        with pytest.raises(ValueError, match="exactly one of"):
            ScheduleEntry(**fields)

    def test_an_anchor_needs_an_interval(self):
        with pytest.raises(ValueError, match="anchor is for interval schedules only"):
            ScheduleEntry(cron="* * * * *", anchor=datetime(2026, 1, 1))


class TestFindCauceYaml:
    def test_the_nearest_one_at_or_above_start(self, tmp_path):
        (tmp_path / "cauce.yaml").write_text("", encoding="utf-8")
        (tmp_path / "sub" / "deeper").mkdir(parents=True)
        (tmp_path / "sub" / "cauce.yaml").write_text("", encoding="utf-8")
        assert (
            find_cauce_yaml(tmp_path / "sub" / "deeper")
            == (tmp_path / "sub" / "cauce.yaml").resolve()
        )
        assert find_cauce_yaml(tmp_path) == (tmp_path / "cauce.yaml").resolve()

    def test_none_when_no_folder_up_to_the_root_has_one(self, tmp_path):
        (tmp_path / "a").mkdir()
        found = find_cauce_yaml(tmp_path / "a")
        # Something above the test's temporary folder could hold one; nothing inside it does.
        assert found is None or not found.is_relative_to(tmp_path)

    def test_a_folder_named_cauce_yaml_is_not_the_file(self, tmp_path):
        (tmp_path / "cauce.yaml").mkdir()
        found = find_cauce_yaml(tmp_path)
        assert found is None or not found.is_relative_to(tmp_path)
