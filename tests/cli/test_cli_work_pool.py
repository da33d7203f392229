"""`cauce work-pool create | ls | inspect | pause | resume | delete` as a user types them.

Each journey runs `cauce` in a fresh interpreter on every store (SQLite, PostgreSQL,
HTTP) and checks what it printed against what the store then holds. Whether `delete`
asks first is test_cli_confirm.py's.
"""

from __future__ import annotations

import pytest

from cauce.client.base import NotFound
from cauce.schemas.deployments import Deployment
from tests.cli.conftest import one_line_error


def _row(output: str, first_cell: str) -> list[str]:
    """The cells of the table row whose first cell is `first_cell`."""
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if cells and cells[0] == first_cell:
            return cells
    raise AssertionError(f"no row {first_cell!r} in:\n{output}")


def _deployment(pool: str) -> Deployment:
    return Deployment(
        flow_name="flujo", name="diario", entrypoint="flujos.py:flujo", work_pool_name=pool
    )


class TestOnEachStore:
    def test_create_list_inspect_pause_resume(self, cli, store, store_env):
        created = cli(
            store_env,
            "work-pool", "create", "principal",
            "--concurrency-limit", "3", "--description", "La cola de todos los días",
        )  # fmt: skip
        assert created.returncode == 0, created.stderr
        assert created.stdout.startswith("Created work pool 'principal' (type process).\n")
        pool = store.client.read_work_pool("principal")
        assert (pool.type, pool.concurrency_limit, pool.is_paused) == ("process", 3, False)
        assert pool.description == "La cola de todos los días"
        store.client.apply_deployment(_deployment("principal"))

        listed, inspected, taken = cli.all(
            store_env,
            ["work-pool", "ls"],
            ["work-pool", "inspect", "principal"],
            ["work-pool", "create", "principal"],
        )
        assert _row(listed.stdout, "principal") == ["principal", "process", "no", "3", "1"]
        out = inspected.stdout
        assert inspected.returncode == 0, inspected.stderr
        assert out.startswith("Work pool 'principal'\n")
        assert str(pool.id) in out
        assert "La cola de todos los días" in out
        assert _row(out, "flujo/diario")[:3] == ["flujo/diario", "flujos.py:flujo", "no"]
        assert one_line_error(taken) == "work pool 'principal' already exists"
        assert "Workers: none" in out

        store.client.worker_heartbeat("principal", "w-ana", "maquina-ana", 4321, [])
        stopped = store.client.worker_heartbeat("principal", "w-viejo", "maquina-ana", 1, [])
        store.client.worker_stopped(stopped.worker_id)
        inspected, workers = cli.all(
            store_env,
            ["work-pool", "inspect", "principal"],
            ["worker", "ls", "--pool", "principal"],
        )
        for shown in (inspected.stdout, workers.stdout):
            assert _row(shown, "w-ana")[:4] == ["w-ana", "principal", "maquina-ana", "4321"]
            assert _row(shown, "w-ana")[-1] == "healthy"
            assert _row(shown, "w-viejo")[-1] == "stopped"

        paused = cli(store_env, "work-pool", "pause", "principal")
        assert paused.stdout == "Paused work pool 'principal'.\n", paused.stderr
        assert store.client.read_work_pool("principal").is_paused
        again, listed = cli.all(store_env, ["work-pool", "pause", "principal"], ["work-pool", "ls"])
        assert again.stdout == "Work pool 'principal' is already paused.\n"
        assert _row(listed.stdout, "principal")[2] == "yes"

        resumed = cli(store_env, "work-pool", "resume", "principal")
        assert resumed.stdout == "Resumed work pool 'principal'.\n", resumed.stderr
        assert not store.client.read_work_pool("principal").is_paused

    def test_a_pool_in_use_is_not_deleted_and_a_free_one_is(self, cli, store, store_env):
        assert cli(store_env, "work-pool", "create", "principal").returncode == 0
        deployment = store.client.apply_deployment(_deployment("principal"))

        in_use = cli(store_env, "work-pool", "delete", "principal", "--yes")
        assert one_line_error(in_use).startswith("work pool 'principal' still has 1 deployment")
        assert store.client.read_work_pool("principal").name == "principal"

        store.client.delete_deployment(deployment.id)
        deleted = cli(store_env, "work-pool", "delete", "principal", "-y")
        assert deleted.stdout == "Deleted work pool 'principal'.\n", deleted.stderr
        with pytest.raises(NotFound):
            store.client.read_work_pool("principal")

        listed, inspected = cli.all(
            store_env, ["work-pool", "ls"], ["work-pool", "inspect", "principal"]
        )
        assert listed.stdout == "No work pools found.\n"
        assert one_line_error(inspected) == "work pool 'principal' does not exist"

    @pytest.mark.parametrize("verb", ["inspect", "pause", "resume", "delete"])
    def test_unknown_pool_is_one_line(self, run_main, store, store_env, verb):
        result = run_main(store_env, "work-pool", verb, "ninguna")
        assert one_line_error(result) == "work pool 'ninguna' does not exist"


class TestCreateOptions:
    def test_unknown_type_is_refused_and_nothing_is_made(self, run_main, env, home):
        result = run_main(env, "work-pool", "create", "principal", "--type", "docker")
        assert one_line_error(result).startswith("work pool type 'docker' is not supported")
        assert run_main(env, "work-pool", "ls").stdout == "No work pools found.\n"

    def test_negative_limit_is_a_usage_error(self, run_main, env):
        result = run_main(env, "work-pool", "create", "principal", "--concurrency-limit", "-1")
        assert result.returncode == 2
        assert "--concurrency-limit" in result.stderr

    def test_no_limit_shows_none(self, run_main, env):
        run_main(env, "work-pool", "create", "principal")
        assert _row(run_main(env, "work-pool", "ls").stdout, "principal")[3] == "none"
