"""/api/artifacts at Prefect 3's paths: each route's status and body, a bad key's or
data's 422 naming it, and an unknown id's or key's 404, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.server.conftest import create_run

LATEST = "/api/artifacts/latest/filter"

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.embedded_only(
        "the in-process app serves the store's database, which the http store does not use"
    ),
]


async def create(client: httpx.AsyncClient, **fields: Any) -> Any:
    response = await client.post("/api/artifacts/", json=fields)
    assert response.status_code == 201, response.text
    return response.json()


async def keys_listed(client: httpx.AsyncClient, path: str, body: Any = None) -> list[Any]:
    response = await client.post(path, json=body or {})
    assert response.status_code == 200, response.text
    return [(a["key"], a["data"]) for a in response.json()]


class TestCreateAndRead:
    async def test_created_artifact_is_answered_and_read_back_by_id(
        self, api_client: httpx.AsyncClient
    ) -> None:
        run = await create_run(api_client)
        body = await create(
            api_client,
            key="informe",
            type="markdown",
            data="# Hola",
            description="el informe",
            flow_run_id=run["id"],
            metadata_={"ignorado": "sí"},
        )
        assert set(body) == {
            "id", "key", "type", "description", "data", "flow_run_id", "task_run_id",
            "created", "updated",
        }  # fmt: skip
        assert (body["key"], body["type"], body["data"], body["flow_run_id"]) == (
            "informe",
            "markdown",
            "# Hola",
            run["id"],
        )
        assert datetime.fromisoformat(body["created"]).utcoffset() is not None
        read = await api_client.get(f"/api/artifacts/{body['id']}")
        assert read.status_code == 200 and read.json() == body

    async def test_an_unknown_id_or_key_is_404(self, api_client: httpx.AsyncClient) -> None:
        missing = uuid.uuid4()
        for method, path in [
            ("GET", f"/api/artifacts/{missing}"),
            ("DELETE", f"/api/artifacts/{missing}"),
            ("GET", "/api/artifacts/no-existe/latest"),
        ]:
            response = await api_client.request(method, path)
            assert response.status_code == 404, (method, path)
        assert response.json() == {"detail": "no artifact has the key 'no-existe'"}
        patched = await api_client.patch(f"/api/artifacts/{missing}", json={"data": 5})
        assert patched.json() == {"detail": f"artifact {missing} does not exist"}


class TestRefusals:
    @pytest.mark.parametrize(
        ("fields", "detail"),
        [
            ({"key": "Mayus", "type": "markdown", "data": "x"},
             "artifact key 'Mayus' may hold only lowercase letters, digits and dashes"),
            ({"key": "con_guion_bajo", "type": "markdown", "data": "x"},
             "artifact key 'con_guion_bajo' may hold only lowercase letters"),
            ({"type": "table", "data": "no es tabla"},
             "the data of a table artifact must be a list of dicts"),
            ({"type": "progress", "data": "mitad"},
             "the progress of an artifact must be a number, not 'mitad'"),
            ({"type": "link", "data": {"url": "x"}}, "the data of a link artifact must be"),
            ({"type": "markdown", "data": 3},
             "the data of a markdown artifact must be a string, not int"),
        ],
    )  # fmt: skip
    async def test_a_bad_key_or_data_is_422_naming_it(
        self, api_client: httpx.AsyncClient, fields: dict[str, Any], detail: str
    ) -> None:
        response = await api_client.post("/api/artifacts/", json=fields)
        assert response.status_code == 422
        assert response.json()["detail"].startswith(detail)
        assert await keys_listed(api_client, "/api/artifacts/filter") == []

    async def test_a_field_of_the_wrong_shape_is_422_naming_the_field(
        self, api_client: httpx.AsyncClient
    ) -> None:
        response = await api_client.post(
            "/api/artifacts/", json={"type": "markdown", "data": "x", "flow_run_id": "no-uuid"}
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "flow_run_id"]
        unknown = await api_client.post("/api/artifacts/", json={"type": "x", "dato": 1})
        assert unknown.status_code == 422
        assert unknown.json()["detail"][0]["loc"] == ["body", "dato"]

    async def test_an_unknown_flow_run_is_422(self, api_client: httpx.AsyncClient) -> None:
        missing = uuid.uuid4()
        response = await api_client.post(
            "/api/artifacts/", json={"type": "markdown", "data": "x", "flow_run_id": str(missing)}
        )
        assert response.status_code == 422
        assert response.json() == {"detail": f"flow run {missing} does not exist"}


class TestVersions:
    async def test_latest_lists_the_newest_version_of_each_key(
        self, api_client: httpx.AsyncClient
    ) -> None:
        for version in range(3):
            await create(api_client, key="avance", type="progress", data=version * 10)
        await create(api_client, key="informe", type="markdown", data="único")
        await create(api_client, type="markdown", data="sin clave")
        assert await keys_listed(api_client, "/api/artifacts/latest/filter", {
            "sort": "KEY_ASC"
        }) == [("avance", 20), ("informe", "único")]  # fmt: skip
        every = await keys_listed(api_client, "/api/artifacts/filter")
        assert every == [
            (None, "sin clave"), ("informe", "único"), ("avance", 20), ("avance", 10),
            ("avance", 0),
        ]  # fmt: skip
        latest = await api_client.get("/api/artifacts/avance/latest")
        assert latest.status_code == 200 and latest.json()["data"] == 20

    async def test_filters_by_key_type_run_and_pages(self, api_client: httpx.AsyncClient) -> None:
        run = await create_run(api_client)
        await create(api_client, key="a", type="markdown", data="1", flow_run_id=run["id"])
        await create(api_client, key="b", type="image", data="https://x/y.png")
        await create(api_client, type="markdown", data="3")
        by_run = {"artifacts": {"flow_run_id": {"any_": [run["id"]]}}}
        assert await keys_listed(api_client, "/api/artifacts/filter", by_run) == [("a", "1")]
        by_type = {"artifacts": {"type": {"any_": ["image"]}, "operator": "and_"}}
        assert await keys_listed(api_client, "/api/artifacts/filter", by_type) == [
            ("b", "https://x/y.png")
        ]
        keyless = {"artifacts": {"key": {"exists_": False}}}
        assert await keys_listed(api_client, "/api/artifacts/filter", keyless) == [(None, "3")]
        page = {"sort": "KEY_ASC", "offset": 1, "limit": 1}
        assert await keys_listed(api_client, "/api/artifacts/latest/filter", page) == [
            ("b", "https://x/y.png")
        ]
        negative = await api_client.post("/api/artifacts/filter", json={"limit": -1})
        assert negative.status_code == 422
        assert negative.json()["detail"][0]["loc"] == ["body", "limit"]

    async def test_latest_picks_the_newest_version_among_those_the_filter_keeps(
        self, api_client: httpx.AsyncClient
    ) -> None:
        """The filter is applied first, then the newest of each key is chosen: a key whose
        newest version is of another run or type lists its newest version that matches."""
        one, two = (await create_run(api_client))["id"], (await create_run(api_client))["id"]
        made = {}
        for name, key, kind, data, run in [
            ("i1", "informe", "markdown", "i1", one),
            ("i2", "informe", "markdown", "i2", one),
            ("i3", "informe", "image", "https://x/i3.png", two),
            ("a1", "avance", "progress", 1, two),
            ("a2", "avance", "progress", 2, one),
            ("sin", None, "markdown", "sin", one),
        ]:
            made[name] = await create(api_client, key=key, type=kind, data=data, flow_run_id=run)

        async def latest(**conditions: Any) -> list[Any]:
            body = {"artifacts": conditions, "sort": "KEY_ASC"}
            return [data for _, data in await keys_listed(api_client, LATEST, body)]

        assert await latest() == [2, "https://x/i3.png"]
        assert await latest(flow_run_id={"any_": [one]}) == [2, "i2"]
        assert await latest(flow_run_id={"any_": [two]}) == [1, "https://x/i3.png"]
        assert await latest(type={"any_": ["markdown"]}) == ["i2"]
        assert await latest(type={"any_": ["markdown"]}, flow_run_id={"any_": [two]}) == []
        assert await latest(key={"like_": "INF"}) == ["https://x/i3.png"]
        assert await latest(key={"any_": ["avance"]}, flow_run_id={"any_": [two]}) == [1]
        ids = [made[name]["id"] for name in ("i1", "a1", "sin")]
        assert await latest(id={"any_": ids}) == [1, "i1"]
        assert await latest(key={"exists_": False}) == []
        newest_first = {"sort": "CREATED_DESC", "offset": 1, "limit": 1}
        assert await keys_listed(api_client, LATEST, newest_first) == [
            ("informe", "https://x/i3.png")
        ]


class TestUpdateAndDelete:
    async def test_patch_changes_progress_and_description(
        self, api_client: httpx.AsyncClient
    ) -> None:
        body = await create(api_client, key="avance", type="progress", data=0.0)
        response = await api_client.patch(
            f"/api/artifacts/{body['id']}", json={"data": 55.5, "description": "mitad"}
        )
        assert response.status_code == 204
        after = (await api_client.get(f"/api/artifacts/{body['id']}")).json()
        assert (after["data"], after["description"]) == (55.5, "mitad")
        assert after["updated"] >= body["updated"]
        bad = await api_client.patch(f"/api/artifacts/{body['id']}", json={"data": "x"})
        assert bad.status_code == 422
        assert bad.json() == {"detail": "the progress of an artifact must be a number, not 'x'"}

    async def test_delete_removes_that_version_only(self, api_client: httpx.AsyncClient) -> None:
        first = await create(api_client, key="informe", type="markdown", data="v1")
        second = await create(api_client, key="informe", type="markdown", data="v2")
        response = await api_client.delete(f"/api/artifacts/{second['id']}")
        assert response.status_code == 204
        latest = (await api_client.get("/api/artifacts/informe/latest")).json()
        assert latest["id"] == first["id"]

    async def test_deleting_a_run_deletes_its_artifacts(
        self, api_client: httpx.AsyncClient
    ) -> None:
        run = await create_run(api_client)
        await create(api_client, key="informe", type="markdown", data="x", flow_run_id=run["id"])
        assert (await api_client.delete(f"/api/flow_runs/{run['id']}")).status_code == 204
        assert await keys_listed(api_client, "/api/artifacts/filter") == []
