"""Variables through `get_client()` as Prefect scripts call them: create with
VariableCreate, read by name (None when absent), update with VariableUpdate, delete by
name; sync and async, seen by cauce's Variable too."""

from __future__ import annotations

import asyncio

import pytest

from cauce import get_client
from cauce.client.schemas.actions import VariableCreate, VariableUpdate
from cauce.exceptions import ObjectAlreadyExists, ObjectNotFound
from cauce.variables import Variable
from tests.conftest import Store


class TestVariables:
    def test_create_read_update_delete(self, store: Store) -> None:
        with get_client(sync_client=True) as client:
            made = client.create_variable(
                VariableCreate(name="limite", value={"n": 10}, tags=["ops"])
            )
            assert (made.name, made.value, made.tags) == ("limite", {"n": 10}, ["ops"])
            read = client.read_variable_by_name("limite")
            assert read is not None and (read.id, read.value) == (made.id, {"n": 10})
            assert Variable.get("limite") == {"n": 10}
            client.update_variable(VariableUpdate(name="limite", value=20))
            again = client.read_variable_by_name("limite")
            assert again is not None and (again.value, again.tags) == (20, ["ops"])
            client.update_variable(VariableUpdate(name="limite", tags=["a", "b"]))
            again = client.read_variable_by_name("limite")
            assert again is not None and (again.value, again.tags) == (20, ["a", "b"])
            assert [v.name for v in client.read_variables()] == ["limite"]
            client.delete_variable_by_name("limite")
            assert client.read_variable_by_name("limite") is None
            assert Variable.get("limite", default="ninguna") == "ninguna"

    def test_async_and_what_a_prefect_user_catches(self, store: Store) -> None:
        async def script() -> None:
            async with get_client() as client:
                assert await client.read_variable_by_name("falta") is None
                await client.create_variable(VariableCreate(name="modo", value="rapido"))
                with pytest.raises(ObjectAlreadyExists):
                    await client.create_variable(VariableCreate(name="modo", value="lento"))
                await client.update_variable(VariableUpdate(name="modo", value=None))
                modo = await client.read_variable_by_name("modo")
                assert modo is not None and modo.value is None
                with pytest.raises(ObjectNotFound):
                    await client.update_variable(VariableUpdate(name="falta", value=1))
                with pytest.raises(ObjectNotFound):
                    await client.delete_variable_by_name("falta")
                await client.create_variable(VariableCreate(name="otra", value=1))
                assert [v.name for v in await client.read_variables(limit=1)] == ["modo"]

        asyncio.run(script())
