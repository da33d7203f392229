"""A server asked only over /api holds none of what only the pages need.

The pages' Jinja2 (and the artifacts' Markdown) load at the first page rendered,
so an idle server, or one only workers and flows talk to, does not carry them.
"""

from __future__ import annotations

import pytest

from tests.conftest import json_printed_by

pytestmark = pytest.mark.embedded_only("starts an app of its own on a fresh home")

PAGES_ONLY = ("jinja2", "markdown_it")

SERVE_API_THEN_A_PAGE = """
import json, sys
from fastapi.testclient import TestClient
from cauce.server.app import create_app
from cauce.settings import get_settings

with TestClient(create_app(get_settings())) as client:
    health = client.get("/api/health").status_code
    openapi = client.get("/api/openapi.json").status_code
    after_api = sorted(m.split(".")[0] for m in sys.modules)
    page = client.get("/").status_code
    after_page = sorted(m.split(".")[0] for m in sys.modules)
print(json.dumps([health, openapi, after_api, page, after_page]))
"""


def test_the_pages_libraries_load_at_the_first_page_not_at_start(cauce_home):
    health, openapi, after_api, page, after_page = json_printed_by(SERVE_API_THEN_A_PAGE)
    assert (health, openapi, page) == (200, 200, 200)
    assert not set(PAGES_ONLY) & set(after_api)
    assert "jinja2" in after_page
