"""`cauce migrate` as a user runs it: on a copy of a Prefect project, then the project on cauce."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

FLOW = '''\
"""A small flow written for Prefect 3."""

import prefect  # the orchestrator
from prefect import flow, get_run_logger, task
from prefect.runtime import flow_run
from prefect.states import Completed
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.tasks import task_input_hash


@task(cache_key_fn=task_input_hash)
def double(n: int) -> int:
    return n * 2


@flow(task_runner=ThreadPoolTaskRunner(max_workers=2))
def pipeline(n: int = 3) -> int:
    get_run_logger().info("running %s", flow_run.name)
    futures = double.map([1, 2, n])
    total = sum(future.result() for future in futures)
    print(f"total={total} run={prefect.runtime.flow_run.name is not None}")
    return total


if __name__ == "__main__":
    state = pipeline(return_state=True)
    assert isinstance(state, type(Completed())) or state.is_completed()
'''

CLOUD = """\
from prefect import flow
from prefect.blocks.notifications import SlackWebhook


@flow
def uses_a_block() -> None:
    SlackWebhook.load("ops").notify("done")
"""


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`args` in a process group of its own, killed with its children if still running."""
    full_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("CAUCE_", "PREFECT_"))
    } | env
    group = (
        {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}  # type: ignore[attr-defined]
        if sys.platform == "win32"
        else {"start_new_session": True}
    )
    process = subprocess.Popen(
        args, cwd=cwd, env=full_env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, **group,
    )  # fmt: skip
    try:
        stdout, stderr = process.communicate(timeout=90)
        return subprocess.CompletedProcess(args, process.returncode, stdout, stderr)
    finally:
        if process.poll() is None:
            if sys.platform == "win32":
                process.kill()
            else:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A Prefect project: a flow, a package, and a virtualenv that must not be touched."""
    root = tmp_path / "project"
    (root / "etl").mkdir(parents=True)
    (root / ".venv" / "lib").mkdir(parents=True)
    (root / "flow.py").write_text(FLOW)
    (root / "etl" / "__init__.py").write_text("from prefect import task as prefect_task\n")
    (root / ".venv" / "lib" / "vendored.py").write_text("import prefect\n")
    return root


def _migrate(root: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "cauce.cli.main", "migrate", *args]
    # HOME is a fresh folder: the ~/.prefect/profiles.toml of whoever runs the tests is not read.
    user_home = str(root.parent / "user")
    env = {"CAUCE_HOME": str(root.parent / "home"), "HOME": user_home, "USERPROFILE": user_home}
    return _run(command, cwd or root, env)


def _texts(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*.py"))}


def test_without_write_it_prints_the_diff_and_changes_nothing(project):
    before = _texts(project)
    result = _migrate(project, str(project), cwd=project.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    assert _texts(project) == before
    assert "--- a/flow.py\n+++ b/flow.py\n" in result.stdout
    assert "-from prefect import flow, get_run_logger, task\n" in result.stdout
    assert "+from cauce import flow, get_run_logger, task\n" in result.stdout
    assert "+import cauce  # the orchestrator\n" in result.stdout
    assert "+from cauce import task as prefect_task\n" in result.stdout
    assert "vendored.py" not in result.stdout
    assert "Nothing written: 2 file(s) would change" in result.stdout


def test_write_rewrites_and_the_project_runs_on_cauce(project, tmp_path):
    result = _migrate(project, "--write")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Files changed" in result.stdout
    assert "│ 2 " in result.stdout and "│ 7 " in result.stdout  # files, imports rewritten
    texts = _texts(project)
    assert texts["flow.py"] == FLOW.replace("prefect", "cauce").replace(
        "Prefect 3", "cauce"
    ).replace("A small flow written for cauce.", "A small flow written for Prefect 3.")
    assert texts[".venv/lib/vendored.py"] == "import prefect\n"
    assert "prefect" not in texts["etl/__init__.py"].replace("as prefect_task", "")

    home = tmp_path / "fresh-home"
    run = _run([sys.executable, "flow.py"], project, {"CAUCE_HOME": str(home)})
    assert run.returncode == 0, run.stderr
    assert "total=12 run=True" in run.stdout + run.stderr
    assert (home / "cauce.db").exists()

    again = _migrate(project)
    assert again.returncode == 0 and "Nothing written: 0 file(s) would change" in again.stdout


def test_diff_prints_only_a_diff_git_can_apply(project):
    result = _migrate(project, "--diff")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("--- a/flow.py\n")
    assert "Nothing written" not in result.stdout
    patch = project.parent / "migrate.patch"
    patch.write_text(result.stdout)
    git = _run(["git", "apply", "--check", str(patch)], project, {})
    assert git.returncode == 0, git.stderr


def test_the_report_names_file_and_line_of_an_unsupported_name(project):
    (project / "etl" / "secrets.py").write_text(CLOUD)
    result = _migrate(project)
    assert result.returncode == 1
    [line] = [line for line in result.stdout.splitlines() if line.startswith("etl/secrets.py")]
    assert line.startswith(
        "etl/secrets.py:2: prefect.blocks.notifications.SlackWebhook: This block type is not in"
    )

    diff_only = _migrate(project, "--diff")
    assert diff_only.returncode == 1
    assert "etl/secrets.py:2:" in diff_only.stderr and "etl/secrets.py:2:" not in diff_only.stdout

    written = _migrate(project, "--write")
    assert written.returncode == 1
    assert "etl/secrets.py:2: prefect.blocks.notifications.SlackWebhook" in written.stdout
    assert (
        "from cauce.blocks.notifications import SlackWebhook"
        in (project / "etl" / "secrets.py").read_text()
    )


def test_an_unparsable_file_is_named_and_skipped(project):
    broken = "from prefect import flow\n\ndef main(:\n    pass\n"
    (project / "broken.py").write_text(broken)
    result = _migrate(project, "--write")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "broken.py:3: cannot be parsed (invalid syntax); left unchanged" in result.stdout
    assert (project / "broken.py").read_text() == broken
    assert "from cauce import flow" in (project / "flow.py").read_text()


def test_a_missing_path_is_one_line_and_exit_2(tmp_path):
    result = _migrate(tmp_path, str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == f"No such file or folder: {tmp_path / 'nowhere'}\n"


def test_one_file_can_be_migrated(project):
    result = _migrate(project, "--write", "flow.py")
    assert result.returncode == 0, result.stderr
    assert "from cauce import flow" in (project / "flow.py").read_text()
    assert "from prefect import" in (project / "etl" / "__init__.py").read_text()


def test_migrate_loads_libcst_only_when_it_runs():
    code = "import sys, cauce, cauce.cli.main\nprint('libcst' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


PREFECT_YAML = """\
deployments:
- name: mañanas
  entrypoint: flow.py:pipeline
  parameters: {n: 4}
  work_pool: {name: local}
  schedules:
  - cron: 30 8 * * *
    timezone: America/Argentina/Buenos_Aires
- name: cada-hora
  entrypoint: flow.py:pipeline
  work_pool: {name: local}
  schedules:
  - interval: 3600
    timezone: UTC
"""


def test_prefect_yaml_becomes_cauce_yaml_that_cauce_deploy_applies(project):
    (project / "prefect.yaml").write_text(PREFECT_YAML)
    shown = _migrate(project, "--diff")
    assert shown.returncode == 0, shown.stderr
    assert "--- /dev/null\n+++ b/cauce.yaml\n" in shown.stdout
    assert not (project / "cauce.yaml").exists()
    patch = project.parent / "migrate.patch"
    patch.write_text(shown.stdout)
    assert _run(["git", "apply", "--check", str(patch)], project, {}).returncode == 0

    written = _migrate(project, "--write")
    assert written.returncode == 0, written.stdout + written.stderr
    assert "Deployments converted" in written.stdout
    env = {"CAUCE_HOME": str(project.parent / "home")}
    cauce = [sys.executable, "-m", "cauce.cli.main"]
    assert _run([*cauce, "work-pool", "create", "local"], project, env).returncode == 0
    deployed = _run([*cauce, "deploy", "--all", "--no-prompt"], project, env)
    assert deployed.returncode == 0, deployed.stderr
    assert "Deployment 'pipeline/mañanas' is in work pool 'local'." in deployed.stdout
    assert "cron 30 8 * * * (America/Argentina/Buenos_Aires)" in deployed.stdout
    assert "Deployment 'pipeline/cada-hora' is in work pool 'local'." in deployed.stdout
    assert "every 1h (UTC)" in deployed.stdout
