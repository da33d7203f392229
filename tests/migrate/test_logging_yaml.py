"""A Prefect logging YAML into cauce's: classes, loggers and placeholders, the user's own kept."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from cauce.migrate.logging_yaml import convert
from tests.migrate.test_cli_migrate import _migrate, _run

# Prefect 3's own logging.yml, abridged (its comments and console styles left out), with a
# file handler of the user's.
PREFECT_LOGGING = """\
version: 1
disable_existing_loggers: False
formatters:
  standard:
    (): prefect.logging.formatters.PrefectFormatter
    format: "%(asctime)s | %(levelname)-7s | %(name)s - %(message)s"
    datefmt: "%H:%M:%S"
  json:
    class: prefect.logging.formatters.JsonFormatter
    format: "default"
  plain:
    format: "%(levelname)s %(name)s %(message)s"
handlers:
  console:
    level: 0
    class: prefect.logging.handlers.PrefectConsoleHandler
    formatter: standard
    stream: ext://sys.stderr
    styles:
      log.info_level: cyan
  api:
    level: 0
    class: prefect.logging.handlers.APILogHandler
  worker_api:
    level: 0
    class: prefect.logging.handlers.WorkerAPILogHandler
  archivo:
    class: logging.handlers.RotatingFileHandler
    filename: "LOG_FILE"
    maxBytes: 100000
    backupCount: 2
    formatter: plain
loggers:
  prefect:
    level: "${PREFECT_LOGGING_LEVEL}"
  prefect.flow_runs:
    level: NOTSET
    handlers: [api, archivo]
  prefect.task_runs:
    level: NOTSET
    handlers: [api]
  prefect.workers:
    level: NOTSET
    handlers: [worker_api]
  uvicorn:
    level: "${PREFECT_SERVER_LOGGING_LEVEL}"
    handlers: [console]
root:
  level: WARNING
  handlers: [console, worker_api]
"""

FLOW = """\
from cauce import flow, get_run_logger


@flow
def saluda() -> None:
    get_run_logger().info("hola desde el flow")


saluda()
"""


def _converted(tmp_path: Path) -> tuple[dict, dict[tuple[int, str], str]]:
    source = tmp_path / "logging.yml"
    source.write_text(PREFECT_LOGGING.replace("LOG_FILE", str(tmp_path / "runs.log")))
    conversion = convert(source)
    notes = {(note.line, note.subject): note.advice for note in conversion.notes}
    return yaml.safe_load(conversion.text), notes


def test_prefects_classes_and_loggers_become_cauces(tmp_path):
    config, _ = _converted(tmp_path)
    assert config["formatters"]["standard"] == {"()": "cauce.logging.run_logger.ConsoleFormatter"}
    assert config["handlers"]["console"] == {
        "class": "logging.StreamHandler", "level": 0, "formatter": "standard",
        "stream": "ext://sys.stderr",
    }  # fmt: skip
    assert config["handlers"]["api"] == {
        "class": "cauce.logging.run_logger.RunLogHandler",
        "level": 0,
    }
    assert list(config["loggers"]) == ["cauce", "cauce.flow_runs", "cauce.task_runs", "uvicorn"]
    assert config["loggers"]["cauce"] == {"level": "${CAUCE_LOGGING_LEVEL}"}
    assert config["loggers"]["cauce.flow_runs"]["handlers"] == ["api", "archivo"]
    assert config["root"]["handlers"] == ["console"]


def test_the_users_own_handler_and_formatter_are_kept(tmp_path):
    config, _ = _converted(tmp_path)
    assert config["handlers"]["archivo"] == {
        "class": "logging.handlers.RotatingFileHandler", "filename": str(tmp_path / "runs.log"),
        "maxBytes": 100000, "backupCount": 2, "formatter": "plain",
    }  # fmt: skip
    assert config["formatters"]["plain"] == {"format": "%(levelname)s %(name)s %(message)s"}


def test_what_has_no_equivalent_is_noted_with_its_line(tmp_path):
    _, notes = _converted(tmp_path)
    assert set(notes) == {
        (4, "formatter 'standard'"),
        (8, "formatter 'json'"),
        (24, "handler 'worker_api'"),
        (42, "logger 'prefect.workers'"),
        (46, "${PREFECT_SERVER_LOGGING_LEVEL}"),
    }
    assert notes[(24, "handler 'worker_api'")].startswith(
        "prefect.logging.handlers.WorkerAPILogHandler has no cauce equivalent"
    )
    assert notes[(42, "logger 'prefect.workers'")] == "cauce has no such logger: dropped"


def test_a_migrated_logging_yaml_is_used_by_a_cauce_flow(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "logging.yml").write_text(
        PREFECT_LOGGING.replace("LOG_FILE", str(tmp_path / "runs.log"))
    )
    (project / "flow.py").write_text(FLOW)
    shown = _migrate(project)
    assert "+++ b/cauce-logging.yml\n" in shown.stdout
    assert "logging.yml:24: handler 'worker_api': prefect.logging" in shown.stdout
    assert not (project / "cauce-logging.yml").exists()

    written = _migrate(project, "--write")
    assert written.returncode == 1  # the report lists what was dropped
    target = project / "cauce-logging.yml"
    assert f"set CAUCE_LOGGING_SETTINGS_PATH={target}" in written.stdout
    env = {"CAUCE_HOME": str(tmp_path / "home"), "CAUCE_LOGGING_SETTINGS_PATH": str(target)}
    run = _run([sys.executable, "flow.py"], project, env)
    assert run.returncode == 0, run.stderr
    assert "hola desde el flow" in run.stderr
    assert "INFO cauce.flow_runs hola desde el flow" in (tmp_path / "runs.log").read_text()
    logs = _run([sys.executable, "-m", "cauce.cli.main", "flow-run", "ls"], project, env)
    assert "saluda" in logs.stdout
