"""Basic auth with CAUCE_API_AUTH_STRING set: only the exact user:password opens /api.

Each request goes through the in-process app, as a client on the network would
send it: anything short of the exact credentials is a 401 with a Basic
challenge, whatever part of them it gets right.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import httpx
import pytest

from cauce.settings import get_settings
from tests.conftest import Store
from tests.server.conftest import flow_run_body, open_api, with_auth

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.embedded_only(
        "the in-process app serves the store's database, which the http store does not use"
    ),
]

USER, PASSWORD = "ana", "s3cr:et"


def basic(credentials: str, scheme: str = "Basic") -> dict[str, str]:
    """An Authorization header carrying `credentials` base64-encoded under `scheme`."""
    encoded = base64.b64encode(credentials.encode()).decode()
    return {"Authorization": f"{scheme} {encoded}"}


@pytest.fixture
async def secured(store: Store) -> AsyncIterator[httpx.AsyncClient]:
    async with open_api(with_auth(get_settings(), f"{USER}:{PASSWORD}")) as client:
        yield client


async def assert_refused(client: httpx.AsyncClient, headers: dict[str, str], detail: str) -> None:
    response = await client.get("/api/flows", headers=headers)
    assert response.status_code == 401, headers
    assert response.headers["www-authenticate"] == 'Basic realm="cauce"'
    assert response.json() == {"detail": detail}


class TestPartialCredentials:
    @pytest.mark.parametrize(
        "credentials",
        [f"{USER}:s3cr", f"{USER}:s3cr:", f"{USER}:", USER, "a", ""],
        ids=[
            "password-prefix",
            "password-prefix-to-colon",
            "user-and-colon",
            "user-only",
            "a",
            "empty",
        ],
    )
    async def test_a_prefix_of_the_credentials_is_refused(
        self, secured: httpx.AsyncClient, credentials: str
    ) -> None:
        await assert_refused(secured, basic(credentials), "Wrong user or password")

    async def test_more_than_the_credentials_is_refused(self, secured: httpx.AsyncClient) -> None:
        await assert_refused(secured, basic(f"{USER}:{PASSWORD}x"), "Wrong user or password")

    @pytest.mark.parametrize(
        "credentials",
        [f"ANA:{PASSWORD}", f"Ana:{PASSWORD}", f"{USER}:S3CR:ET", f"{USER}:s3cr:eT"],
        ids=["user-upper", "user-capitalised", "password-upper", "password-one-letter"],
    )
    async def test_user_and_password_are_case_sensitive(
        self, secured: httpx.AsyncClient, credentials: str
    ) -> None:
        await assert_refused(secured, basic(credentials), "Wrong user or password")


class TestMalformedHeaders:
    @pytest.mark.parametrize("header", ["Basic ", "Basic", "Basic    "], ids=repr)
    async def test_basic_with_nothing_after_it_is_refused(
        self, secured: httpx.AsyncClient, header: str
    ) -> None:
        await assert_refused(secured, {"Authorization": header}, "Wrong user or password")

    @pytest.mark.parametrize(
        "encoded",
        ["???", "YW5h OnMzY3I6ZXQ=", "YW5hOnMzY3I6ZXQ", "ana:s3cr:et"],
        ids=["not-base64", "space-inside", "missing-padding", "plain-text"],
    )
    async def test_malformed_base64_is_refused(
        self, secured: httpx.AsyncClient, encoded: str
    ) -> None:
        headers = {"Authorization": f"Basic {encoded}"}
        await assert_refused(secured, headers, "Malformed basic auth credentials")

    @pytest.mark.parametrize("scheme", ["Bearer", "Digest", "Basicx", ""])
    async def test_another_scheme_is_refused_even_with_the_right_credentials(
        self, secured: httpx.AsyncClient, scheme: str
    ) -> None:
        headers = basic(f"{USER}:{PASSWORD}", scheme=scheme)
        await assert_refused(secured, headers, "Authentication must use the Basic scheme")

    async def test_an_empty_header_asks_for_credentials(self, secured: httpx.AsyncClient) -> None:
        await assert_refused(
            secured,
            {"Authorization": ""},
            "Authentication required: send HTTP basic auth (CAUCE_API_AUTH_STRING)",
        )


class TestExactCredentials:
    async def test_the_exact_credentials_open_the_api(self, secured: httpx.AsyncClient) -> None:
        response = await secured.get("/api/flows", headers=basic(f"{USER}:{PASSWORD}"))
        assert response.status_code == 200
        assert response.json() == []

    @pytest.mark.parametrize("scheme", ["basic", "BASIC", "bAsIc"])
    async def test_the_scheme_name_is_case_insensitive(
        self, secured: httpx.AsyncClient, scheme: str
    ) -> None:
        response = await secured.get("/api/flows", headers=basic(f"{USER}:{PASSWORD}", scheme))
        assert response.status_code == 200

    async def test_spaces_around_the_encoded_credentials_are_ignored(
        self, secured: httpx.AsyncClient
    ) -> None:
        encoded = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        response = await secured.get("/api/flows", headers={"Authorization": f"Basic   {encoded} "})
        assert response.status_code == 200


class TestOpenPaths:
    @pytest.mark.parametrize(
        "headers", [{}, basic(f"{USER}:wrong"), {"Authorization": "Bearer x"}], ids=str
    )
    async def test_health_answers_without_the_credentials(
        self, secured: httpx.AsyncClient, headers: dict[str, str]
    ) -> None:
        response = await secured.get("/api/health", headers=headers)
        assert response.status_code == 200
        assert response.json()["status"] == "ok"

    @pytest.mark.parametrize("path", ["/api", "/api/", "/api/health/", "/api/healthz"])
    async def test_other_api_paths_need_them(self, secured: httpx.AsyncClient, path: str) -> None:
        response = await secured.get(path)
        assert response.status_code == 401, path

    @pytest.mark.parametrize("path", ["/docs", "/docs/static/swagger-ui.css"])
    async def test_the_api_docs_page_stays_open(
        self, secured: httpx.AsyncClient, path: str
    ) -> None:
        response = await secured.get(path)
        assert response.status_code == 200, path

    @pytest.mark.parametrize(
        "path",
        ["/", "/flow-runs", "/flow-runs/rows", "/ui/static/htmx.min.js", "/apix", "/docsx"],
    )
    async def test_the_ui_and_any_other_path_need_them(
        self, secured: httpx.AsyncClient, path: str
    ) -> None:
        response = await secured.get(path)
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"] == 'Basic realm="cauce"'


class TestRequestsPassThrough:
    async def test_a_request_body_reaches_the_api_with_the_credentials(
        self, secured: httpx.AsyncClient
    ) -> None:
        response = await secured.post(
            "/api/flow_runs", json=flow_run_body(), headers=basic(f"{USER}:{PASSWORD}")
        )
        assert response.status_code == 201, response.text
