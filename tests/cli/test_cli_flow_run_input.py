"""`cauce flow-run resume ID --input JSON` for a real script paused with wait_for_input."""

from __future__ import annotations

import json
from pathlib import Path

from cauce.schemas.flow_runs import FlowRun, FlowRunFilter
from cauce.states import StateType
from tests.workers.conftest import wait_for

ASKS = """
import json, sys
from cauce import flow, pause_flow_run
from cauce.input import RunInput

class Aprobacion(RunInput):
    aprobado: bool
    comentario: str = ""

@flow
def revisar() -> bool:
    respuesta = pause_flow_run(wait_for_input=Aprobacion, timeout=60)
    with open(sys.argv[1], "w") as out:
        json.dump([respuesta.aprobado, respuesta.comentario], out)
    return respuesta.aprobado

if __name__ == "__main__":
    revisar()
"""


def test_the_script_gets_the_input_given_on_the_command_line(
    cli, store, store_env, start_script, tmp_path: Path
) -> None:
    script, answer = tmp_path / "revisar.py", tmp_path / "respuesta.json"
    script.write_text(ASKS)
    process = start_script(store_env, script, str(answer))

    def paused() -> FlowRun | None:
        runs = store.client.read_flow_runs(FlowRunFilter(flow_name="revisar"))
        return next((r for r in runs if r.state.type is StateType.PAUSED), None)

    run = wait_for(paused, seconds=30)
    shown = cli(store_env, "flow-run", "inspect", str(run.id))
    assert "Waiting for input (aprobado, comentario)." in shown.stdout
    refusals = {
        "": "waits for input (aprobado, comentario): resume it with input",
        "--input={nope": "--input is not valid JSON: ",
        "--input=[true]": "--input must be a JSON object such as",
        '--input={"aprobado": "si"}': "input field 'aprobado' must be true or false, got 'si'",
        '--input={"otro": 1}': "unknown input field 'otro' (the run asks for: aprobado, ",
    }
    for option, said in refusals.items():
        refused = cli(store_env, "flow-run", "resume", str(run.id), *([option] if option else []))
        assert refused.returncode == 1, refused.stdout
        assert said in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
        assert store.client.read_flow_run(run.id).state.type is StateType.PAUSED

    given = '{"aprobado": true, "comentario": "adelante"}'
    resumed = cli(store_env, "flow-run", "resume", str(run.id), "--input", given)
    assert resumed.returncode == 0, resumed.stderr
    assert f"Flow run {run.name!r} ({run.id}) is resumed: Running." in resumed.stdout
    assert process.wait(30) == 0
    assert json.loads(answer.read_text()) == [True, "adelante"]
    assert store.client.read_flow_run(run.id).state.type is StateType.COMPLETED
