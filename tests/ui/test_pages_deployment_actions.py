"""A deployment page's actions in-process: Pause / Resume and "Run", behind CSRF checks.

Every POST takes the token the page gave (its cookie, and the same value in the
form); without it, or from another origin, it is a 403 and nothing changes.
"""

from __future__ import annotations

import html
import re
from typing import Any

import httpx
import pytest

from cauce.schemas.deployments import Deployment
from cauce.schemas.flow_runs import FlowRunFilter
from cauce.settings import get_settings
from tests.conftest import Store
from tests.server.conftest import open_api, with_auth
from tests.ui.conftest import local_deployment

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.embedded_only(
        "the in-process app serves the store's database, which the http store does not use"
    ),
]

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "veces": {"type": "integer"},
        "nombre": {"type": "string", "default": "mundo"},
        "ruidoso": {"type": "boolean", "default": False},
        "factor": {"anyOf": [{"type": "number"}, {"type": "null"}], "default": None},
        "etiquetas": {"type": "array", "default": ["a"]},
    },
    "required": ["veces"],
}


@pytest.fixture
def deployment(store: Store) -> Deployment:
    return local_deployment(
        store, name="a-mano", parameters={"nombre": "ana"}, parameter_schema=SCHEMA
    )


async def _token(ui: httpx.AsyncClient, deployment: Deployment) -> str:
    """Open the page as a browser would (keeping its cookie); the form's token."""
    page = await ui.get(f"/deployments/{deployment.id}")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "the page's forms carry a token"
    return found.group(1)


def _runs(store: Store, deployment: Deployment) -> list[Any]:
    return store.client.read_flow_runs(FlowRunFilter(deployment_id=deployment.id))


def _run_form(token: str, **values: str) -> dict[str, str]:
    return {"csrf_token": token, **{f"param:{name}": value for name, value in values.items()}}


class TestCsrf:
    async def test_the_page_sets_a_strict_http_only_cookie_holding_the_forms_token(
        self, ui, deployment
    ):
        page = await ui.get(f"/deployments/{deployment.id}")
        cookie = page.headers["set-cookie"]
        assert "SameSite=strict" in cookie and "HttpOnly" in cookie and "Path=/" in cookie
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token and f"cauce_csrf={token.group(1)};" in cookie

    async def test_a_post_without_the_token_is_refused_and_changes_nothing(
        self, ui, store, deployment
    ):
        await _token(ui, deployment)  # the cookie alone is not enough
        refused = await ui.post(f"/deployments/{deployment.id}/pause", data={})
        assert refused.status_code == 403
        assert "security token is missing or stale" in refused.text
        assert "\n" not in refused.text.strip()
        assert store.client.read_deployment(deployment.id).is_paused is False

    async def test_a_token_without_its_cookie_is_refused(self, ui, store, deployment):
        token = await _token(ui, deployment)
        ui.cookies.clear()
        refused = await ui.post(f"/deployments/{deployment.id}/pause", data={"csrf_token": token})
        assert refused.status_code == 403
        assert store.client.read_deployment(deployment.id).is_paused is False

    async def test_another_sites_origin_is_refused_even_with_the_token(self, ui, store, deployment):
        token = await _token(ui, deployment)
        for header in (
            {"Origin": "https://evil.example"},
            {"Referer": "http://evil.example/x"},
            {"Origin": "null"},
        ):
            refused = await ui.post(
                f"/deployments/{deployment.id}/pause", data={"csrf_token": token}, headers=header
            )
            assert refused.status_code == 403, header
            assert f"sent from {next(iter(header.values()))!r}" in refused.text
        assert store.client.read_deployment(deployment.id).is_paused is False
        run = await ui.post(
            f"/deployments/{deployment.id}/run",
            data=_run_form(token, veces="1"),
            headers={"Origin": "https://evil.example"},
        )
        assert run.status_code == 403 and _runs(store, deployment) == []

    async def test_the_api_takes_no_token(self, ui, store, deployment):
        changed = await ui.post(
            f"/api/deployments/{deployment.id}/set_paused", json={"is_paused": True}
        )
        assert changed.status_code == 200
        assert store.client.read_deployment(deployment.id).is_paused is True

    async def test_with_auth_a_post_without_credentials_is_401(self, store, deployment):
        settings = with_auth(get_settings(), "ana:s3cr3t")
        async with open_api(settings) as client:
            refused = await client.post(
                f"/deployments/{deployment.id}/pause", data={"csrf_token": "x" * 43}
            )
        assert refused.status_code == 401
        assert store.client.read_deployment(deployment.id).is_paused is False


class TestPauseResume:
    async def test_pause_then_resume_from_the_page(self, ui, store, deployment):
        page = (await ui.get(f"/deployments/{deployment.id}")).text
        assert f'href="/deployments/{deployment.id}/pause">Pause</a>' in page
        confirm = await ui.get(f"/deployments/{deployment.id}/pause")
        assert "Pause saludar/a-mano?" in confirm.text
        assert f'action="/deployments/{deployment.id}/pause"' in confirm.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', confirm.text)
        assert token

        paused = await ui.post(
            f"/deployments/{deployment.id}/pause",
            data={"csrf_token": token.group(1)},
            headers={"Origin": "http://cauce"},
        )
        assert paused.status_code == 303
        assert paused.headers["location"] == f"/deployments/{deployment.id}"
        assert store.client.read_deployment(deployment.id).is_paused is True
        shown = (await ui.get(paused.headers["location"])).text
        assert '<span class="flag flag-paused">Paused</span>' in shown
        assert f'href="/deployments/{deployment.id}/resume">Resume</a>' in shown

        resumed = await ui.post(
            f"/deployments/{deployment.id}/resume", data={"csrf_token": token.group(1)}
        )
        assert resumed.status_code == 303
        assert store.client.read_deployment(deployment.id).is_paused is False

    async def test_an_unknown_deployment_or_action_is_404(self, ui, deployment):
        token = await _token(ui, deployment)
        missing = "/deployments/00000000-0000-0000-0000-000000000000/pause"
        assert (await ui.post(missing, data={"csrf_token": token})).status_code == 404
        assert (await ui.get(missing)).status_code == 404
        unknown = f"/deployments/{deployment.id}/borrar"
        assert (await ui.post(unknown, data={"csrf_token": token})).status_code == 404
        assert "Not found" in (await ui.get(unknown)).text

    async def test_a_paused_deployments_run_form_says_the_run_waits(self, ui, store, deployment):
        store.client.set_deployment_paused(deployment.id, True)
        page = (await ui.get(f"/deployments/{deployment.id}")).text
        assert "It is paused: the run waits for it to be resumed." in page


class TestRunForm:
    async def test_the_form_has_an_input_per_parameter_prefilled_and_typed(self, ui, deployment):
        page = (await ui.get(f"/deployments/{deployment.id}")).text
        form = page[page.index('<form class="run-form"') :]
        form = form[: form.index("</form>")]
        assert re.search(r'name="param:veces" value="" required type="number" step="1"', form)
        assert "required</span>" in form.split("param:veces")[0].rsplit("run-field", 1)[1]
        assert 'name="param:nombre" value="ana" type="text"' in form, "the deployment's value"
        assert re.search(r'name="param:ruidoso" type="checkbox" value="on">', form)
        assert 'name="param:factor" value="" type="number" step="any"' in form
        assert re.search(r"<textarea [^>]*>\[&#34;a&#34;\]</textarea>", form), "a list is JSON"

    async def test_run_creates_a_run_with_the_typed_parameters(self, ui, store, deployment):
        token = await _token(ui, deployment)
        form = _run_form(token, veces="3", nombre="eva", factor="1.5", etiquetas='["x", "y"]')
        made = await ui.post(
            f"/deployments/{deployment.id}/run", data={**form, "param:ruidoso": "on"}
        )
        assert made.status_code == 303
        (run,) = _runs(store, deployment)
        assert made.headers["location"] == f"/flow-runs/{run.id}"
        assert run.parameters == {
            "veces": 3,
            "nombre": "eva",
            "ruidoso": True,
            "factor": 1.5,
            "etiquetas": ["x", "y"],
        }
        assert type(run.parameters["veces"]) is int
        assert (await ui.get(made.headers["location"])).status_code == 200

    async def test_an_unchecked_box_is_false_and_an_empty_nullable_is_null(
        self, ui, store, deployment
    ):
        token = await _token(ui, deployment)
        form = _run_form(token, veces="2", nombre="ana", factor="", etiquetas="")
        assert (await ui.post(f"/deployments/{deployment.id}/run", data=form)).status_code == 303
        (run,) = _runs(store, deployment)
        assert run.parameters == {"veces": 2, "nombre": "ana", "ruidoso": False, "factor": None}

    async def test_a_bad_integer_reshows_the_form_naming_it_and_makes_no_run(
        self, ui, store, deployment
    ):
        token = await _token(ui, deployment)
        form = _run_form(token, veces="tres", nombre="lo que escribí <b>")
        refused = await ui.post(f"/deployments/{deployment.id}/run", data=form)
        assert refused.status_code == 422
        message = re.search(r'<p class="run-problem" role="alert">(.*?)</p>', refused.text)
        assert message
        assert html.unescape(message.group(1)) == "parameter 'veces' must be an integer, got 'tres'"
        assert 'name="param:veces" value="tres"' in refused.text, "what was typed stays"
        assert 'value="lo que escribí &lt;b&gt;"' in refused.text
        assert _runs(store, deployment) == []

    async def test_a_missing_required_parameter_is_named_by_the_cores_check(
        self, ui, store, deployment
    ):
        token = await _token(ui, deployment)
        refused = await ui.post(f"/deployments/{deployment.id}/run", data=_run_form(token))
        assert refused.status_code == 422
        assert "parameter &#39;veces&#39; is required and has no default" in refused.text
        assert _runs(store, deployment) == []

    async def test_bad_json_is_named(self, ui, store, deployment):
        token = await _token(ui, deployment)
        form = _run_form(token, veces="1", etiquetas="[1,")
        refused = await ui.post(f"/deployments/{deployment.id}/run", data=form)
        assert refused.status_code == 422
        assert "parameter &#39;etiquetas&#39; must be JSON" in refused.text
        assert _runs(store, deployment) == []
