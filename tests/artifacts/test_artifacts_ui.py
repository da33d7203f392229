"""A flow run's page in-process: its Artifacts section, each kind shown as what it is,
and nothing a flow put in an artifact runs in the browser."""

from __future__ import annotations

import re
import uuid
from html.parser import HTMLParser

import httpx
import pytest

from cauce import flow
from cauce.artifacts import (
    create_image_artifact,
    create_link_artifact,
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
)
from cauce.context import FlowRunContext
from tests.conftest import Store
from tests.ui.conftest import ui

__all__ = ["ui"]

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.embedded_only(
        "the in-process app serves the store's database, which the http store does not use"
    ),
]

SCRIPT = "<script>alert(1)</script>"


def _run_id() -> uuid.UUID:
    context = FlowRunContext.get()
    assert context is not None
    return context.flow_run.id


@flow
def informe() -> uuid.UUID:
    create_markdown_artifact("# Resumen\n\n**3** filas, [docs](https://example.com/docs)")
    create_table_artifact([{"ciudad": "Rosario", "n": 3}, {"ciudad": "Lima", "n": None}])
    create_table_artifact({"a": [1, 2], "b": ["x"]}, key="columnas")
    create_link_artifact("https://example.com/datos", link_text="los datos")
    create_progress_artifact(42.5, key="avance")
    create_image_artifact("https://example.com/g.png", key="grafico", description="gráfico")
    return _run_id()


@flow
def malicioso() -> uuid.UUID:
    create_markdown_artifact(f"hola {SCRIPT} <img src=x onerror=alert(2)> [x](javascript:alert(3))")
    create_table_artifact([{SCRIPT: SCRIPT}], description=SCRIPT)
    create_link_artifact("javascript:alert(4)", link_text=SCRIPT)
    create_link_artifact('https://example.com/"><script>alert(5)</script>', link_text="ok")
    create_progress_artifact(150, key="exceso")
    create_image_artifact("javascript:alert(6)")
    create_image_artifact('https://example.com/a.png" onerror="alert(7)')
    return _run_id()


def _tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Every tag a browser would make of `html`, with its attributes."""

    class Tags(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.found.append((tag, attrs))

    parser = Tags()
    parser.feed(html)
    return parser.found


def _section(page: str) -> str:
    found = re.search(r'<section class="artifacts">.*?</section>', page, re.S)
    assert found, "the page has an Artifacts section"
    return found.group(0)


@flow
def sin_artefactos() -> uuid.UUID:
    return _run_id()


class TestArtifactsSection:
    async def test_each_kind_is_shown_as_what_it_is(
        self, store: Store, ui: httpx.AsyncClient
    ) -> None:
        run_id = informe()
        page = await ui.get(f"/flow-runs/{run_id}")
        assert page.status_code == 200
        section = _section(page.text)
        assert "<h1>Resumen</h1>" in section
        assert '<strong>3</strong> filas, <a href="https://example.com/docs">docs</a>' in section
        assert "<th>ciudad</th><th>n</th>" in section
        assert "<td>Rosario</td><td>3</td>" in section and "<td>Lima</td><td></td>" in section
        assert "<th>a</th><th>b</th>" in section and "<td>2</td><td></td>" in section
        assert '<a class="artifact-link" href="https://example.com/datos"' in section
        assert ">los datos</a>" in section
        assert '<progress max="100" value="42.5">' in section
        assert '<img src="https://example.com/g.png" alt="gráfico">' in section
        # In the order the flow made them.
        assert section.index("Resumen") < section.index("ciudad") < section.index("grafico")

    async def test_a_run_without_artifacts_has_no_section(
        self, store: Store, ui: httpx.AsyncClient
    ) -> None:
        run_id = sin_artefactos()
        page = await ui.get(f"/flow-runs/{run_id}")
        assert page.status_code == 200 and "Artifacts" not in page.text

    async def test_a_run_shows_only_its_own_artifacts(
        self, store: Store, ui: httpx.AsyncClient
    ) -> None:
        informe()
        run_id = sin_artefactos()
        await create_markdown_artifact("fuera de toda corrida")  # outside a run, in a loop
        page = await ui.get(f"/flow-runs/{run_id}")
        assert "Artifacts" not in page.text and "fuera de toda" not in page.text


class TestEscaping:
    async def test_script_in_every_kind_is_shown_as_text(
        self, store: Store, ui: httpx.AsyncClient
    ) -> None:
        run_id = malicioso()
        section = _section((await ui.get(f"/flow-runs/{run_id}")).text)
        tags = _tags(section)
        assert "script" not in [name for name, _ in tags]
        attributes = [(name, value or "") for _, attrs in tags for name, value in attrs]
        assert [name for name, _ in attributes if name.startswith("on")] == []
        urls = [value for name, value in attributes if name in ("href", "src")]
        assert urls and all(url.startswith("https://example.com/") for url in urls), urls
        assert "hola &lt;script&gt;alert(1)&lt;/script&gt;" in section
        assert "<th>&lt;script&gt;alert(1)&lt;/script&gt;</th>" in section
        assert "<code>javascript:alert(4)</code>" in section
        assert 'href="https://example.com/&#34;&gt;&lt;script&gt;alert(5)' in section
        assert '<progress max="100" value="100.0">' in section
        assert "<code>javascript:alert(6)</code>" in section
        assert 'src="https://example.com/a.png&#34; onerror=&#34;alert(7)"' in section
