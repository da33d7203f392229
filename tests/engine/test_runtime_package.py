"""`cauce.runtime` as Prefect users import it (a package of modules read by attribute),
its run-tree and URL attributes, the deployment a run came from, and get_run_context."""

from __future__ import annotations

import importlib
import uuid
from datetime import timedelta
from typing import Any

import pytest

from cauce import flow, tags, task
from cauce.context import FlowRunContext, TaskRunContext, get_run_context
from cauce.exceptions import MissingContextError
from cauce.schemas.deployments import Deployment, WorkPool
from cauce.settings import get_settings
from cauce.states import now_utc
from tests.conftest import Store
from tests.engine.records import only_run_of


class TestImports:
    def test_each_module_imports_as_prefect_users_write_it(self) -> None:
        for name in ("flow_run", "task_run", "deployment"):
            module = importlib.import_module(f"cauce.runtime.{name}")
            assert getattr(importlib.import_module("cauce.runtime"), name) is module

    def test_an_unknown_attribute_is_named(self) -> None:
        from cauce.runtime import flow_run

        with pytest.raises(AttributeError, match="cauce.runtime.flow_run has no attribute 'nope'"):
            flow_run.nope  # noqa: B018

    def test_outside_a_run_nothing_is_known_and_the_schedule_is_now(self) -> None:
        from cauce.runtime import deployment, flow_run, task_run

        assert (flow_run.id, flow_run.name, flow_run.parent_flow_run_id) == (None, None, None)
        assert (flow_run.parameters, flow_run.tags, flow_run.run_count) == ({}, [], 0)
        assert (flow_run.ui_url, task_run.id, task_run.ui_url) == (None, None, None)
        assert (deployment.id, deployment.name, deployment.parameters) == (None, None, {})
        assert abs(flow_run.scheduled_start_time - now_utc()) < timedelta(seconds=5)


@flow
def nieta() -> dict[str, Any]:
    from cauce.runtime import flow_run

    return {
        "id": flow_run.id,
        "parent": flow_run.parent_flow_run_id,
        "root": flow_run.root_flow_run_id,
    }


@flow
def hija() -> dict[str, Any]:
    from cauce.runtime import flow_run

    return {"id": flow_run.id, "parent": flow_run.parent_flow_run_id, "nieta": nieta()}


@flow
def abuela() -> dict[str, Any]:
    from cauce.runtime import flow_run

    return {"id": flow_run.id, "parent": flow_run.parent_flow_run_id, "hija": hija()}


class TestRunTree:
    def test_subflows_know_their_parent_and_root(self, store: Store) -> None:
        seen = abuela()
        top, middle, bottom = seen, seen["hija"], seen["hija"]["nieta"]
        assert top["parent"] is None
        assert middle["parent"] == top["id"]
        assert bottom["parent"] == middle["id"] and bottom["root"] == top["id"]
        assert top["id"] == only_run_of(store, "abuela").flow_run.id


class TestUrlsAndTimes:
    def test_the_ui_url_is_the_runs_page_on_the_server_that_shows_it(self, store: Store) -> None:
        @task
        def tarea() -> tuple[str | None, list[str]]:
            from cauce.runtime import task_run

            return task_run.ui_url, task_run.tags

        @flow
        def enlaza() -> dict[str, Any]:
            from cauce.runtime import flow_run

            with tags("etl"):
                in_task = tarea()
            return {
                "ui": flow_run.ui_url,
                "api": flow_run.api_url,
                "task": in_task,
                "scheduled": flow_run.scheduled_start_time,
            }

        seen = enlaza()
        run = only_run_of(store, "enlaza").flow_run
        settings = get_settings()
        if store.over_http:
            root = store.url.removesuffix("/api")
            assert seen["api"] == f"{store.url}/flow_runs/{run.id}"
        else:
            root = f"http://127.0.0.1:{settings.server.port}"
            assert seen["api"] is None
        assert seen["ui"] == f"{root}/flow-runs/{run.id}"
        assert seen["task"] == (f"{root}/flow-runs/{run.id}", ["etl"])
        assert seen["scheduled"] == run.created


class TestDeployment:
    def test_a_run_made_from_a_deployment_reads_it(self, store: Store) -> None:
        from cauce.engine.flow_run import run_existing_flow_run
        from cauce.runtime import deployment

        @flow
        def desplegado(n: int = 1) -> dict[str, Any]:
            return {
                "id": deployment.id,
                "name": deployment.name,
                "version": deployment.version,
                "parameters": deployment.parameters,
                "flow_run_id": deployment.flow_run_id,
            }

        store.client.create_work_pool(WorkPool("local"))
        made = store.client.apply_deployment(
            Deployment(
                flow_name="desplegado",
                name="diaria",
                entrypoint="x.py:desplegado",
                work_pool_name="local",
                parameters={"n": 3},
                version="7",
            )
        )
        run = store.client.create_flow_run_from_deployment(made.id, {"n": 5})
        state = run_existing_flow_run(desplegado, run)
        assert state.is_completed()
        assert state.result() == {
            "id": made.id,
            "name": "diaria",
            "version": "7",
            "parameters": {"n": 3},
            "flow_run_id": run.id,
        }


class TestGetRunContext:
    def test_the_innermost_run_in_a_flow_and_in_a_task(self, store: Store) -> None:
        @task
        def en_tarea() -> tuple[str, str]:
            context = get_run_context()
            assert isinstance(context, TaskRunContext)
            assert TaskRunContext.get() is context
            return context.task_run.name, context.task.name

        @flow
        def en_flujo() -> tuple[uuid.UUID, str, tuple[str, str]]:
            context = get_run_context()
            assert isinstance(context, FlowRunContext)
            assert FlowRunContext.get() is context
            return context.flow_run.id, context.flow.name, en_tarea()

        run_id, flow_name, in_task = en_flujo()
        assert run_id == only_run_of(store, "en-flujo").flow_run.id
        assert flow_name == "en-flujo"
        assert in_task == ("en_tarea-0", "en_tarea")

    def test_outside_a_run_it_says_so(self) -> None:
        with pytest.raises(MissingContextError, match="No run context available"):
            get_run_context()
        assert FlowRunContext.get() is None and TaskRunContext.get() is None
