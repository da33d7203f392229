"""The Resume page of a run paused with wait_for_input: a form built from the input's
schema (a checkbox for true or false, a text box otherwise), whose values the core checks."""

from __future__ import annotations

import json
import re

import pytest

from cauce.input import RunInput
from cauce.schemas.flow_runs import FlowRun
from cauce.schemas.run_input import resumed_input, with_input_schema
from cauce.states import StateType
from tests.conftest import Store
from tests.ui.test_pages_flow_run_actions import _token, deployed_run  # noqa: F401

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.embedded_only(
        "the in-process app serves the store's database, which the http store does not use"
    ),
]


class Aprobacion(RunInput):
    aprobado: bool
    veces: int
    comentario: str = "sin comentario"


async def _paused_for_input(ui, run: FlowRun) -> None:
    message = with_input_schema("Waiting to be resumed.", Aprobacion.model_json_schema())
    paused = await ui.post(
        f"/api/flow_runs/{run.id}/set_state",
        json={"state": {"type": "PAUSED", "message": message}, "force": True},
    )
    assert paused.json()["status"] == "ACCEPT"


async def test_the_resume_form_asks_for_each_field_and_resumes_with_them(
    ui,
    store: Store,
    deployed_run: FlowRun,  # noqa: F811
) -> None:
    await _paused_for_input(ui, deployed_run)
    token = await _token(ui, deployed_run.id, "resume")
    form = (await ui.get(f"/flow-runs/{deployed_run.id}/resume")).text
    assert '<input type="checkbox" name="aprobado">' in form
    assert re.search(r'veces \(required\) <input type="text" name="veces" value="" required>', form)
    assert '<input type="text" name="comentario" value="sin comentario">' in form

    path = f"/flow-runs/{deployed_run.id}/resume"
    refused = await ui.post(path, data={"csrf_token": token, "veces": "dos"})
    assert refused.status_code == 409
    assert "input field &#39;veces&#39; must be an integer, got &#39;dos&#39;" in refused.text
    assert store.client.read_flow_run(deployed_run.id).state.type is StateType.PAUSED

    done = await ui.post(path, data={"csrf_token": token, "aprobado": "on", "veces": "2"})
    assert done.status_code == 303
    run = store.client.read_flow_run(deployed_run.id)
    assert run.state.type is StateType.RUNNING
    assert resumed_input(run.state) == {"aprobado": True, "veces": 2}
    assert json.loads(run.state.message.split(": ", 1)[1]) == {"aprobado": True, "veces": 2}
