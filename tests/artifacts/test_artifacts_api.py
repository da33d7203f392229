"""`cauce.artifacts` as Prefect 3 code uses it, in flows and tasks, on every store
(SQLite, PostgreSQL, and a server over HTTP on either): what is stored is what a user
then sees (its type, key, data, and the run it belongs to)."""

from __future__ import annotations

import asyncio
import textwrap
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cauce import flow, task
from cauce.artifacts import (
    acreate_markdown_artifact,
    acreate_progress_artifact,
    aupdate_progress_artifact,
    create_image_artifact,
    create_link_artifact,
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from cauce.client.base import ClientError
from cauce.client.factory import get_client
from cauce.context import FlowRunContext, TaskRunContext
from cauce.schemas.artifacts import ArtifactFilter, StoredArtifact
from cauce.states import now_utc
from tests.conftest import Store, run_script

NAN = float("nan")


def seen(store: Store) -> list[tuple[Any, ...]]:
    """Every artifact as a user sees it, oldest first: kind, key, data, run and task run."""
    found = store.client.read_artifacts()
    return [(a.type, a.key, a.data, a.flow_run_id, a.task_run_id) for a in reversed(found)]


class TestEveryKindInAFlow:
    def test_each_kind_is_stored_for_the_flow_run(self, store: Store) -> None:
        @flow
        def informe() -> tuple[uuid.UUID, list[uuid.UUID]]:
            context = FlowRunContext.get()
            assert context is not None
            return context.flow_run.id, [
                create_markdown_artifact("# Total\n**3** filas", key="resumen", description="d"),
                create_table_artifact([{"a": 1, "b": NAN}, {"a": 2, "b": "x"}], key="filas"),
                create_table_artifact({"col": [1, 2]}),
                create_table_artifact([[1, 2], [3, 4]]),
                create_link_artifact("https://example.com/r", link_text="el informe"),
                create_link_artifact("https://example.com/s"),
                create_progress_artifact(12.5, key="avance"),
                create_image_artifact("https://example.com/g.png", key="grafico"),
            ]

        run_id, ids = informe()
        assert all(isinstance(i, uuid.UUID) for i in ids)
        assert seen(store) == [
            ("markdown", "resumen", "# Total\n**3** filas", run_id, None),
            ("table", "filas", [{"a": 1, "b": None}, {"a": 2, "b": "x"}], run_id, None),
            ("table", None, {"col": [1, 2]}, run_id, None),
            ("table", None, [[1, 2], [3, 4]], run_id, None),
            ("link", None, {"link": "https://example.com/r", "link_text": "el informe"}, run_id,
             None),
            ("link", None, {"link": "https://example.com/s", "link_text": None}, run_id, None),
            ("progress", "avance", 12.5, run_id, None),
            ("image", "grafico", "https://example.com/g.png", run_id, None),
        ]  # fmt: skip
        assert store.client.read_artifact(ids[0]).description == "d"


class TestOwnership:
    def test_an_artifact_made_in_a_task_belongs_to_the_task_and_its_flow(
        self, store: Store
    ) -> None:
        @task
        def paso() -> tuple[uuid.UUID, uuid.UUID]:
            context = TaskRunContext.get()
            assert context is not None
            create_markdown_artifact("desde la tarea", key="tarea")
            return context.task_run.id, context.task_run.flow_run_id or uuid.uuid4()

        @flow
        def con_tarea() -> tuple[uuid.UUID, uuid.UUID]:
            return paso.submit().result()

        task_run_id, flow_run_id = con_tarea()
        assert seen(store) == [("markdown", "tarea", "desde la tarea", flow_run_id, task_run_id)]

    def test_an_artifact_made_outside_a_run_belongs_to_none(self, store: Store) -> None:
        create_progress_artifact(0, key="suelto")
        assert seen(store) == [("progress", "suelto", 0, None, None)]

    def test_a_subflows_artifact_belongs_to_the_subflow(self, store: Store) -> None:
        @flow
        def hija() -> uuid.UUID:
            create_markdown_artifact("hija")
            context = FlowRunContext.get()
            assert context is not None
            return context.flow_run.id

        @flow
        def madre() -> uuid.UUID:
            return hija()

        child_id = madre()
        assert seen(store) == [("markdown", None, "hija", child_id, None)]


class TestKeys:
    @pytest.mark.parametrize("key", ["Mayus", "con_guion_bajo", "con espacio", "", "a" * 256])
    def test_a_bad_key_is_refused_naming_it(self, store: Store, key: str) -> None:
        with pytest.raises(ClientError, match=r"artifact key '"):
            create_markdown_artifact("x", key=key)
        assert seen(store) == []

    def test_a_key_used_again_makes_a_new_version(self, store: Store) -> None:
        @flow
        def dos_veces() -> None:
            create_markdown_artifact("v1", key="informe-diario")
            create_markdown_artifact("v2", key="informe-diario")

        dos_veces()
        dos_veces()
        versions = store.client.read_artifacts(ArtifactFilter(keys=["informe-diario"]))
        assert [a.data for a in versions] == ["v2", "v1", "v2", "v1"]
        assert len({a.flow_run_id for a in versions}) == 2
        latest = store.client.read_latest_artifacts()
        assert [(a.key, a.id) for a in latest] == [("informe-diario", versions[0].id)]
        assert store.client.read_latest_artifact("informe-diario").id == versions[0].id

    def test_a_version_made_in_the_same_clock_tick_is_still_the_latest(self, store: Store) -> None:
        tick = now_utc()
        for data in ("v1", "v2", "v3"):
            artifact = StoredArtifact("markdown", data, "misma-hora", created=tick, updated=tick)
            store.client.create_artifact(artifact)
        assert store.client.read_latest_artifact("misma-hora").data == "v3"
        assert [a.data for a in store.client.read_latest_artifacts()] == ["v3"]
        versions = store.client.read_artifacts(ArtifactFilter(keys=["misma-hora"]))
        assert [a.data for a in versions] == ["v3", "v2", "v1"]

    def test_the_latest_of_each_key_is_the_newest_version_the_filter_keeps(
        self, store: Store
    ) -> None:
        """For each filter, the latest list is what a user finds by listing every matching
        version newest first and keeping the first of each key; versions share clock ticks."""
        tick, tasks = now_utc(), [uuid.uuid4(), uuid.uuid4()]
        made = []
        for n in range(24):
            created = tick + timedelta(seconds=n // 4)
            made.append(
                store.client.create_artifact(
                    StoredArtifact(
                        ("markdown", "image")[n // 2 % 2],
                        f"https://x/{n}.png",
                        None if n % 7 == 6 else f"clave-{n % 3}",
                        task_run_id=tasks[n % 2],
                        created=created,
                        updated=created,
                    )
                )
            )
        overall = {a.key: a.id for a in store.client.read_latest_artifacts()}
        differs = 0
        for where in [
            ArtifactFilter(),
            ArtifactFilter(types=["image"]),
            ArtifactFilter(task_run_ids=[tasks[0]]),
            ArtifactFilter(types=["markdown"], task_run_ids=[tasks[1]]),
            ArtifactFilter(key_like="CLAVE-1"),
            ArtifactFilter(ids=[a.id for a in made[::3]]),
            ArtifactFilter(keys=["clave-2"], types=["image"]),
            ArtifactFilter(has_key=False),
        ]:
            first_of_each_key: dict[str | None, uuid.UUID] = {}
            for version in store.client.read_artifacts(where):
                if version.key is not None:
                    first_of_each_key.setdefault(version.key, version.id)
            latest = store.client.read_latest_artifacts(where)
            assert [(a.key, a.id) for a in latest] == list(first_of_each_key.items()), where
            differs += sum(overall[key] != id_ for key, id_ in first_of_each_key.items())
        assert differs > 0  # some key's newest version was left out by a filter


class TestProgress:
    def test_progress_is_updated_in_place(self, store: Store) -> None:
        @flow
        def avanza() -> uuid.UUID:
            artifact_id = create_progress_artifact(0.0, key="carga", description="empieza")
            for done in (25, 50.5, 100):
                assert update_progress_artifact(artifact_id, done) == artifact_id
            update_progress_artifact(artifact_id, 100, description="terminado")
            return artifact_id  # type: ignore[no-any-return]

        artifact_id = avanza()
        artifact = store.client.read_artifact(artifact_id)
        assert (artifact.data, artifact.description) == (100, "terminado")
        assert len(store.client.read_artifacts()) == 1

    def test_a_progress_that_is_not_a_number_is_refused(self, store: Store) -> None:
        artifact_id = create_progress_artifact(10)
        with pytest.raises(ClientError, match=r"must be a number, not 'mucho'"):
            update_progress_artifact(artifact_id, "mucho")  # type: ignore[arg-type]
        assert store.client.read_artifact(artifact_id).data == 10


class TestAsync:
    def test_in_async_code_each_is_awaited(self, store: Store) -> None:
        @flow
        async def asincrono() -> list[uuid.UUID]:
            first = await create_markdown_artifact("a", key="asinc")
            second = await acreate_markdown_artifact("b", key="asinc")
            progress = await acreate_progress_artifact(1)
            await update_progress_artifact(progress, 60)
            await aupdate_progress_artifact(progress, 70, description="casi")
            return [first, second, progress]

        first, second, progress = asyncio.run(asincrono())
        context_free = [(a.type, a.key, a.data) for a in reversed(store.client.read_artifacts())]
        assert context_free == [("markdown", "asinc", "a"), ("markdown", "asinc", "b"),
                                ("progress", None, 70)]  # fmt: skip
        assert {a.flow_run_id for a in store.client.read_artifacts()} != {None}
        assert store.client.read_artifact(progress).description == "casi"
        assert isinstance(first, uuid.UUID) and isinstance(second, uuid.UUID)

    def test_a_sync_flow_and_task_called_where_a_loop_runs_get_ids(self, store: Store) -> None:
        # As Prefect decides it: inside a run, whether that flow's or task's function is async.
        @task
        def tarea_sincrona() -> uuid.UUID:
            return create_progress_artifact(5)  # type: ignore[no-any-return]

        @flow
        def sincrono() -> list[uuid.UUID]:
            return [create_markdown_artifact("sync"), tarea_sincrona()]

        @task
        async def tarea_asincrona() -> uuid.UUID:
            return await create_markdown_artifact("desde tarea async")  # type: ignore[no-any-return]

        @flow
        async def asincrono() -> uuid.UUID:
            return await tarea_asincrona()

        async def main() -> tuple[list[uuid.UUID], uuid.UUID, uuid.UUID]:
            outside = await create_markdown_artifact("fuera de toda corrida")
            return sincrono(), await asincrono(), outside

        ids, from_async_task, outside = asyncio.run(main())
        assert all(isinstance(i, uuid.UUID) for i in [*ids, from_async_task, outside])
        assert store.client.read_artifact(outside).flow_run_id is None
        assert store.client.read_artifact(from_async_task).task_run_id is not None
        assert len(store.client.read_artifacts()) == 4


def test_a_flow_making_artifacts_on_sqlite_imports_no_sqlalchemy(
    cauce_home: Path, tmp_path: Path
) -> None:
    script = tmp_path / "avance.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys

            from cauce import flow
            from cauce.artifacts import create_progress_artifact, update_progress_artifact


            @flow
            def avance():
                artifact_id = create_progress_artifact(0, key="avance")
                update_progress_artifact(artifact_id, 100, description="listo")
                return "sqlalchemy" in sys.modules


            if __name__ == "__main__":
                print(avance())
            """
        )
    )
    result = run_script(script, {"CAUCE_HOME": str(cauce_home)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "False"
    [artifact] = get_client().read_artifacts()
    assert (artifact.key, artifact.data, artifact.description) == ("avance", 100, "listo")
