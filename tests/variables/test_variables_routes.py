"""/api/variables at Prefect 3's paths: each route's status and body, a bad name's 422,
an unknown name's 404 and a taken name's 409, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.embedded_only(
        "the in-process app serves the store's database, which the http store does not use"
    ),
]


async def create(client: httpx.AsyncClient, name: str, value: Any, **fields: Any) -> Any:
    response = await client.post("/api/variables/", json={"name": name, "value": value, **fields})
    assert response.status_code == 201, response.text
    return response.json()


class TestCreate:
    async def test_created_variable_is_answered_with_its_id_and_times(
        self, api_client: httpx.AsyncClient
    ) -> None:
        body = await create(api_client, "umbral", {"max": 3}, tags=["etl"])
        assert set(body) == {"id", "name", "value", "tags", "created", "updated"}
        assert (body["name"], body["value"], body["tags"]) == ("umbral", {"max": 3}, ["etl"])
        uuid.UUID(body["id"])
        assert datetime.fromisoformat(body["created"]).utcoffset() is not None

    async def test_a_taken_name_is_409(self, api_client: httpx.AsyncClient) -> None:
        await create(api_client, "umbral", 1)
        response = await api_client.post("/api/variables/", json={"name": "umbral", "value": 2})
        assert response.status_code == 409
        assert response.json() == {"detail": "variable 'umbral' already exists"}

    @pytest.mark.parametrize(
        ("name", "detail"),
        [
            ("Umbral", "variable name 'Umbral' may hold only lowercase letters, digits, "
             "underscores and dashes"),
            ("a/b", "variable name 'a/b' may hold only lowercase letters, digits, "
             "underscores and dashes"),
            ("x" * 300, f"variable name {'x' * 20!r}... is 300 characters long; the most is 255"),
            ("", "a variable needs a name"),
        ],
    )  # fmt: skip
    async def test_a_bad_name_is_422_saying_what_is_wrong(
        self, api_client: httpx.AsyncClient, name: str, detail: str
    ) -> None:
        response = await api_client.post("/api/variables/", json={"name": name, "value": 1})
        assert response.status_code == 422
        assert response.json() == {"detail": detail}
        listed = await api_client.post("/api/variables/filter", json={})
        assert listed.json() == []

    async def test_a_body_without_a_value_is_422(self, api_client: httpx.AsyncClient) -> None:
        response = await api_client.post("/api/variables/", json={"name": "sin-valor"})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "value"]


class TestReadByName:
    async def test_read(self, api_client: httpx.AsyncClient) -> None:
        created = await create(api_client, "lista", [1, None, "tres"])
        response = await api_client.get("/api/variables/name/lista")
        assert response.status_code == 200
        assert response.json() == created

    async def test_an_unknown_name_is_404(self, api_client: httpx.AsyncClient) -> None:
        response = await api_client.get("/api/variables/name/no-existe")
        assert response.status_code == 404
        assert response.json() == {"detail": "variable 'no-existe' does not exist"}


class TestUpdateByName:
    async def test_patch_changes_only_the_fields_given(self, api_client: httpx.AsyncClient) -> None:
        await create(api_client, "umbral", 1, tags=["a"])
        response = await api_client.patch("/api/variables/name/umbral", json={"value": 2})
        assert (response.status_code, response.content) == (204, b"")
        body = (await api_client.get("/api/variables/name/umbral")).json()
        assert (body["value"], body["tags"]) == (2, ["a"])
        assert body["updated"] >= body["created"]
        await api_client.patch("/api/variables/name/umbral", json={"tags": ["b"]})
        await api_client.patch("/api/variables/name/umbral", json={"value": None})
        body = (await api_client.get("/api/variables/name/umbral")).json()
        assert (body["value"], body["tags"]) == (None, ["b"])

    async def test_patch_renames(self, api_client: httpx.AsyncClient) -> None:
        await create(api_client, "viejo", 1)
        await create(api_client, "ocupado", 2)
        taken = await api_client.patch("/api/variables/name/viejo", json={"name": "ocupado"})
        assert (taken.status_code, taken.json()) == (
            409,
            {"detail": "variable 'ocupado' already exists"},
        )
        bad = await api_client.patch("/api/variables/name/viejo", json={"name": "Nuevo"})
        assert bad.status_code == 422 and "'Nuevo' may hold only" in bad.json()["detail"]
        renamed = await api_client.patch("/api/variables/name/viejo", json={"name": "nuevo"})
        assert renamed.status_code == 204
        assert (await api_client.get("/api/variables/name/viejo")).status_code == 404
        assert (await api_client.get("/api/variables/name/nuevo")).json()["value"] == 1

    async def test_an_unknown_name_is_404(self, api_client: httpx.AsyncClient) -> None:
        response = await api_client.patch("/api/variables/name/no-existe", json={"value": 1})
        assert (response.status_code, response.json()) == (
            404,
            {"detail": "variable 'no-existe' does not exist"},
        )

    async def test_a_value_over_5000_characters_is_422(self, api_client: httpx.AsyncClient) -> None:
        await create(api_client, "texto", "corto")
        response = await api_client.patch("/api/variables/name/texto", json={"value": "x" * 5000})
        assert response.status_code == 422
        assert response.json() == {
            "detail": "the value of variable 'texto' is 5002 characters as JSON; the most is 5000"
        }
        assert (await api_client.get("/api/variables/name/texto")).json()["value"] == "corto"


class TestDeleteByName:
    async def test_delete_then_404(self, api_client: httpx.AsyncClient) -> None:
        await create(api_client, "efimera", True)
        response = await api_client.delete("/api/variables/name/efimera")
        assert (response.status_code, response.content) == (204, b"")
        again = await api_client.delete("/api/variables/name/efimera")
        assert (again.status_code, again.json()) == (
            404,
            {"detail": "variable 'efimera' does not exist"},
        )


class TestFilter:
    async def test_filter_by_name_tags_sort_offset_and_limit(
        self, api_client: httpx.AsyncClient
    ) -> None:
        await create(api_client, "b-uno", 1, tags=["etl", "prod"])
        await create(api_client, "a-dos", 2, tags=["etl"])
        await create(api_client, "c-tres", 3)

        async def names(body: dict[str, Any]) -> list[str]:
            response = await api_client.post("/api/variables/filter", json=body)
            assert response.status_code == 200, response.text
            return [v["name"] for v in response.json()]

        assert await names({}) == ["a-dos", "b-uno", "c-tres"]
        assert await names({"sort": "NAME_DESC"}) == ["c-tres", "b-uno", "a-dos"]
        assert await names({"sort": "CREATED_DESC"}) == ["c-tres", "a-dos", "b-uno"]
        assert await names({"offset": 1, "limit": 1}) == ["b-uno"]
        assert await names({"variables": {"name": {"like_": "UN"}}}) == ["b-uno"]
        assert await names({"variables": {"name": {"any_": ["c-tres", "zz"]}}}) == ["c-tres"]
        by_tags = {"variables": {"operator": "and_", "tags": {"all_": ["etl", "prod"]}}}
        assert await names(by_tags) == ["b-uno"]
        assert await names({"variables": {"tags": {"all_": ["etl"]}}, "limit": 1}) == ["a-dos"]

    async def test_a_negative_limit_is_422(self, api_client: httpx.AsyncClient) -> None:
        response = await api_client.post("/api/variables/filter", json={"limit": -1})
        assert response.status_code == 422
