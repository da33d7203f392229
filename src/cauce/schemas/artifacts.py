"""Artifacts as stored and read back: what a run made for people to see.

An artifact has a type (Prefect's: markdown, table, link, progress, image; any other
name is kept as it is and shown as JSON), its data as JSON, and optionally a key. The
artifacts with one key are versions of one thing, the newest being the one listed.
What a key and each type's data may be are Prefect's rules, written here once and
checked by the core (orchestration/artifacts.py).
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from cauce.ids import new_id
from cauce.states import now_utc

MAX_KEY_LENGTH = 255
MAX_TYPE_LENGTH = 64
_KEY = re.compile(r"[a-z0-9-]+")


class ArtifactType(StrEnum):
    """The kinds of artifact cauce shows (Prefect's names)."""

    MARKDOWN = "markdown"
    """`data` is markdown text."""
    TABLE = "table"
    """`data` is a list of rows (dicts or lists) or a dict of columns."""
    LINK = "link"
    """`data` is {"link": URL, "link_text": text or None}."""
    PROGRESS = "progress"
    """`data` is a number, the percentage done (0 to 100)."""
    IMAGE = "image"
    """`data` is the image's URL."""


def key_problem(key: str | None) -> str | None:
    """What is wrong with `key` as an artifact's key, in words; None if nothing."""
    if key is None:
        return None
    if len(key) > MAX_KEY_LENGTH:
        return f"artifact key {key[:20]!r}... is {len(key)} characters long; the most is 255"
    if not _KEY.fullmatch(key):
        return (
            f"artifact key {key!r} may hold only lowercase letters, digits and dashes "
            "(and is not empty)"
        )
    return None


def data_problem(kind: str, data: Any) -> str | None:
    """What is wrong with `data` as the data of an artifact of type `kind`; None if nothing."""
    if not kind or len(kind) > MAX_TYPE_LENGTH:
        return f"artifact type {kind[:20]!r} must be 1 to {MAX_TYPE_LENGTH} characters"
    if kind in (ArtifactType.MARKDOWN, ArtifactType.IMAGE) and not isinstance(data, str):
        return f"the data of a {kind} artifact must be a string, not {type(data).__name__}"
    if kind == ArtifactType.TABLE and not _is_table(data):
        return (
            "the data of a table artifact must be a list of dicts, a dict of lists "
            "or a list of lists"
        )
    if kind == ArtifactType.LINK and not (
        isinstance(data, dict)
        and isinstance(data.get("link"), str)
        and isinstance(data.get("link_text"), str | None)
    ):
        return 'the data of a link artifact must be {"link": URL, "link_text": text or null}'
    if kind == ArtifactType.PROGRESS and not _is_number(data):
        return f"the progress of an artifact must be a number, not {data!r}"
    return None


def _is_number(data: Any) -> bool:
    return isinstance(data, int | float) and not isinstance(data, bool) and math.isfinite(data)


def _is_table(data: Any) -> bool:
    if isinstance(data, dict):
        return all(isinstance(column, list) for column in data.values())
    if isinstance(data, list):
        return all(isinstance(row, dict) for row in data) or all(
            isinstance(row, list) for row in data
        )
    return False


def without_nan(data: Any) -> Any:
    """`data` with every NaN replaced by None, as Prefect's tables (JSON has no NaN)."""
    if isinstance(data, list):
        return [without_nan(item) for item in data]
    if isinstance(data, dict):
        return {key: without_nan(value) for key, value in data.items()}
    if isinstance(data, float) and math.isnan(data):
        return None
    return data


@dataclass(slots=True)
class StoredArtifact:
    """One artifact (one version, when it has a key) and the run it belongs to, if any."""

    type: str
    data: Any
    key: str | None = None
    description: str | None = None
    flow_run_id: uuid.UUID | None = None
    task_run_id: uuid.UUID | None = None
    id: uuid.UUID = field(default_factory=new_id)
    created: datetime = field(default_factory=now_utc)
    updated: datetime = field(default_factory=now_utc)


class ArtifactSort(StrEnum):
    """The order artifacts are listed in (Prefect's names)."""

    CREATED_DESC = "CREATED_DESC"
    UPDATED_DESC = "UPDATED_DESC"
    ID_DESC = "ID_DESC"
    KEY_DESC = "KEY_DESC"
    KEY_ASC = "KEY_ASC"


@dataclass(slots=True)
class ArtifactFilter:
    """Which artifacts to list: all of the given conditions hold.

    `key_like` matches anywhere in the key, any case (SQL's `%` and `_` wildcards);
    `has_key`: True for artifacts with a key only, False for those without.
    """

    ids: list[uuid.UUID] | None = None
    keys: list[str] | None = None
    key_like: str | None = None
    has_key: bool | None = None
    flow_run_ids: list[uuid.UUID] | None = None
    task_run_ids: list[uuid.UUID] | None = None
    types: list[str] | None = None
    sort: ArtifactSort = ArtifactSort.CREATED_DESC
    offset: int = 0
    limit: int | None = None
