"""Figures: how long the background services take to move to another server when their
leader is killed (issue #12: leader failover within one service interval).

Two `cauce server start` processes share a PostgreSQL database of their own (made
here, dropped at the end), with the scheduler every --interval seconds. --rounds
times: the leader (the server whose output says it leads) is killed with SIGKILL,
the time until the other server's output says it leads is taken, and a new server
is started in the dead one's place, to stand by. One JSON line:

- `interval_s`: the scheduler's interval;
- `failover_s`: each round's time from the kill to the other server leading;
- `failover_max_s`, `failover_median_s`.

Needs PostgreSQL at --postgres (trust auth). Every process started here runs in a group
of its own and is killed with it at the end.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from _harness import kill_group
from _server import free_port
from ui_pages import wait_healthy

LEADS = "services: this server runs them (it leads)"


def start(home: Path, log: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    """A server on a free port, its output in `log`, answering /api/health."""
    port = free_port()
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "cauce.cli.main", "server", "start", "--port", str(port)],
            env={**env, "CAUCE_HOME": str(home)},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    wait_healthy(f"http://127.0.0.1:{port}/api/health")
    return process, port


def wait_for_lead(log: Path, seconds: float = 30) -> float:
    """When `log` first says its server leads (time.monotonic)."""
    deadline = time.monotonic() + seconds
    while LEADS not in log.read_text():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{log.name}: no server took the lead in {seconds} s")
        time.sleep(0.01)
    return time.monotonic()


@contextmanager
def servers_on_a_database_of_their_own(
    admin_url: str,
) -> Iterator[tuple[str, dict[str, str], list[subprocess.Popen[bytes]]]]:
    """A new PostgreSQL database beside `admin_url`'s (dropped after), the environment
    with no setting of ours, and a list for the processes started on it (their groups
    killed after)."""
    import psycopg

    name = f"cauce_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    bare = {k: v for k, v in os.environ.items() if not k.startswith(("CAUCE_", "BENCH_"))}
    started: list[subprocess.Popen[bytes]] = []
    try:
        yield f"{admin_url.rsplit('/', 1)[0]}/{name}", bare, started
    finally:
        for process in started:
            kill_group(process.pid)
            process.wait()
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    failovers: list[float] = []
    with servers_on_a_database_of_their_own(options.postgres) as (url, bare, started):
        env = {
            **bare,
            "CAUCE_API_DATABASE_URL": url,
            "CAUCE_SERVER_SCHEDULER_INTERVAL": f"{options.interval}s",
        }
        with tempfile.TemporaryDirectory(prefix="cauce-failover-") as folder:
            root = Path(folder)
            logs = [root / "server-0.log", root / "server-1.log"]
            servers = []
            for n, log in enumerate(logs):
                process, _ = start(root / f"home-{n}", log, env)
                started.append(process)
                servers.append(process)
                if n == 0:
                    wait_for_lead(log)
            for round_ in range(options.rounds):
                leader = round_ % 2
                other = 1 - leader
                servers[leader].kill()
                servers[leader].wait()
                killed = time.monotonic()
                failovers.append(round(wait_for_lead(logs[other]) - killed, 3))
                logs[leader].write_text("")  # its successor's output only
                servers[leader], _ = start(root / f"home-{leader}", logs[leader], env)
                started.append(servers[leader])
    print(
        json.dumps(
            {
                "figure": "leader_failover",
                "framework": "cauce",
                "interval_s": options.interval,
                "failover_s": failovers,
                "failover_max_s": max(failovers),
                "failover_median_s": statistics.median(failovers),
            }
        )
    )


if __name__ == "__main__":
    main()
