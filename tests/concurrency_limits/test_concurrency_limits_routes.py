"""/api/v2/concurrency_limits at Prefect 3's paths: each route's status and body, a bad
name's 422, an unknown limit's 404, a taken name's 409, and slots that do not fit as
Prefect's 423, on SQLite and PostgreSQL."""

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

PATH = "/api/v2/concurrency_limits"


async def create(client: httpx.AsyncClient, name: str, limit: int, **fields: Any) -> Any:
    response = await client.post(f"{PATH}/", json={"name": name, "limit": limit, **fields})
    assert response.status_code == 201, response.text
    return response.json()


async def test_created_limit_is_answered_and_read_by_id_or_name(
    api_client: httpx.AsyncClient,
) -> None:
    body = await create(api_client, "database", 3, slot_decay_per_second=0.5)
    assert (body["name"], body["limit"], body["active"], body["active_slots"]) == (
        "database",
        3,
        True,
        0,
    )
    assert body["slot_decay_per_second"] == 0.5
    uuid.UUID(body["id"])
    assert datetime.fromisoformat(body["created"]).utcoffset() is not None
    by_id = (await api_client.get(f"{PATH}/{body['id']}")).json()
    by_name = (await api_client.get(f"{PATH}/database")).json()
    assert by_id == by_name == body


async def test_a_taken_name_is_409_and_a_bad_name_422(api_client: httpx.AsyncClient) -> None:
    await create(api_client, "database", 1)
    taken = await api_client.post(f"{PATH}/", json={"name": "database", "limit": 2})
    assert taken.status_code == 409
    assert taken.json() == {"detail": "concurrency limit 'database' already exists"}
    bad = await api_client.post(f"{PATH}/", json={"name": "a>b", "limit": 2})
    assert bad.status_code == 422
    assert bad.json() == {"detail": "concurrency limit name 'a>b' may not contain any of / % & > <"}


async def test_a_slot_decay_past_a_billion_a_second_is_422_and_the_list_still_reads(
    api_client: httpx.AsyncClient,
) -> None:
    await create(api_client, "fast", 2, active_slots=2, slot_decay_per_second=1e9)
    huge = await api_client.post(
        f"{PATH}/", json={"name": "huge", "limit": 2, "slot_decay_per_second": 1e300}
    )
    assert huge.status_code == 422
    assert huge.json() == {
        "detail": "concurrency limit 'huge': slot_decay_per_second is 1e+300; the most is 1e+09"
    }
    patched = await api_client.patch(f"{PATH}/fast", json={"slot_decay_per_second": 1e300})
    assert patched.status_code == 422
    listed = await api_client.post(f"{PATH}/filter", json={})
    assert [(c["name"], c["active_slots"]) for c in listed.json()] == [("fast", 0)]


async def test_an_unknown_limit_is_404(api_client: httpx.AsyncClient) -> None:
    for method in ("GET", "DELETE"):
        response = await api_client.request(method, f"{PATH}/nope")
        assert response.status_code == 404
        assert response.json() == {"detail": "concurrency limit 'nope' does not exist"}
    patched = await api_client.patch(f"{PATH}/nope", json={"limit": 2})
    assert patched.status_code == 404


async def test_filter_lists_by_name_and_pages(api_client: httpx.AsyncClient) -> None:
    for name in ("b", "a", "c"):
        await create(api_client, name, 1)
    listed = (await api_client.post(f"{PATH}/filter", json={})).json()
    assert [c["name"] for c in listed] == ["a", "b", "c"]
    page = await api_client.post(f"{PATH}/filter", json={"offset": 1, "limit": 1})
    assert [c["name"] for c in page.json()] == ["b"]


async def test_patch_changes_only_the_fields_given_and_delete_removes(
    api_client: httpx.AsyncClient,
) -> None:
    await create(api_client, "database", 1)
    patched = await api_client.patch(f"{PATH}/database", json={"limit": 5, "active": False})
    assert patched.status_code == 204
    body = (await api_client.get(f"{PATH}/database")).json()
    assert (body["limit"], body["active"], body["slot_decay_per_second"]) == (5, False, 0.0)
    assert (await api_client.delete(f"{PATH}/database")).status_code == 204
    assert (await api_client.get(f"{PATH}/database")).status_code == 404


async def test_increment_takes_slots_until_full_then_423_and_decrement_frees(
    api_client: httpx.AsyncClient,
) -> None:
    created = await create(api_client, "database", 2)
    ask = {"names": ["database"], "slots": 1, "mode": "concurrency"}
    for _ in range(2):
        taken = await api_client.post(f"{PATH}/increment", json=ask)
        assert taken.status_code == 200
        assert taken.json() == [{"id": created["id"], "name": "database", "limit": 2}]
    full = await api_client.post(f"{PATH}/increment", json=ask)
    assert full.status_code == 423
    assert "Retry-After" in full.headers
    assert (await api_client.get(f"{PATH}/database")).json()["active_slots"] == 2
    freed = await api_client.post(f"{PATH}/decrement", json={"names": ["database"], "slots": 1})
    assert freed.status_code == 200
    assert (await api_client.get(f"{PATH}/database")).json()["active_slots"] == 1


async def test_increment_of_a_missing_limit_is_empty_or_404_when_strict(
    api_client: httpx.AsyncClient,
) -> None:
    ask = {"names": ["nope"], "slots": 1}
    assert (await api_client.post(f"{PATH}/increment", json=ask)).json() == []
    strict = await api_client.post(f"{PATH}/increment", json={**ask, "strict": True})
    assert strict.status_code == 404
    assert "must be created before acquiring slots" in strict.json()["detail"]


async def test_increment_of_more_slots_than_the_limit_is_422(
    api_client: httpx.AsyncClient,
) -> None:
    await create(api_client, "database", 1)
    response = await api_client.post(f"{PATH}/increment", json={"names": ["database"], "slots": 2})
    assert response.status_code == 422
    assert response.json() == {
        "detail": "2 slots requested of concurrency limit 'database', which has 1"
    }
