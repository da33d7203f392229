"""What a run's page shows of its artifacts: each one as HTML that runs nothing.

Markdown is rendered by markdown-it's "js-default" preset, which escapes raw HTML and
refuses javascript:, vbscript:, file: and data: links; everything else reaches the page
as text for the autoescaping templates. Links and images are links and images only for
http and https URLs: any other URL is shown as text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from itertools import zip_longest
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from markupsafe import Markup

from cauce.schemas.artifacts import StoredArtifact

if TYPE_CHECKING:
    from markdown_it import MarkdownIt


@dataclass(slots=True)
class ArtifactView:
    """One artifact as the template reads it; the fields its type uses are set."""

    artifact: StoredArtifact
    html: Markup | None = None
    """Rendered markdown."""
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    url: str | None = None
    """A link's or image's URL, when it is http or https."""
    raw_url: str = ""
    """A link's or image's URL as given, shown as text when it is not http or https."""
    text: str = ""
    """A link's text, an unsafe URL, or the JSON of a type the page does not know."""
    progress: float = 0.0


@cache
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("js-default")


def _is_web(url: str) -> bool:
    try:
        return urlsplit(url.strip()).scheme.lower() in ("http", "https")
    except ValueError:
        return False


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _table(view: ArtifactView, data: Any) -> None:
    if isinstance(data, dict):
        view.columns = [str(name) for name in data]
        columns = [list(values) for values in data.values()]
        view.rows = [[_cell(v) for v in row] for row in zip_longest(*columns)]
    elif data and all(isinstance(row, dict) for row in data):
        view.columns = list(dict.fromkeys(str(name) for row in data for name in row))
        view.rows = [[_cell(row.get(name)) for name in view.columns] for row in data]
    else:
        view.rows = [[_cell(v) for v in row] for row in data]


def artifact_view(artifact: StoredArtifact) -> ArtifactView:
    """How `artifact` is shown: by its type, or as JSON for a type the page does not know."""
    view = ArtifactView(artifact)
    data = artifact.data
    if artifact.type == "markdown" and isinstance(data, str):
        view.html = Markup(_markdown().render(data))
    elif artifact.type == "table" and isinstance(data, dict | list):
        _table(view, data)
    elif artifact.type == "link" and isinstance(data, dict):
        link = str(data.get("link", ""))
        view.url, view.raw_url = (link if _is_web(link) else None), link
        view.text = str(data.get("link_text") or link)
    elif artifact.type == "progress" and isinstance(data, int | float):
        view.progress = min(max(float(data), 0.0), 100.0)
    elif artifact.type == "image" and isinstance(data, str):
        view.url, view.raw_url = (data if _is_web(data) else None), data
    else:
        view.text = json.dumps(data, indent=2, ensure_ascii=False)
    return view
