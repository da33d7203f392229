"""Two processes on one store never both take the last slot: the UPDATE that takes it
decides, not a read before it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from cauce.schemas.concurrency_limits import StoredConcurrencyLimit
from tests.conftest import Store

HOLDER = textwrap.dedent(
    """
    import sys, time
    from cauce.concurrency.sync import concurrency

    with open(sys.argv[1], "w") as out:
        for _ in range(3):
            with concurrency("only-one", timeout_seconds=60):
                start = time.time()
                time.sleep(0.2)
                out.write(f"{start} {time.time()}\\n")
    """
)


def _kill(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        if sys.platform == "win32":
            process.kill()
        else:
            os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def test_two_processes_hold_a_limit_of_one_in_turn(store: Store, tmp_path: Path) -> None:
    store.client.create_concurrency_limit(StoredConcurrencyLimit("only-one", limit=1))
    script = tmp_path / "holder.py"
    script.write_text(HOLDER)
    outputs = [tmp_path / f"spans-{i}.txt" for i in range(2)]
    processes = [
        subprocess.Popen(
            [sys.executable, str(script), str(output)],
            text=True,
            start_new_session=sys.platform != "win32",
        )
        for output in outputs
    ]
    try:
        for process in processes:
            assert process.wait(timeout=90) == 0
    finally:
        for process in processes:
            _kill(process)
    spans = sorted(
        tuple(map(float, line.split()))
        for output in outputs
        for line in output.read_text().splitlines()
    )
    assert len(spans) == 6
    for (_, end), (next_start, _) in zip(spans, spans[1:], strict=False):
        assert end <= next_start, spans
    assert store.client.read_concurrency_limit("only-one").active_slots == 0
