"""Schemathesis over /api/openapi.json of a real `cauce server start`: no 5xx, no schema violations.

Every operation of the document is called with generated requests, valid ones
and invalid ones, against a server subprocess on a fresh CAUCE_HOME (its own
SQLite file). Each response must not be a server error, must carry a status
code and a content type the document lists for the operation, and a body that
conforms to the schema documented for that status. Invalid input must be
refused with a 4xx; valid input must not be.

The operations are read from the app's own document when the module is
collected (schemathesis's fixture-based loader does not run on pytest 9), and
the test checks that the server serves that same document. Generation is
deterministic (derandomised, fixed example counts), so a failure here is the
same failure on every run.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from schemathesis.specs.openapi.checks import positive_data_acceptance, unsupported_method

from cauce.server.app import create_app
from cauce.settings import get_settings
from tests.conftest import free_port, start_server, stop_server
from tests.server.conftest import with_auth

pytestmark = pytest.mark.http

MAX_EXAMPLES = 40

# Operations whose values the core checks beyond what JSON Schema can say (a pool type
# it runs, a cron expression that parses, a zone that exists, a pool that exists,
# parameters that fit the deployment's schema, an artifact's data that fits its type, an
# event's resource with an id and its related resources with a role, a limit in range):
# a schema-valid request may be refused
# there with a 422 whose detail is the core's sentence. A 422 listing fields is still a
# schema-valid request rejected, and fails.
CORE_CHECKED = {
    ("POST", "/api/work_pools"),
    ("POST", "/api/deployments"),
    ("POST", "/api/deployments/{deployment_id}/schedules"),
    ("POST", "/api/artifacts/"),
    ("PATCH", "/api/artifacts/{artifact_id}"),
    ("POST", "/api/v2/concurrency_limits/"),
    ("PATCH", "/api/v2/concurrency_limits/{id_or_name}"),
    ("POST", "/api/v2/concurrency_limits/increment"),
    ("POST", "/api/events"),
    ("POST", "/api/events/filter"),
}

DOCUMENT = create_app(with_auth(get_settings(), "")).openapi()

schema = schemathesis.openapi.from_dict(
    DOCUMENT,
    config=schemathesis.Config.from_dict(
        {"generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True}}
    ),
)


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A `cauce server start` on a fresh CAUCE_HOME, serving the document fuzzed here."""
    home = tmp_path_factory.mktemp("fuzz-server") / "home"
    port = free_port()
    process = start_server(home, port, home.parent / "server.log")
    url = f"http://127.0.0.1:{port}"
    try:
        assert httpx.get(f"{url}/api/openapi.json").json() == DOCUMENT
        yield url
    finally:
        stop_server(process)


@schema.parametrize()
def test_api_conforms_to_its_openapi_document(case: schemathesis.Case, server_url: str) -> None:
    excluded = []
    if case.operation.path in ("/api/flow_runs/filter", "/api/artifacts/filter"):
        # GET and DELETE /api/flow_runs/filter are /api/flow_runs/{flow_run_id} with the
        # id "filter" (PATCH /api/artifacts/filter likewise): a 422 naming the id, as for
        # every malformed id, not a 405.
        excluded.append(unsupported_method)
    response = case.call(base_url=server_url)
    if (case.operation.method.upper(), case.operation.path) in CORE_CHECKED and _is_refusal(
        response
    ):
        excluded.append(positive_data_acceptance)
    if _is_time_out_of_utc(response) or _is_lone_surrogate(response):
        excluded.append(positive_data_acceptance)
    case.validate_response(
        response, excluded_checks=excluded, transport_kwargs={"base_url": server_url}
    )


def _is_refusal(response: schemathesis.Response) -> bool:
    """A 422 with the core's one-line reason, not pydantic's list of fields."""
    try:
        return response.status_code == 422 and isinstance(response.json()["detail"], str)
    except (ValueError, KeyError, TypeError):
        return False


def _is_time_out_of_utc(response: schemathesis.Response) -> bool:
    """A 422 only for times that JSON Schema's date-time allows but UTC cannot hold (year
    1 at +01:01 is before the first instant): a limit the document cannot state."""
    try:
        errors = response.json()["detail"] if response.status_code == 422 else None
        return bool(errors) and all(
            "out of range once converted to UTC" in error["msg"] for error in errors
        )
    except (ValueError, KeyError, TypeError):
        return False


def _is_lone_surrogate(response: schemathesis.Response) -> bool:
    """A 422 only for a string holding half a UTF-16 pair (JSON's "\\ud800"): valid JSON
    Schema, but no text a database can store."""
    try:
        detail = response.json()["detail"] if response.status_code == 422 else None
        return isinstance(detail, str) and "lone surrogate" in detail
    except (ValueError, KeyError, TypeError):
        return False
