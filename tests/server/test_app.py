"""The app around the routers: health, OpenAPI, docs, the page at /, and basic auth."""

from __future__ import annotations

import re

import pytest

from cauce.settings import get_settings
from tests.server.conftest import open_api, with_auth

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.embedded_only(
        "the in-process app serves the store's database, which the http store does not use"
    ),
]

ENDPOINTS = {
    ("post", "/api/flow_runs"),
    ("get", "/api/flow_runs/{flow_run_id}"),
    ("delete", "/api/flow_runs/{flow_run_id}"),
    ("patch", "/api/flow_runs/{flow_run_id}"),
    ("post", "/api/flow_runs/filter"),
    ("get", "/api/flow_runs/{flow_run_id}/subflow_runs"),
    ("get", "/api/flow_runs/{flow_run_id}/states"),
    ("post", "/api/flow_runs/{flow_run_id}/set_state"),
    ("get", "/api/flow_runs/{flow_run_id}/task_runs"),
    ("get", "/api/flow_runs/{flow_run_id}/logs"),
    ("get", "/api/task_runs/{task_run_id}/states"),
    ("get", "/api/flows"),
    ("post", "/api/batches"),
    ("post", "/api/work_pools"),
    ("get", "/api/work_pools"),
    ("get", "/api/work_pools/{name}"),
    ("patch", "/api/work_pools/{name}"),
    ("delete", "/api/work_pools/{name}"),
    ("post", "/api/deployments"),
    ("get", "/api/deployments"),
    ("get", "/api/deployments/{deployment_id}"),
    ("delete", "/api/deployments/{deployment_id}"),
    ("get", "/api/deployments/name/{flow_name}/{deployment_name}"),
    ("post", "/api/deployments/{deployment_id}/set_paused"),
    ("post", "/api/deployments/{deployment_id}/schedules"),
    ("post", "/api/deployments/{deployment_id}/schedules/{schedule_id}/set_active"),
    ("delete", "/api/deployments/{deployment_id}/schedules/{schedule_id}"),
    ("post", "/api/deployments/{deployment_id}/create_flow_run"),
    ("get", "/api/workers"),
    ("post", "/api/workers/heartbeat"),
    ("post", "/api/workers/stopped"),
    ("post", "/api/workers/claim"),
    ("post", "/api/flow_run_heartbeats"),
    ("post", "/api/flow_runs/{flow_run_id}/crash"),
    ("put", "/api/flow_runs/{flow_run_id}/retries"),
    ("post", "/api/flow_runs/{flow_run_id}/cancel"),
    ("post", "/api/flow_runs/{flow_run_id}/resume"),
    ("post", "/api/watchdog/run"),
    ("post", "/api/variables/"),
    ("post", "/api/variables/filter"),
    ("get", "/api/variables/name/{name}"),
    ("patch", "/api/variables/name/{name}"),
    ("delete", "/api/variables/name/{name}"),
    ("post", "/api/artifacts/"),
    ("get", "/api/artifacts/{artifact_id}"),
    ("patch", "/api/artifacts/{artifact_id}"),
    ("delete", "/api/artifacts/{artifact_id}"),
    ("post", "/api/artifacts/filter"),
    ("post", "/api/artifacts/latest/filter"),
    ("get", "/api/artifacts/{key}/latest"),
    ("post", "/api/v2/concurrency_limits/"),
    ("post", "/api/v2/concurrency_limits/filter"),
    ("get", "/api/v2/concurrency_limits/{id_or_name}"),
    ("patch", "/api/v2/concurrency_limits/{id_or_name}"),
    ("delete", "/api/v2/concurrency_limits/{id_or_name}"),
    ("post", "/api/v2/concurrency_limits/increment"),
    ("post", "/api/v2/concurrency_limits/decrement"),
    ("post", "/api/block_documents/"),
    ("post", "/api/block_documents/filter"),
    ("get", "/api/block_types/slug/{slug}/block_documents/name/{name}"),
    ("delete", "/api/block_types/slug/{slug}/block_documents/name/{name}"),
    ("post", "/api/events"),
    ("post", "/api/events/filter"),
    ("get", "/api/health"),
}


async def test_openapi_lists_every_endpoint_and_docs_point_at_it(api_client):
    document = (await api_client.get("/api/openapi.json")).json()
    served = {(verb, path) for path, verbs in document["paths"].items() for verb in verbs}
    assert served == ENDPOINTS
    docs = await api_client.get("/docs")
    assert docs.status_code == 200
    assert "/api/openapi.json" in docs.text


async def test_docs_load_their_scripts_from_the_server_not_a_cdn(api_client):
    page = (await api_client.get("/docs")).text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert {"/docs/static/swagger-ui-bundle.js", "/docs/static/swagger-ui.css"} <= set(assets)
    assert not [url for url in assets if "://" in url]
    script = await api_client.get("/docs/static/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert "SwaggerUIBundle" in script.text


async def test_health_and_the_ui_at_the_root(api_client):
    assert (await api_client.get("/api/health")).json()["status"] == "ok"
    page = await api_client.get("/")
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>Flow runs</h1>" in page.text
    assert 'href="/docs"' in page.text


async def test_without_auth_string_the_api_is_open(api_client):
    assert (await api_client.get("/api/flows")).status_code == 200


class TestBasicAuth:
    @pytest.fixture
    async def secured(self, store):
        async with open_api(with_auth(get_settings(), "ana:s3cr:et")) as client:
            yield client

    async def test_missing_credentials_are_401_with_a_basic_challenge(self, secured):
        for path in ("/api/flows", "/api/openapi.json"):
            response = await secured.get(path)
            assert response.status_code == 401, path
            assert response.headers["www-authenticate"].startswith("Basic")
            assert "Authentication required" in response.json()["detail"]

    async def test_wrong_credentials_are_401(self, secured):
        for auth in (("ana", "wrong"), ("bea", "s3cr:et")):
            response = await secured.get("/api/flows", auth=auth)
            assert response.status_code == 401
            assert response.json()["detail"] == "Wrong user or password"
        malformed = await secured.get("/api/flows", headers={"Authorization": "Basic ???"})
        assert malformed.json()["detail"] == "Malformed basic auth credentials"

    async def test_right_credentials_pass_and_health_stays_open(self, secured):
        assert (await secured.get("/api/flows", auth=("ana", "s3cr:et"))).status_code == 200
        assert (await secured.get("/", auth=("ana", "s3cr:et"))).status_code == 200
        assert (await secured.get("/api/health")).status_code == 200
        assert (await secured.get("/")).status_code == 401


class TestOpenApiSecurity:
    async def test_with_auth_the_document_says_api_routes_need_basic_auth(self, store):
        async with open_api(with_auth(get_settings(), "ana:s3cr:et")) as secured:
            response = await secured.get("/api/openapi.json", auth=("ana", "s3cr:et"))
            document = response.json()
            docs = await secured.get("/docs")
        assert document["components"]["securitySchemes"] == {
            "basicAuth": {
                "type": "http",
                "scheme": "basic",
                "description": "The user:password of CAUCE_API_AUTH_STRING.",
            }
        }
        for path, verbs in document["paths"].items():
            for verb, operation in verbs.items():
                if path == "/api/health":
                    assert "security" not in operation
                    assert "401" not in operation["responses"]
                else:
                    assert operation["security"] == [{"basicAuth": []}], (verb, path)
                    assert "401" in operation["responses"], (verb, path)
        assert docs.status_code == 200  # Swagger UI: its Authorize button comes from the scheme

    async def test_without_auth_the_document_has_no_security(self, api_client):
        document = (await api_client.get("/api/openapi.json")).json()
        assert "securitySchemes" not in document.get("components", {})
        for verbs in document["paths"].values():
            for operation in verbs.values():
                assert "security" not in operation
                assert "401" not in operation["responses"]
