"""/api/work_pools and /api/deployments: each route's answer and its 404, 409 and 422,
on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.server.conftest import error_fields

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.embedded_only(
        "the in-process app serves the store's database, which the http store does not use"
    ),
]

SCHEMA = {
    "type": "object",
    "properties": {
        "mensaje": {"type": "string", "default": "hola"},
        "veces": {"type": "integer", "default": 1},
    },
    "required": [],
}
DAILY_9 = {"cron": "0 9 * * *", "timezone": "America/Argentina/Buenos_Aires"}


async def create_pool(client: httpx.AsyncClient, name: str = "local", **fields: Any) -> Any:
    response = await client.post("/api/work_pools", json={"name": name, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def deployment_body(**fields: Any) -> dict[str, Any]:
    """The JSON `cauce deploy` would apply: flow `saludar`, deployment `diaria`."""
    return {
        "flow_name": "saludar",
        "name": "diaria",
        "entrypoint": "flows/saludo.py:saludar",
        "work_pool_name": "local",
        "parameters": {"mensaje": "hola"},
        "parameter_schema": SCHEMA,
        "schedules": [DAILY_9],
        "tags": ["etl"],
        **fields,
    }


async def apply(client: httpx.AsyncClient, **fields: Any) -> Any:
    response = await client.post("/api/deployments", json=deployment_body(**fields))
    assert response.status_code == 200, response.text
    return response.json()


async def deployed(client: httpx.AsyncClient, **fields: Any) -> Any:
    """A pool `local` and a deployment in it."""
    await create_pool(client)
    return await apply(client, **fields)


async def scheduled_runs(client: httpx.AsyncClient, deployment_id: str) -> list[Any]:
    body = {"deployment_id": deployment_id, "limit": 1000}
    runs = (await client.post("/api/flow_runs/filter", json=body)).json()
    return sorted(runs, key=lambda r: r["expected_start_time"])


def detail(response: httpx.Response, status_code: int) -> str:
    assert response.status_code == status_code, response.text
    text: str = response.json()["detail"]
    return text


class TestWorkPools:
    async def test_created_pool_reads_back_alone_and_in_the_list(self, api_client):
        created = await create_pool(api_client, description="la de casa", concurrency_limit=2)
        assert (created["name"], created["type"], created["is_paused"]) == (
            "local",
            "process",
            False,
        )
        assert created["concurrency_limit"] == 2
        assert (await api_client.get("/api/work_pools/local")).json() == created
        await create_pool(api_client, "aaa")
        names = [p["name"] for p in (await api_client.get("/api/work_pools")).json()]
        assert names == ["aaa", "local"]

    async def test_a_name_with_a_slash_is_one_path_segment(self, api_client):
        created = await create_pool(api_client, "equipo/datos")
        assert (await api_client.get("/api/work_pools/equipo%2Fdatos")).json() == created

    async def test_taken_name_is_409(self, api_client):
        await create_pool(api_client)
        response = await api_client.post("/api/work_pools", json={"name": "local"})
        assert detail(response, 409) == "work pool 'local' already exists"

    async def test_unsupported_type_is_422_naming_it(self, api_client):
        response = await api_client.post("/api/work_pools", json={"name": "k", "type": "k8s"})
        assert detail(response, 422) == (
            "work pool type 'k8s' is not supported (supported: process)"
        )

    async def test_out_of_range_or_mistyped_fields_are_422_naming_each(self, api_client):
        body = {"name": "", "concurrency_limit": -1, "is_paused": 0, "color": "azul"}
        response = await api_client.post("/api/work_pools", json=body)
        assert sorted(error_fields(response)) == [
            "color",
            "concurrency_limit",
            "is_paused",
            "name",
        ]
        body = {"name": "x" * 256, "concurrency_limit": 2**31}
        response = await api_client.post("/api/work_pools", json=body)
        assert sorted(error_fields(response)) == ["concurrency_limit", "name"]

    async def test_unknown_pool_is_404_naming_it(self, api_client):
        for method in ("GET", "DELETE"):
            response = await api_client.request(method, "/api/work_pools/nada")
            assert detail(response, 404) == "work pool 'nada' does not exist"
        response = await api_client.patch("/api/work_pools/nada", json={"is_paused": True})
        assert detail(response, 404) == "work pool 'nada' does not exist"

    async def test_a_name_postgresql_cannot_hold_is_not_a_server_error(self, api_client, store):
        # PostgreSQL cannot compare text with a NUL in it: 422 there, as it cannot store it.
        expected = 422 if store.kind == "postgres" else 404
        for method in ("GET", "PATCH", "DELETE"):
            body = {} if method == "PATCH" else None
            response = await api_client.request(method, "/api/work_pools/a%00b", json=body)
            assert response.status_code == expected, (method, response.text)
        response = await api_client.get("/api/deployments/name/a%00b/c")
        assert response.status_code == expected, response.text

    async def test_patch_pauses_sets_and_clears_the_limit(self, api_client):
        await create_pool(api_client)
        url = "/api/work_pools/local"
        paused = await api_client.patch(url, json={"is_paused": True, "concurrency_limit": 3})
        assert (paused.json()["is_paused"], paused.json()["concurrency_limit"]) == (True, 3)
        described = (await api_client.patch(url, json={"description": "nueva"})).json()
        assert (described["description"], described["concurrency_limit"]) == ("nueva", 3)
        cleared = (await api_client.patch(url, json={"clear_concurrency_limit": True})).json()
        assert (cleared["is_paused"], cleared["concurrency_limit"]) == (True, None)
        assert (await api_client.get(url)).json() == cleared
        response = await api_client.patch(url, json={"concurrency_limit": -1})
        assert error_fields(response) == ["concurrency_limit"]

    async def test_delete_is_204_then_the_pool_is_gone(self, api_client):
        await create_pool(api_client)
        assert (await api_client.delete("/api/work_pools/local")).status_code == 204
        assert (await api_client.get("/api/work_pools/local")).status_code == 404

    async def test_deleting_a_pool_in_use_is_422_and_keeps_it(self, api_client):
        await deployed(api_client)
        response = await api_client.delete("/api/work_pools/local")
        assert detail(response, 422) == (
            "work pool 'local' still has 1 deployment(s); "
            "delete them or move them to another pool first"
        )
        assert (await api_client.get("/api/work_pools/local")).status_code == 200


class TestApplyDeployment:
    async def test_new_deployment_reads_back_by_id_by_name_and_in_the_list(self, api_client):
        created = await deployed(api_client)
        assert (created["flow_name"], created["name"]) == ("saludar", "diaria")
        assert (created["work_pool_name"], created["source"]) == ("local", ".")
        assert created["parameters"] == {"mensaje": "hola"}
        [schedule] = created["schedules"]
        assert (schedule["cron"], schedule["timezone"], schedule["is_active"]) == (
            "0 9 * * *",
            "America/Argentina/Buenos_Aires",
            True,
        )
        by_id = await api_client.get(f"/api/deployments/{created['id']}")
        assert by_id.json() == created
        by_name = await api_client.get("/api/deployments/name/saludar/diaria")
        assert by_name.json() == created
        assert (await api_client.get("/api/deployments")).json() == [created]

    async def test_applying_again_updates_in_place_and_replaces_schedules(self, api_client):
        first = await deployed(api_client)
        hourly = {"interval_seconds": 3600, "timezone": "UTC"}
        second = await apply(api_client, description="otra", schedules=[hourly])
        assert (second["id"], second["created"]) == (first["id"], first["created"])
        assert second["updated"] > first["updated"]
        assert second["description"] == "otra"
        assert [s["interval_seconds"] for s in second["schedules"]] == [3600]
        assert len((await api_client.get("/api/deployments")).json()) == 1

    async def test_cron_runs_are_scheduled_at_once_at_the_cron_times(self, api_client):
        created = await deployed(api_client)
        runs = await scheduled_runs(api_client, created["id"])
        assert len(runs) == 3
        times = [datetime.fromisoformat(r["expected_start_time"]) for r in runs]
        # 09:00 in Buenos Aires (UTC-3, no daylight saving) is 12:00 UTC, one a day.
        assert all((t.hour, t.minute, t.utcoffset()) == (12, 0, timedelta(0)) for t in times)
        assert [b - a for a, b in zip(times, times[1:], strict=False)] == [timedelta(days=1)] * 2
        assert times[0] > datetime.now(UTC)
        assert {(r["state"]["type"], r["state"]["name"]) for r in runs} == {
            ("SCHEDULED", "Scheduled")
        }
        assert all(r["auto_scheduled"] and r["parameters"] == {"mensaje": "hola"} for r in runs)

    async def test_unknown_pool_is_422_naming_it(self, api_client):
        response = await api_client.post("/api/deployments", json=deployment_body())
        assert detail(response, 422) == (
            "work pool 'local' does not exist (create it with `cauce work-pool create local`)"
        )

    async def test_malformed_cron_is_422_naming_the_minute_field(self, api_client):
        await create_pool(api_client)
        bad = {"cron": "61 * * * *", "timezone": "UTC"}
        response = await api_client.post("/api/deployments", json=deployment_body(schedules=[bad]))
        assert detail(response, 422) == (
            "deployment 'saludar/diaria': cron '61 * * * *': minute field: 61 is out of range 0-59"
        )
        assert (await api_client.get("/api/deployments")).json() == []

    async def test_unknown_timezone_is_422_with_suggestions(self, api_client):
        await create_pool(api_client)
        bad = {"cron": "0 9 * * *", "timezone": "America/Buenos_Aire"}
        response = await api_client.post("/api/deployments", json=deployment_body(schedules=[bad]))
        assert detail(response, 422).startswith(
            "deployment 'saludar/diaria': unknown timezone 'America/Buenos_Aire'; "
            "did you mean America/Buenos_Aires, "
        )

    async def test_a_schedule_of_two_kinds_is_422(self, api_client):
        await create_pool(api_client)
        both = {"cron": "0 9 * * *", "interval_seconds": 60, "timezone": "UTC"}
        response = await api_client.post("/api/deployments", json=deployment_body(schedules=[both]))
        assert detail(response, 422) == (
            "deployment 'saludar/diaria': a schedule needs exactly one of cron, interval and rrule"
        )

    async def test_default_parameter_of_the_wrong_type_is_422_naming_it(self, api_client):
        await create_pool(api_client)
        body = deployment_body(parameters={"veces": "dos"})
        response = await api_client.post("/api/deployments", json=body)
        assert detail(response, 422) == (
            "deployment 'saludar/diaria': parameter 'veces' must be an integer, got 'dos'"
        )

    async def test_fields_out_of_their_columns_are_422_naming_each(self, api_client):
        await create_pool(api_client)
        body = deployment_body(
            entrypoint="x" * 1025,
            version="v" * 256,
            concurrency_limit=-1,
            schedules=[{"interval_seconds": 0, "timezone": "T" * 65}],
            owner="ana",
        )
        response = await api_client.post("/api/deployments", json=body)
        assert sorted(error_fields(response)) == [
            "concurrency_limit",
            "entrypoint",
            "owner",
            "schedules.0.interval_seconds",
            "schedules.0.timezone",
            "version",
        ]


class TestReadDeployment:
    async def test_unknown_id_and_name_are_404_naming_them(self, api_client):
        missing = uuid.uuid4()
        response = await api_client.get(f"/api/deployments/{missing}")
        assert detail(response, 404) == f"deployment {missing} does not exist"
        response = await api_client.get("/api/deployments/name/saludar/nada")
        assert detail(response, 404) == "deployment 'saludar/nada' does not exist"

    async def test_a_deployment_name_with_a_slash_is_read_whole(self, api_client):
        created = await deployed(api_client, name="equipo/diaria")
        response = await api_client.get("/api/deployments/name/saludar/equipo%2Fdiaria")
        assert response.json() == created

    async def test_malformed_id_is_422_naming_it(self, api_client):
        response = await api_client.get("/api/deployments/no-es-uuid")
        assert error_fields(response) == ["deployment_id"]


class TestPauseAndDeleteDeployment:
    async def test_pausing_removes_the_scheduled_runs_and_resuming_makes_them(self, api_client):
        created = await deployed(api_client)
        url = f"/api/deployments/{created['id']}/set_paused"
        paused = (await api_client.post(url, json={"is_paused": True})).json()
        assert paused["is_paused"] is True
        assert await scheduled_runs(api_client, created["id"]) == []
        resumed = (await api_client.post(url, json={"is_paused": False})).json()
        assert resumed["is_paused"] is False
        assert len(await scheduled_runs(api_client, created["id"])) == 3

    async def test_pausing_an_unknown_deployment_is_404_and_a_number_is_no_boolean(
        self, api_client
    ):
        missing = uuid.uuid4()
        url = f"/api/deployments/{missing}/set_paused"
        response = await api_client.post(url, json={"is_paused": True})
        assert detail(response, 404) == f"deployment {missing} does not exist"
        assert error_fields(await api_client.post(url, json={"is_paused": 1})) == ["is_paused"]

    async def test_delete_takes_its_scheduled_runs_and_says_how_many(self, api_client):
        created = await deployed(api_client)
        waiting = len(await scheduled_runs(api_client, created["id"]))
        response = await api_client.delete(f"/api/deployments/{created['id']}")
        assert response.status_code == 200
        assert response.json() == {"scheduled_runs_deleted": waiting} and waiting > 0
        assert (await api_client.get(f"/api/deployments/{created['id']}")).status_code == 404
        assert await scheduled_runs(api_client, created["id"]) == []
        assert (await api_client.delete("/api/work_pools/local")).status_code == 204

    async def test_deleting_an_unknown_deployment_is_404(self, api_client):
        missing = uuid.uuid4()
        response = await api_client.delete(f"/api/deployments/{missing}")
        assert detail(response, 404) == f"deployment {missing} does not exist"


class TestSchedules:
    async def test_add_pause_resume_and_delete_a_schedule(self, api_client):
        created = await deployed(api_client)
        base = f"/api/deployments/{created['id']}/schedules"
        hourly = {"interval_seconds": 3600, "timezone": "UTC", "anchor": "2026-01-01T00:30:00Z"}
        added = (await api_client.post(base, json=hourly)).json()
        assert len(added["schedules"]) == 2
        new = next(s for s in added["schedules"] if s["interval_seconds"] == 3600)
        assert new["anchor"] == "2026-01-01T00:30:00Z"
        with_hourly = await scheduled_runs(api_client, created["id"])
        assert len(with_hourly) > 20

        url = f"{base}/{new['id']}/set_active"
        paused = (await api_client.post(url, json={"is_active": False})).json()
        assert [s["is_active"] for s in paused["schedules"]] == [True, False]
        assert len(await scheduled_runs(api_client, created["id"])) == 3
        resumed = (await api_client.post(url, json={"is_active": True})).json()
        assert [s["is_active"] for s in resumed["schedules"]] == [True, True]
        assert len(await scheduled_runs(api_client, created["id"])) == len(with_hourly)

        left = (await api_client.delete(f"{base}/{new['id']}")).json()
        assert [s["id"] for s in left["schedules"]] == [created["schedules"][0]["id"]]
        assert len(await scheduled_runs(api_client, created["id"])) == 3

    async def test_a_naive_anchor_is_wall_time_in_the_schedules_zone(self, api_client):
        nine_in_madrid = {
            "interval_seconds": 86400,
            "timezone": "Europe/Madrid",
            "anchor": "2026-01-01T09:00:00",
        }
        created = await deployed(api_client, schedules=[nine_in_madrid])
        [schedule] = created["schedules"]
        assert schedule["anchor"] == "2026-01-01T08:00:00Z"
        again = await apply(api_client, schedules=[nine_in_madrid])
        assert again["schedules"] == [schedule]
        base = f"/api/deployments/{created['id']}/schedules"
        added = (await api_client.post(base, json=nine_in_madrid)).json()
        assert [s["anchor"] for s in added["schedules"]] == ["2026-01-01T08:00:00Z"] * 2

    async def test_unknown_schedule_or_deployment_is_404_naming_it(self, api_client):
        created = await deployed(api_client)
        missing = uuid.uuid4()
        base = f"/api/deployments/{created['id']}/schedules/{missing}"
        expected = f"deployment {created['id']} has no schedule {missing}"
        response = await api_client.post(f"{base}/set_active", json={"is_active": False})
        assert detail(response, 404) == expected
        assert detail(await api_client.delete(base), 404) == expected
        response = await api_client.post(f"/api/deployments/{missing}/schedules", json=DAILY_9)
        assert detail(response, 404) == f"deployment {missing} does not exist"

    async def test_a_bad_schedule_is_422_and_nothing_is_added(self, api_client):
        created = await deployed(api_client)
        base = f"/api/deployments/{created['id']}/schedules"
        response = await api_client.post(base, json={"rrule": "INTERVAL=2", "timezone": "UTC"})
        assert detail(response, 422) == "rrule 'INTERVAL=2': FREQ is missing (e.g. FREQ=DAILY)"
        response = await api_client.post(base, json={"timezone": "UTC"})
        assert detail(response, 422) == "a schedule needs exactly one of cron, interval and rrule"
        read = (await api_client.get(f"/api/deployments/{created['id']}")).json()
        assert len(read["schedules"]) == 1


class TestCreateFlowRunFromDeployment:
    async def test_run_is_scheduled_with_merged_parameters_and_tags(self, api_client):
        created = await deployed(api_client)
        when = datetime.now(UTC) + timedelta(hours=2)
        body = {"parameters": {"veces": 3}, "scheduled_time": when.isoformat(), "tags": ["a"]}
        url = f"/api/deployments/{created['id']}/create_flow_run"
        response = await api_client.post(url, json=body)
        assert response.status_code == 201, response.text
        run = response.json()
        assert (run["deployment_id"], run["flow_name"]) == (created["id"], "saludar")
        assert run["parameters"] == {"mensaje": "hola", "veces": 3}
        assert run["tags"] == ["a", "etl"]
        assert (run["state"]["type"], run["auto_scheduled"]) == ("SCHEDULED", False)
        assert datetime.fromisoformat(run["state"]["scheduled_time"]) == when
        assert (await api_client.get(f"/api/flow_runs/{run['id']}")).json() == run

    async def test_the_same_request_sent_again_returns_the_run_it_made(self, api_client):
        created = await deployed(api_client)
        url = f"/api/deployments/{created['id']}/create_flow_run"
        body = {"parameters": {"veces": 2}, "id": str(uuid.uuid4())}
        first = await api_client.post(url, json=body)
        again = await api_client.post(url, json=body)  # its answer was lost: sent again
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        runs = await api_client.post("/api/flow_runs/filter", json={"state_names": ["Scheduled"]})
        by_hand = [r for r in runs.json() if not r["auto_scheduled"]]
        assert [r["id"] for r in by_hand] == [body["id"]]

    async def test_without_a_time_the_run_is_for_now(self, api_client):
        created = await deployed(api_client)
        before = datetime.now(UTC)
        url = f"/api/deployments/{created['id']}/create_flow_run"
        run = (await api_client.post(url, json={})).json()
        assert before <= datetime.fromisoformat(run["expected_start_time"]) <= datetime.now(UTC)

    async def test_parameter_of_the_wrong_type_or_unknown_is_422_naming_it(self, api_client):
        created = await deployed(api_client)
        url = f"/api/deployments/{created['id']}/create_flow_run"
        response = await api_client.post(url, json={"parameters": {"mensaje": 5}})
        assert detail(response, 422) == "parameter 'mensaje' must be a string, got 5"
        response = await api_client.post(url, json={"parameters": {"color": "azul"}})
        assert detail(response, 422) == (
            "unknown parameter 'color' (the flow takes: mensaje, veces)"
        )
        assert len(await scheduled_runs(api_client, created["id"])) == 3

    async def test_unknown_deployment_is_404_and_a_naive_time_is_422(self, api_client):
        missing = uuid.uuid4()
        url = f"/api/deployments/{missing}/create_flow_run"
        response = await api_client.post(url, json={})
        assert detail(response, 404) == f"deployment {missing} does not exist"
        response = await api_client.post(url, json={"scheduled_time": "2026-05-01T10:00:00"})
        assert error_fields(response) == ["scheduled_time"]
