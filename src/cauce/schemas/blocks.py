"""Block documents as stored and read back: a block's fields, saved under a name.

A block document is named by its block type's slug and its own name together
(`secret/db-password`): two block types may each have a document named `erp`.
What a name may be is Prefect's rule for block document names: lowercase letters,
digits and dashes.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cauce.ids import new_id
from cauce.states import now_utc

MAX_NAME_LENGTH = 255
_NAME = re.compile(r"[a-z0-9-]+")


def name_problem(kind: str, name: str) -> str | None:
    """What is wrong with `name` as a block's `kind` ("name", "type slug"); None if nothing."""
    if not name:
        return f"a block needs a {kind}"
    if len(name) > MAX_NAME_LENGTH:
        return f"block {kind} {name[:20]!r}... is {len(name)} characters; the most is 255"
    if not _NAME.fullmatch(name):
        return f"block {kind} {name!r} may hold only lowercase letters, digits and dashes"
    return None


@dataclass(slots=True)
class StoredBlockDocument:
    """One saved block: its block type's `slug`, its `name`, and its fields as JSON
    (`data`, secret values included: the store keeps them as they are)."""

    slug: str
    name: str
    data: dict[str, Any] = field(repr=False)  # secret values as they are
    id: uuid.UUID = field(default_factory=new_id)
    created: datetime = field(default_factory=now_utc)
    updated: datetime = field(default_factory=now_utc)

    @property
    def full_name(self) -> str:
        """`slug/name`, as the CLI names a block."""
        return f"{self.slug}/{self.name}"
