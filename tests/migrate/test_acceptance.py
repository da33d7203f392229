"""Issue #11's acceptance for `cauce migrate`, whole: a copy of a small Prefect project
(a flow, a prefect.yaml of two deployments, a profile and a logging YAML), migrated with
--write; then the flow runs on cauce with the converted settings and logging, and
`cauce deploy --all --no-prompt` creates both deployments with the same schedules."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.migrate.test_cli_migrate import FLOW, PREFECT_YAML, _migrate, _run

PROFILES = """\
active = "equipo"

[profiles.equipo]
PREFECT_LOGGING_LEVEL = "INFO"
PREFECT_API_KEY = "pnu_de_la_nube"
"""

LOGGING_YML = """\
version: 1
disable_existing_loggers: false
formatters:
  simple:
    format: "%(levelname)s %(name)s %(message)s"
handlers:
  archivo:
    class: logging.handlers.RotatingFileHandler
    formatter: simple
    filename: flujo.log
    maxBytes: 100000
  api:
    class: prefect.logging.handlers.APILogHandler
loggers:
  prefect:
    level: "${PREFECT_LOGGING_LEVEL}"
  prefect.flow_runs:
    level: NOTSET
    handlers: [api, archivo]
root:
  level: WARNING
  handlers: []
"""


def test_a_migrated_project_runs_and_deploys_on_cauce(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "flow.py").write_text(FLOW)
    (project / "prefect.yaml").write_text(PREFECT_YAML)
    (project / "logging.yml").write_text(LOGGING_YML)
    prefect_home = tmp_path / "prefect-home"
    prefect_home.mkdir()
    (prefect_home / "profiles.toml").write_text(PROFILES)

    migrated = _migrate(project, "--write", "--prefect-home", str(prefect_home))
    assert migrated.returncode == 1, migrated.stderr  # the Cloud key is reported
    assert "PREFECT_API_KEY: Prefect Cloud only" in migrated.stdout
    assert "from cauce import flow, get_run_logger, task" in (project / "flow.py").read_text()
    assert (project / "cauce.yaml").exists() and (project / "cauce-logging.yml").exists()

    env = {
        "CAUCE_HOME": str(tmp_path / "home"),
        "CAUCE_LOGGING_SETTINGS_PATH": str(project / "cauce-logging.yml"),
    }
    cauce = [sys.executable, "-m", "cauce.cli.main"]
    assert "* equipo" in _run([*cauce, "profile", "ls"], project, env).stdout
    ran = _run([sys.executable, "flow.py"], project, env)
    assert ran.returncode == 0, ran.stderr
    assert "total=" in ran.stdout
    # The user's own handler is kept, at the level the converted profile sets.
    assert "INFO cauce.flow_runs running " in (project / "flujo.log").read_text()
    runs = _run([*cauce, "flow-run", "ls"], project, env)
    assert "pipeline" in runs.stdout and "Completed" in runs.stdout

    assert _run([*cauce, "work-pool", "create", "local"], project, env).returncode == 0
    deployed = _run([*cauce, "deploy", "--all", "--no-prompt"], project, env)
    assert deployed.returncode == 0, deployed.stderr
    assert "cron 30 8 * * * (America/Argentina/Buenos_Aires)" in deployed.stdout
    assert "every 1h (UTC)" in deployed.stdout
    listed = _run([*cauce, "deployment", "ls"], project, env).stdout
    assert "pipeline/mañanas" in listed and "pipeline/cada-hora" in listed
