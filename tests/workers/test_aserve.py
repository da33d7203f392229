"""`cauce.aserve`: Prefect's async `serve`, awaited after the script's own async setup."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from cauce.deployments import run_deployment
from tests.conftest import Store
from tests.workers.conftest import SLOW, served_script, until_final

pytestmark = pytest.mark.store_kinds(SLOW, "sqlite", "http-postgres")

SERVED_ASYNC = """\
import asyncio

from cauce import aserve, flow


@flow
def doubled(n: int = 1) -> int:
    return n * 2


async def setup() -> str:
    await asyncio.sleep(0)
    return "ready"


async def main() -> None:
    print(await setup(), flush=True)
    await aserve(doubled.to_deployment("doubled"))


if __name__ == "__main__":
    asyncio.run(main())
"""


@pytest.fixture
def serving(store: Store, tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    with served_script(store, tmp_path, SERVED_ASYNC, ("doubled/doubled",)) as process:
        yield process


def test_a_run_asked_for_is_run_and_ctrl_c_stops_serving(
    store: Store, serving: subprocess.Popen[str]
) -> None:
    flow_run = run_deployment("doubled/doubled", parameters={"n": 21}, timeout=0)
    done = until_final(store, flow_run.id)
    assert done.state.name == "Completed"
    serving.send_signal(signal.SIGINT)
    output, _ = serving.communicate(timeout=30)
    assert serving.returncode == 0, output
    assert output.startswith("ready\n")
    assert "Stopped serving doubled/doubled." in output
