"""Commands that delete ask on a terminal only (the SPEC, as Prefect's `deployment delete`):
with no terminal they act; on a terminal "n" keeps the thing, saying so in one line, and
"y" deletes it.

The four deleting commands run as a user types them: in fresh interpreters with stdin
from /dev/null (a script, cron, CI) on every store, and in a pseudo-terminal (pexpect).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

import pexpect
import pytest

from cauce.client.base import CauceClient, NotFound
from cauce.client.embedded import EmbeddedClient
from cauce.schemas.deployments import Deployment, DeploymentSchedule, WorkPool
from cauce.schemas.flow_runs import FlowRun
from cauce.states import Completed
from tests.conftest import Store

KINDS = ["deployment", "schedule", "work-pool", "flow-run"]


@dataclass
class Things:
    """One thing of each kind the deleting commands delete."""

    deployment: Deployment  # flujo/diario, without schedules
    scheduled: Deployment  # flujo/horario, with one schedule
    flow_run: FlowRun


def _make_things(client: CauceClient) -> Things:
    client.create_work_pool(WorkPool("principal"))
    client.create_work_pool(WorkPool("libre"))  # used by no deployment, so it may go
    base = Deployment(
        flow_name="flujo", name="diario", entrypoint="flujos.py:flujo", work_pool_name="principal"
    )
    deployment = client.apply_deployment(base)
    hourly = DeploymentSchedule("UTC", cron="0 * * * *")
    scheduled = client.apply_deployment(
        replace(base, id=uuid.uuid4(), name="horario", schedules=[hourly])
    )
    flow_run = FlowRun(id=uuid.uuid4(), flow_name="flujo", name="corrida", state=Completed())
    client.create_flow_run(flow_run, None)
    return Things(deployment, scheduled, flow_run)


def _command(kind: str, things: Things) -> tuple[list[str], str]:
    """The command deleting the thing of `kind`, and how its question names the thing."""
    schedule = things.scheduled.schedules[0]
    return {
        "deployment": (["deployment", "delete", "flujo/diario"], "deployment 'flujo/diario'"),
        "schedule": (
            ["deployment", "schedule", "delete", "flujo/horario", str(schedule.id)],
            f"schedule {schedule.id} (cron 0 * * * * (UTC))",
        ),
        "work-pool": (["work-pool", "delete", "libre"], "work pool 'libre'"),
        "flow-run": (
            ["flow-run", "delete", str(things.flow_run.id)],
            f"flow run 'corrida' ({things.flow_run.id})",
        ),
    }[kind]


def _exists(client: CauceClient, kind: str, things: Things) -> bool:
    try:
        if kind == "deployment":
            client.read_deployment(things.deployment.id)
        elif kind == "schedule":
            return bool(client.read_deployment(things.scheduled.id).schedules)
        elif kind == "work-pool":
            client.read_work_pool("libre")
        else:
            client.read_flow_run(things.flow_run.id)
    except NotFound:
        return False
    return True


def _user_env(env: dict[str, str]) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("CAUCE_")}, **env}


class TestWithNoTerminal:
    def test_each_deleting_command_acts_without_asking(
        self, store: Store, store_env: dict[str, str]
    ):
        things = _make_things(store.client)
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "cauce.cli.main", *_command(kind, things)[0]],
                env=_user_env(store_env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for kind in KINDS
        ]
        try:
            results = [process.communicate(timeout=90) for process in processes]
        finally:
            for process in processes:
                process.kill()
                process.wait()
        for kind, process, (stdout, stderr) in zip(KINDS, processes, results, strict=True):
            assert process.returncode == 0, (kind, stderr)
            assert stdout.startswith("Deleted "), (kind, stdout)
            assert "?" not in stdout and stderr == "", (kind, stdout, stderr)
            assert not _exists(store.client, kind, things), kind


class TestOnATerminal:
    @pytest.fixture
    def things(self, cauce_home: Path) -> Things:
        client = EmbeddedClient(f"sqlite:///{cauce_home / 'cauce.db'}")
        try:
            return _make_things(client)
        finally:
            client.close()

    def _answer(self, cauce_home: Path, args: list[str], question: str, answer: str) -> str:
        """Run `cauce ARGS` in a pseudo-terminal, answer its question; what it printed after."""
        child = pexpect.spawn(
            sys.executable,
            ["-m", "cauce.cli.main", *args],
            env=_user_env({"CAUCE_HOME": str(cauce_home)}),
            encoding="utf-8",
            timeout=60,
            dimensions=(40, 200),
        )
        try:
            child.expect_exact(f"Delete {question}? [y/N]: ")
            child.send(answer + "\r")
            child.expect(pexpect.EOF)
        finally:
            child.close()
        # On a terminal an error is red: compare the words only.
        after = re.sub(r"\x1b\[[0-9;]*m", "", str(child.before).replace("\r\n", "\n"))
        # The first line is the answer the terminal echoes.
        echoed, _, printed = after.strip("\n").partition("\n")
        assert echoed.strip() == answer
        return f"{child.exitstatus}: {printed}"

    @pytest.mark.parametrize("kind", KINDS)
    def test_no_keeps_it_and_says_so_in_one_line(self, cauce_home: Path, things: Things, kind):
        args, question = _command(kind, things)
        printed = self._answer(cauce_home, args, question, "n")
        assert printed == f"1: Deletion aborted: {question} is kept."
        client = EmbeddedClient(f"sqlite:///{cauce_home / 'cauce.db'}")
        try:
            assert _exists(client, kind, things)
        finally:
            client.close()

    @pytest.mark.parametrize("kind", KINDS)
    def test_yes_deletes_it(self, cauce_home: Path, things: Things, kind):
        args, question = _command(kind, things)
        printed = self._answer(cauce_home, args, question, "y")
        assert printed.startswith("0: Deleted "), printed
        client = EmbeddedClient(f"sqlite:///{cauce_home / 'cauce.db'}")
        try:
            assert not _exists(client, kind, things)
        finally:
            client.close()
