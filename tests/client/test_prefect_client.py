"""`get_client()` as Prefect users script against it: read flow runs with Prefect's
filters, retag and rename a run, set a state, run a deployment; sync and async."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from cauce import Cancelling, flow, get_client
from cauce.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterName,
    FlowFilter,
    FlowFilterName,
    FlowRunFilter,
    FlowRunFilterId,
    FlowRunFilterName,
    FlowRunFilterState,
    FlowRunFilterStateName,
    FlowRunFilterStateType,
    FlowRunFilterTags,
)
from cauce.client.schemas.objects import StateType
from cauce.client.schemas.responses import SetStateStatus
from cauce.client.schemas.sorting import FlowRunSort
from cauce.exceptions import ObjectNotFound
from cauce.schemas.deployments import Deployment, DeploymentSchedule, WorkPool
from cauce.states import Running, Scheduled, now_utc
from tests.conftest import Store


@flow
def cuenta(n: int) -> int:
    if n < 0:
        raise ValueError("negativo")
    return n


@flow
def otra() -> None:
    pass


def _history() -> None:
    for n in (1, 2, -1):
        cuenta.with_options(tags=["etl", f"n{n}"])(n, return_state=True)
    otra()


class TestReadFlowRuns:
    def test_prefects_nested_filters_choose_the_runs(self, store: Store) -> None:
        _history()
        store.flush()
        with get_client(sync_client=True) as client:
            failed = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.FAILED]))
                )
            )
            assert [(r.flow_name, r.parameters) for r in failed] == [("cuenta", {"n": -1})]
            assert failed[0].state_type is StateType.FAILED and failed[0].state_name == "Failed"
            tagged = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=["etl", "n2"]))
            )
            assert [r.parameters for r in tagged] == [{"n": 2}]
            of_flow = client.read_flow_runs(
                flow_filter=FlowFilter(name=FlowFilterName(any_=["cuenta"])),
                flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(name=FlowRunFilterStateName(any_=["Completed"]))
                ),
                sort=FlowRunSort.CREATED_DESC,
                limit=1,
            )
            assert [r.parameters for r in of_flow] == [{"n": 2}], "newest first, one"

    def test_by_id_and_by_name(self, store: Store) -> None:
        _history()
        store.flush()
        client = get_client(sync_client=True)
        everything = client.read_flow_runs()
        assert len(everything) == 4
        some = everything[0]
        by_id = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[some.id, uuid.uuid4()]))
        )
        assert [r.id for r in by_id] == [some.id]
        like = some.name[1:-1].upper()
        by_name = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(name=FlowRunFilterName(like_=like))
        )
        assert some.id in [r.id for r in by_name]

    def test_a_filter_cauce_does_not_keep_is_named(self, store: Store) -> None:
        with pytest.raises(TypeError, match="does not filter by work_queue_filter"):
            get_client(sync_client=True).read_flow_runs(work_queue_filter=object())
        with pytest.raises(ValueError, match="not END_TIME_DESC"):
            get_client(sync_client=True).read_flow_runs(sort="END_TIME_DESC")


class TestChangingRuns:
    def test_retag_rename_and_set_a_state_async(self, store: Store) -> None:
        otra()
        store.flush()
        (run,) = get_client(sync_client=True).read_flow_runs()

        async def script() -> None:
            async with get_client() as client:
                await client.update_flow_run(run.id, tags=["revisado", "b"], name="renombrada")
                forced = await client.set_flow_run_state(run.id, Running(), force=True)
                assert forced.status is SetStateStatus.ACCEPT
                cancelling = await client.set_flow_run_state(run.id, Cancelling())
                assert cancelling.status is SetStateStatus.ACCEPT
                again = await client.read_flow_run(run.id)
                assert (again.name, again.tags) == ("renombrada", ["b", "revisado"])
                assert again.state.type is StateType.CANCELLING
                await client.delete_flow_run(run.id)
                with pytest.raises(ObjectNotFound):
                    await client.read_flow_run(run.id)

        asyncio.run(script())

    def test_what_cauce_does_not_keep_is_refused_by_name(self, store: Store) -> None:
        otra()
        store.flush()
        client = get_client(sync_client=True)
        (run,) = client.read_flow_runs()
        with pytest.raises(TypeError, match="not flow_version"):
            client.update_flow_run(run.id, flow_version="2")


class TestDeployments:
    def test_a_deployments_run_by_name_with_parameters_and_a_time(self, store: Store) -> None:
        store.client.create_work_pool(WorkPool("local"))
        store.client.apply_deployment(
            Deployment(
                flow_name="cuenta", name="diaria", entrypoint="x.py:cuenta", work_pool_name="local"
            )
        )
        when = now_utc().replace(microsecond=0)
        with get_client(sync_client=True) as client:
            deployment = client.read_deployment_by_name("cuenta/diaria")
            made = client.create_flow_run_from_deployment(
                deployment.id,
                parameters={"n": 5},
                state=Scheduled(scheduled_time=when),
                name="a-mano",
                tags=["manual"],
            )
            assert (made.name, made.parameters, made.deployment_id) == (
                "a-mano",
                {"n": 5},
                deployment.id,
            )
            assert made.state.type is StateType.SCHEDULED
            assert "manual" in made.tags
            chosen = client.read_deployments(
                deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=["diaria"]))
            )
            assert [d.id for d in chosen] == [deployment.id]
            runs = client.read_flow_runs(
                deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=["diaria"]))
            )
            assert [r.id for r in runs] == [made.id]

    def test_pause_resume_and_delete_a_deployment(self, store: Store) -> None:
        store.client.create_work_pool(WorkPool("local"))
        made = store.client.apply_deployment(
            Deployment(
                flow_name="cuenta",
                name="horaria",
                entrypoint="x.py:cuenta",
                work_pool_name="local",
                schedules=[DeploymentSchedule(timezone="UTC", cron="0 * * * *")],
            )
        )
        client = get_client(sync_client=True)
        scheduled = FlowRunFilter(
            state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))
        )
        assert client.read_flow_runs(flow_run_filter=scheduled), "its schedule made runs"
        client.pause_deployment(str(made.id))
        assert client.read_deployment(made.id).is_paused
        assert client.read_flow_runs(flow_run_filter=scheduled) == []
        client.resume_deployment(made.id)
        assert not client.read_deployment(made.id).is_paused
        assert client.read_flow_runs(flow_run_filter=scheduled), "made again"
        with pytest.raises(ValueError, match="Invalid deployment ID: horaria"):
            client.pause_deployment("horaria")

        async def script() -> None:
            async with get_client() as client:
                await client.pause_deployment(made.id)
                assert (await client.read_deployment(made.id)).is_paused
                await client.delete_deployment(made.id)
                with pytest.raises(ObjectNotFound):
                    await client.read_deployment(made.id)
                with pytest.raises(ObjectNotFound):
                    await client.delete_deployment(made.id)
                with pytest.raises(ObjectNotFound):
                    await client.resume_deployment(made.id)

        asyncio.run(script())
