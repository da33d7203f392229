"""/api/flow_runs: create, read, filter, set_state and delete, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from cauce.schemas.api import SetStateRequest, StateModel
from cauce.schemas.flow_runs import FlowRun
from cauce.states import Completed, Pending, Running
from tests.conftest import Store
from tests.server.conftest import create_run, error_fields, flow_run_body

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.embedded_only(
        "the in-process app serves the store's database, which the http store does not use"
    ),
]


def _set_state_body(state_type: str, force: bool = False) -> dict[str, object]:
    state = {"Running": Running(), "Completed": Completed("done"), "Pending": Pending()}
    request = SetStateRequest(state=StateModel.from_domain(state[state_type]), force=force)
    return request.model_dump(mode="json")


class TestCreateFlowRun:
    async def test_created_run_reads_back_with_its_first_state(self, api_client):
        body = flow_run_body()
        response = await api_client.post("/api/flow_runs", json=body)
        assert response.status_code == 201
        read = (await api_client.get(f"/api/flow_runs/{body['id']}")).json()
        assert read == response.json()
        assert read["flow_name"] == "mi-flujo"
        assert read["parameters"] == {"mensaje": "hola", "n": 3}
        assert read["state"]["type"] == "PENDING"
        states = (await api_client.get(f"/api/flow_runs/{body['id']}/states")).json()
        assert [s["id"] for s in states] == [body["state"]["id"]]
        flows = (await api_client.get("/api/flows")).json()
        assert [f["name"] for f in flows] == ["mi-flujo"]

    async def test_same_id_twice_is_409_naming_the_run(self, api_client):
        body = flow_run_body()
        await api_client.post("/api/flow_runs", json=body)
        response = await api_client.post("/api/flow_runs", json=body)
        assert response.status_code == 409
        assert response.json()["detail"] == f"Flow run {body['id']} already exists"

    async def test_missing_and_bad_fields_are_422_naming_each(self, api_client):
        body = flow_run_body()
        del body["flow_name"]
        body["state"]["type"] = "DONE"
        body["state"]["timestamp"] = "2024-05-01T10:00:00"  # no timezone
        body["colour"] = "blue"
        response = await api_client.post("/api/flow_runs", json=body)
        assert sorted(error_fields(response)) == [
            "colour",
            "flow_name",
            "state.timestamp",
            "state.type",
        ]

    async def test_subflow_runs_are_read_under_their_parent(self, api_client):
        parent = await create_run(api_client)
        child = await create_run(api_client, flow_name="hija", parent_flow_run_id=parent["id"])
        response = await api_client.get(f"/api/flow_runs/{parent['id']}/subflow_runs")
        assert [r["id"] for r in response.json()] == [child["id"]]

    async def test_run_recorded_embedded_is_read_over_http_and_back(self, api_client, store: Store):
        embedded = FlowRun(uuid.uuid4(), "local", "calm-otter", Pending())
        store.client.create_flow_run(embedded, None)
        read = (await api_client.get(f"/api/flow_runs/{embedded.id}")).json()
        assert (read["name"], read["flow_name"]) == ("calm-otter", "local")
        over_http = await create_run(api_client)
        assert store.client.read_flow_run(uuid.UUID(over_http["id"])).name == "zippy-skunk"


class TestReadFlowRun:
    async def test_unknown_run_is_404_naming_it(self, api_client):
        run_id = uuid.uuid4()
        response = await api_client.get(f"/api/flow_runs/{run_id}")
        assert response.status_code == 404
        assert response.json()["detail"] == f"Flow run {run_id} not found"

    async def test_malformed_id_is_422_naming_the_path_parameter(self, api_client):
        response = await api_client.get("/api/flow_runs/not-a-uuid")
        assert error_fields(response) == ["flow_run_id"]


class TestFilterFlowRuns:
    async def test_filters_by_state_type_and_flow_newest_first(self, api_client):
        first = await create_run(api_client)
        second = await create_run(api_client)
        await create_run(api_client, flow_name="otro")
        await create_run(api_client, state=Running())
        response = await api_client.post(
            "/api/flow_runs/filter", json={"state_types": ["PENDING"], "flow_name": "mi-flujo"}
        )
        assert [r["id"] for r in response.json()] == [second["id"], first["id"]]
        page = await api_client.post(
            "/api/flow_runs/filter", json={"flow_name": "mi-flujo", "limit": 1, "offset": 1}
        )
        assert [r["id"] for r in page.json()] == [second["id"]]

    async def test_pages_return_each_run_once_in_order_even_when_created_ties(self, api_client):
        base = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
        # Five runs, three of them created in the same microsecond.
        moments = [base, base + timedelta(seconds=1), base, base, base + timedelta(seconds=2)]
        ids = [(await create_run(api_client, created=moment))["id"] for moment in moments]
        newest_first = [ids[4], ids[1], *sorted([ids[0], ids[2], ids[3]], reverse=True)]

        async def page(offset: int, sort: str = "CREATED_DESC") -> list[str]:
            body = {"limit": 2, "offset": offset, "sort": sort}
            response = await api_client.post("/api/flow_runs/filter", json=body)
            return [r["id"] for r in response.json()]

        assert await page(0) == newest_first[0:2]
        assert await page(2) == newest_first[2:4]
        assert await page(4) == newest_first[4:]
        assert await page(6) == []
        oldest_first = [*(await page(0, "CREATED_ASC")), *(await page(2, "CREATED_ASC"))]
        assert oldest_first + await page(4, "CREATED_ASC") == newest_first[::-1]

    async def test_limit_out_of_range_and_unknown_state_type_are_422(self, api_client):
        response = await api_client.post(
            "/api/flow_runs/filter", json={"limit": 0, "offset": -1, "state_types": ["LATE"]}
        )
        assert sorted(error_fields(response)) == ["limit", "offset", "state_types.0"]


class TestSetFlowRunState:
    async def test_accepted_states_become_current_and_history(self, api_client):
        run = await create_run(api_client)
        for name in ("Running", "Completed"):
            response = await api_client.post(
                f"/api/flow_runs/{run['id']}/set_state", json=_set_state_body(name)
            )
            assert response.status_code == 200
            assert response.json()["status"] == "ACCEPT"
        read = (await api_client.get(f"/api/flow_runs/{run['id']}")).json()
        assert (read["state"]["type"], read["run_count"]) == ("COMPLETED", 1)
        assert read["end_time"] is not None
        states = (await api_client.get(f"/api/flow_runs/{run['id']}/states")).json()
        assert [s["name"] for s in states] == ["Pending", "Running", "Completed"]

    async def test_a_terminal_state_stays_final_unless_forced(self, api_client):
        run = await create_run(api_client, state=Completed())
        url = f"/api/flow_runs/{run['id']}/set_state"
        rejected = (await api_client.post(url, json=_set_state_body("Running"))).json()
        assert rejected["status"] == "REJECT"
        assert rejected["state"]["type"] == "COMPLETED"
        assert "already finished" in rejected["reason"]
        forced = (await api_client.post(url, json=_set_state_body("Running", force=True))).json()
        assert forced["status"] == "ACCEPT"

    async def test_unknown_run_is_404(self, api_client):
        run_id = uuid.uuid4()
        response = await api_client.post(
            f"/api/flow_runs/{run_id}/set_state", json=_set_state_body("Running")
        )
        assert response.status_code == 404
        assert str(run_id) in response.json()["detail"]

    async def test_missing_state_is_422_naming_it(self, api_client):
        run = await create_run(api_client)
        response = await api_client.post(f"/api/flow_runs/{run['id']}/set_state", json={})
        assert error_fields(response) == ["state"]


class TestText:
    async def test_a_lone_surrogate_in_a_filter_is_422_not_a_server_error(self, api_client):
        response = await api_client.post(
            "/api/flow_runs/filter",
            content=b'{"name_like": "\\ud8e2"}',
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 422
        assert "lone surrogate" in response.json()["detail"]


class TestUpdateFlowRun:
    async def test_patch_renames_and_retags_keeping_what_is_left_out(self, api_client):
        run = await create_run(api_client)
        renamed = await api_client.patch(f"/api/flow_runs/{run['id']}", json={"name": "nueva"})
        assert renamed.status_code == 200
        assert (renamed.json()["name"], renamed.json()["tags"]) == ("nueva", run["tags"])
        tagged = await api_client.patch(
            f"/api/flow_runs/{run['id']}", json={"tags": ["z", "a", "z"]}
        )
        assert (tagged.json()["name"], tagged.json()["tags"]) == ("nueva", ["a", "z"])
        read = (await api_client.get(f"/api/flow_runs/{run['id']}")).json()
        assert (read["name"], read["tags"]) == ("nueva", ["a", "z"])

    async def test_an_empty_name_or_tag_is_422_and_an_unknown_run_404(self, api_client):
        run = await create_run(api_client)
        empty = await api_client.patch(f"/api/flow_runs/{run['id']}", json={"name": ""})
        assert error_fields(empty) == ["name"]
        blank = await api_client.patch(f"/api/flow_runs/{run['id']}", json={"tags": ["ok", ""]})
        assert error_fields(blank) == ["tags.1"]
        missing = await api_client.patch(f"/api/flow_runs/{uuid.uuid4()}", json={"name": "x"})
        assert missing.status_code == 404


class TestDeleteFlowRun:
    async def test_delete_removes_the_run_with_states_task_runs_and_logs(self, api_client):
        from tests.server.test_batches_and_logs import batch_body

        run = await create_run(api_client)
        body, task_run_id = batch_body(uuid.UUID(run["id"]), lines=3)
        assert (await api_client.post("/api/batches", json=body)).status_code == 204
        assert (await api_client.delete(f"/api/flow_runs/{run['id']}")).status_code == 204
        assert (await api_client.get(f"/api/flow_runs/{run['id']}")).status_code == 404
        for path in (
            f"/api/flow_runs/{run['id']}/states",
            f"/api/flow_runs/{run['id']}/task_runs",
            f"/api/flow_runs/{run['id']}/logs",
            f"/api/task_runs/{task_run_id}/states",
        ):
            assert (await api_client.get(path)).json() == [], path

    async def test_unknown_run_is_404(self, api_client):
        response = await api_client.delete(f"/api/flow_runs/{uuid.uuid4()}")
        assert response.status_code == 404
        assert "not found" in response.json()["detail"]
