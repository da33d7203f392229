"""What the deployment benchmarks share: the guide's project, each framework's CLI run
as a fresh process against a running server, and the HTTP calls that prepare or
check the server's state.

The project is a folder holding the guide's `basic.py` (workloads/basic.py, its
import line rewritten for Prefect as every workload's is). The CLI is the
`cauce` / `prefect` script installed beside `--python`, run with a fresh client
home and `CAUCE_API_URL` / `PREFECT_API_URL` pointing at the server, as a user's
terminal would have it. Both servers spell the two calls used here the same way:
`GET /deployments/name/FLOW/NAME` and `DELETE /deployments/{id}`.
"""

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _harness import Framework, WorkloadError, kill_group, render_workload

FLOW_FILE = "basic.py"
ENTRYPOINT = "basic.py:basic_flow"
DEPLOYMENT_NAME = "printear-mensaje"
DEPLOYMENT = f"basic-flow/{DEPLOYMENT_NAME}"
POOL = "compras-prod"
CRON = "30 1,13,17 * * *"
TIMEZONE = "America/Argentina/Buenos_Aires"
CLI_TIMEOUT_S = 300.0


def write_project(folder: Path, framework: Framework) -> Path:
    """A project folder with the guide's basic.py, written for `framework`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / FLOW_FILE).write_text(render_workload(FLOW_FILE, framework))
    return folder


def cli_env(framework: Framework, api_url: str, home: Path) -> dict[str, str]:
    """A user's terminal: no framework setting but the API URL, and a client home."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CAUCE_", "PREFECT_", "BENCH_"))
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env[framework.home_env] = str(home)
    env[f"{framework.name.upper()}_API_URL"] = api_url
    return env


@dataclass(frozen=True)
class CliRun:
    """One finished CLI process."""

    wall_s: float
    stdout: str
    stderr: str


def run_cli(
    framework: Framework, python: str, args: list[str], cwd: Path, env: dict[str, str]
) -> CliRun:
    """Run `cauce ARGS` / `prefect ARGS` (beside `python`) in `cwd`; `wall_s` is from
    spawning it to its exit. A non-zero exit is a WorkloadError with its output."""
    command = [str(Path(python).parent / framework.name), *args]
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=CLI_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        kill_group(process.pid)
        process.communicate()
        raise WorkloadError(f"{' '.join(command)}: timed out after {CLI_TIMEOUT_S:.0f} s") from None
    wall_s = time.perf_counter() - started
    kill_group(process.pid)
    if process.returncode != 0:
        tail = "\n".join((stdout + stderr).strip().splitlines()[-30:])
        raise WorkloadError(f"{' '.join(args)} exited with {process.returncode}:\n{tail}")
    return CliRun(wall_s, stdout, stderr)


def create_pool_args(framework: Framework) -> list[str]:
    """`work-pool create compras-prod` (Prefect needs its type named)."""
    if framework.name == "prefect":
        return ["work-pool", "create", POOL, "--type", "process"]
    return ["work-pool", "create", POOL]


def deploy_args(framework: Framework) -> list[str]:
    """The guide's deploy, every answer given as a flag, never asking."""
    if framework.name == "prefect":
        return [
            "--no-prompt",
            "deploy",
            ENTRYPOINT,
            "-n",
            DEPLOYMENT_NAME,
            "-p",
            POOL,
            "--cron",
            CRON,
            "--timezone",
            TIMEZONE,
        ]
    return [
        "deploy",
        ENTRYPOINT,
        "--name",
        DEPLOYMENT_NAME,
        "--pool",
        POOL,
        "--cron",
        CRON,
        "--timezone",
        TIMEZONE,
        "--no-prompt",
    ]


def deployment_run_args() -> list[str]:
    """`deployment run basic-flow/printear-mensaje`, the same words for both."""
    return ["deployment", "run", DEPLOYMENT]


def get_json(url: str) -> Any:
    """GET `url`; its JSON body, or None on 404."""
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise


def read_deployment(api_url: str) -> dict[str, Any] | None:
    """The guide's deployment as the server has it, or None."""
    found: dict[str, Any] | None = get_json(f"{api_url}/deployments/name/{DEPLOYMENT}")
    return found


def delete_deployment(api_url: str) -> None:
    """Delete the guide's deployment (with its runs not started), if it exists."""
    deployment = read_deployment(api_url)
    if deployment is None:
        return
    request = urllib.request.Request(f"{api_url}/deployments/{deployment['id']}", method="DELETE")
    with urllib.request.urlopen(request, timeout=60):
        pass


def flow_run_state_type(api_url: str, flow_run_id: str) -> str | None:
    """The state type of a flow run in the server's store (None if it is not there)."""
    flow_run = get_json(f"{api_url}/flow_runs/{flow_run_id}")
    return None if flow_run is None else str(flow_run["state"]["type"])
