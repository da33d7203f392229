"""Prefect's `Artifact` class: `Artifact(...).create()`, `Artifact.get(key)` and
`Artifact.get_or_create(...)`, in sync and async code, on every store."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from cauce import flow, task
from cauce.artifacts import Artifact
from cauce.context import FlowRunContext, TaskRunContext
from cauce.schemas.artifacts import StoredArtifact
from tests.conftest import Store


class TestCreate:
    def test_created_in_a_flow_it_is_stored_for_the_run_and_returned(self, store: Store) -> None:
        @flow
        def publish() -> tuple[StoredArtifact, uuid.UUID]:
            made = Artifact(
                type="markdown", key="daily-report", data="# Done", description="v1"
            ).create()
            context = FlowRunContext.get()
            assert context is not None
            return made, context.flow_run.id

        made, run_id = publish()
        assert (made.type, made.key, made.data, made.description, made.flow_run_id) == (
            "markdown", "daily-report", "# Done", "v1", run_id,
        )  # fmt: skip
        stored = store.client.read_artifact(made.id)
        assert (stored.type, stored.data, stored.flow_run_id) == ("markdown", "# Done", run_id)

    def test_a_table_is_kept_as_a_table(self, store: Store) -> None:
        made = Artifact(type="table", data=[{"a": 1}, {"a": 2}]).create()
        assert store.client.read_artifact(made.id).data == [{"a": 1}, {"a": 2}]

    def test_in_a_task_it_belongs_to_the_task_run(self, store: Store) -> None:
        @task
        def step() -> tuple[StoredArtifact, uuid.UUID]:
            context = TaskRunContext.get()
            assert context is not None
            return Artifact(type="progress", data=40).create(), context.task_run.id

        @flow
        def outer() -> tuple[StoredArtifact, uuid.UUID]:
            return step()

        made, task_run_id = outer()
        assert store.client.read_artifact(made.id).task_run_id == task_run_id

    def test_a_bad_key_is_refused_when_made_naming_it(self) -> None:
        with pytest.raises(ValueError, match="artifact key 'Not A Key' may hold only"):
            Artifact(type="markdown", key="Not A Key", data="x")

    def test_without_a_type_create_says_so_and_stores_nothing(self, store: Store) -> None:
        with pytest.raises(ValueError, match="give the artifact a type"):
            Artifact(key="untyped", data="x").create()
        assert store.client.read_artifacts() == []


class TestGet:
    def test_get_is_the_newest_version_of_the_key_or_none(self, store: Store) -> None:
        Artifact(type="markdown", key="report", data="v1").create()
        second = Artifact(type="markdown", key="report", data="v2").create()
        Artifact(type="markdown", key="other", data="o").create()
        found = Artifact.get("report")
        assert found is not None and (found.id, found.data) == (second.id, "v2")
        assert Artifact.get("no-such-report") is None

    def test_get_or_create_gets_an_existing_key_and_makes_a_missing_one(self, store: Store) -> None:
        first = Artifact(type="markdown", key="report", data="v1").create()
        found, created = Artifact.get_or_create(key="report", type="markdown", data="other")
        assert (found.id, created) == (first.id, False)
        made, created = Artifact.get_or_create(
            key="weekly", type="markdown", data="w", description="d"
        )
        assert created and (made.key, made.data, made.description) == ("weekly", "w", "d")
        assert len(store.client.read_artifacts()) == 2


class TestAsync:
    def test_in_async_code_each_is_awaited(self, store: Store) -> None:
        @flow
        async def publish() -> list[object]:
            made = await Artifact(type="markdown", key="async-report", data="a").create()
            again = await Artifact(type="markdown", key="async-report", data="b").acreate()
            latest = await Artifact.get("async-report")
            also = await Artifact.aget("async-report")
            _, created = await Artifact.get_or_create(key="async-report", type="markdown")
            _, created_new = await Artifact.aget_or_create(key="new-one", type="markdown", data="n")
            return [
                made.flow_run_id is not None,
                latest.id,
                also.id,
                again.id,
                created,
                created_new,
            ]

        has_run, latest, also, again, created, created_new = asyncio.run(publish())
        assert has_run and latest == also == again
        assert (created, created_new) == (False, True)
