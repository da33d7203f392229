"""Figures (issue #12's acceptance): a deployment on a one-minute cron, two servers on one
PostgreSQL and a worker, for --minutes (5); halfway, the services' leader is killed.

As a user would set it up: two `cauce server start` on a PostgreSQL database of their
own (made here, dropped at the end), then, through the server that stands by,
`cauce work-pool create`, `cauce deploy tick.py:tick --cron "* * * * *" --no-prompt`
and `cauce worker start`. The window is the --minutes whole minutes after the
deploy; halfway through it the leader (the first server) is killed with SIGKILL. A
minute after the window, the deployment's runs whose expected start falls in it are
read from the database. One JSON line:

- `runs_in_window`: runs expected to start in the window (--minutes when each minute
  got its run); `distinct_start_times`: their distinct expected start times (equal to
  `runs_in_window` when none was made twice);
- `completed_in_window`: of those, the runs the worker took to Completed;
- `failover_s`: from the kill to the other server saying it leads.

Needs PostgreSQL at --postgres (trust auth). Every process started here runs in a group
of its own and is killed with it at the end.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from leader_failover import servers_on_a_database_of_their_own, start, wait_for_lead

FLOW = """\
from cauce import flow


@flow
def tick() -> None:
    print("tick")
"""


def cauce(root: Path, env: dict[str, str], *args: str) -> None:
    """Run one `cauce` command in `root`, failing loudly if it fails."""
    command = [sys.executable, "-m", "cauce.cli.main", *args]
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise SystemExit(f"cauce {' '.join(args)}: {done.stderr.strip()}")


def next_minute(moment: datetime) -> datetime:
    """The first whole minute after `moment`."""
    return moment.replace(second=0, microsecond=0) + timedelta(minutes=1)


def sleep_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()))


def runs_in(url: str, begin: datetime, end: datetime) -> tuple[int, int, int]:
    """(runs, distinct expected start times, Completed runs) expected in [begin, end)."""
    import psycopg

    with psycopg.connect(url) as connection:
        row = connection.execute(
            "SELECT count(*), count(DISTINCT expected_start_time),"
            " count(*) FILTER (WHERE state_type = 'COMPLETED') FROM flow_runs"
            " WHERE expected_start_time >= %s AND expected_start_time < %s",
            (begin, end),
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--minutes", type=int, default=5)
    options = parser.parse_args()
    with servers_on_a_database_of_their_own(options.postgres) as (url, bare, started):
        with tempfile.TemporaryDirectory(prefix="cauce-cron-") as folder:
            root = Path(folder)
            (root / "tick.py").write_text(FLOW)
            servers_env = {**bare, "CAUCE_API_DATABASE_URL": url}
            logs = [root / "server-a.log", root / "server-b.log"]
            leader, _ = start(root / "home-a", logs[0], servers_env)
            started.append(leader)
            wait_for_lead(logs[0])
            standby, port = start(root / "home-b", logs[1], servers_env)
            started.append(standby)
            client = {
                **bare,
                "CAUCE_HOME": str(root / "client"),
                "CAUCE_API_URL": f"http://127.0.0.1:{port}/api",
            }
            cauce(root, client, "work-pool", "create", "ticks")
            cauce(root, client, "deploy", "tick.py:tick", "--name", "cada-minuto",
                  "--pool", "ticks", "--cron", "* * * * *", "--no-prompt")  # fmt: skip
            with (root / "worker.log").open("ab") as output:
                worker = subprocess.Popen(
                    [sys.executable, "-m", "cauce.cli.main", "worker", "start", "--pool", "ticks"],
                    cwd=root,
                    env=client,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            started.append(worker)
            begin = next_minute(datetime.now(UTC))
            end = begin + timedelta(minutes=options.minutes)
            sleep_until(begin + (end - begin) / 2)
            leader.kill()
            leader.wait()
            killed = time.monotonic()
            failover = round(wait_for_lead(logs[1], seconds=120) - killed, 3)
            sleep_until(end + timedelta(minutes=1))
            runs, distinct, completed = runs_in(url, begin, end)
    print(
        json.dumps(
            {
                "figure": "leader_cron",
                "framework": "cauce",
                "minutes": options.minutes,
                "runs_in_window": runs,
                "distinct_start_times": distinct,
                "completed_in_window": completed,
                "failover_s": failover,
            }
        )
    )


if __name__ == "__main__":
    main()
