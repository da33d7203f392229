"""pause_flow_run(wait_for_input=...) as Prefect's interactive workflows: the run asks for
input of a shape, the resume must bring input that shape accepts, and the pause returns it."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from cauce import flow, pause_flow_run, resume_flow_run
from cauce.client.base import ClientError
from cauce.input import RunInput
from cauce.schemas.run_input import input_schema
from cauce.states import StateType
from tests.conftest import Store
from tests.engine.records import names, only_run_of
from tests.engine.test_pause import _paused_run, meanwhile
from tests.workers.conftest import wait_for


class Aprobacion(RunInput):
    aprobado: bool
    comentario: str = ""


@flow
def revisar() -> tuple[bool, str]:
    respuesta = pause_flow_run(wait_for_input=Aprobacion, timeout=30, poll_interval=1)
    return respuesta.aprobado, respuesta.comentario


def test_the_pause_returns_the_input_it_was_resumed_with(store: Store) -> None:
    refusals: list[str] = []

    def resume_when_paused() -> None:
        run_id = wait_for(lambda: _paused_run(store, "revisar"), seconds=20)
        schema = input_schema(store.client.read_flow_run(run_id).state)
        assert schema is not None and list(schema["properties"]) == ["aprobado", "comentario"]
        for bad in (None, {"aprobado": "si"}, {"comentario": "x"}, {"aprobado": True, "z": 1}):
            with pytest.raises(ClientError) as refused:
                store.client.resume_flow_run(run_id, bad)
            refusals.append(str(refused.value))
        assert store.client.read_flow_run(run_id).state.type is StateType.PAUSED
        resume_flow_run(run_id, run_input={"aprobado": True, "comentario": "bien"})

    with meanwhile(resume_when_paused) as raised:
        assert revisar() == (True, "bien")
    assert raised == []
    assert "waits for input (aprobado, comentario): resume it with input" in refusals[0]
    assert "input field 'aprobado' must be true or false, got 'si'" in refusals[1]
    assert "input field 'aprobado' is required" in refusals[2]
    assert "unknown input field 'z' (the run asks for: aprobado, comentario)" in refusals[3]
    run = only_run_of(store, "revisar")
    assert names(run.states) == ["Pending", "Running", "Paused", "Running", "Completed"]


class Numero(BaseModel):
    n: int


@pytest.mark.parametrize(
    ("asked", "given", "returned"),
    [(bool, {"value": False}, False), (str, {"value": "hola"}, "hola"), (Numero, {"n": 3}, 3)],
)
def test_a_type_or_a_pydantic_model_is_asked_as_prefect_wraps_it(
    store: Store, asked: type, given: dict[str, object], returned: object
) -> None:
    @flow
    def preguntar() -> object:
        answer = pause_flow_run(wait_for_input=asked, timeout=30, poll_interval=1)
        return answer.n if isinstance(answer, Numero) else answer

    def resume_when_paused() -> None:
        resume_flow_run(wait_for(lambda: _paused_run(store, "preguntar"), seconds=20), given)

    with meanwhile(resume_when_paused) as raised:
        assert preguntar() == returned
    assert raised == []


def test_input_for_a_run_that_asks_for_none_is_refused(store: Store) -> None:
    @flow
    def sin_preguntas() -> str:
        pause_flow_run(timeout=30, poll_interval=1)
        return "hecho"

    refusals: list[str] = []

    def resume_when_paused() -> None:
        run_id = wait_for(lambda: _paused_run(store, "sin-preguntas"), seconds=20)
        with pytest.raises(ClientError) as refused:
            store.client.resume_flow_run(run_id, {"aprobado": True})
        refusals.append(str(refused.value))
        resume_flow_run(run_id)

    with meanwhile(resume_when_paused) as raised:
        assert sin_preguntas() == "hecho"
    assert raised == []
    assert "does not wait for input: resume it without input" in refusals[0]
