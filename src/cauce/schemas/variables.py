"""Variables as stored and read back: a named JSON value that flows read at run time.

What a name and a value may be are Prefect's rules: a name is lowercase letters,
digits, underscores and dashes, at most 255 characters; a value is JSON of at most
5,000 characters.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from cauce.ids import new_id
from cauce.states import now_utc

MAX_NAME_LENGTH = 255
MAX_VALUE_LENGTH = 5000
_NAME = re.compile(r"[a-z0-9_-]+")


def name_problem(name: str) -> str | None:
    """What is wrong with `name` as a variable's name, in words; None if nothing."""
    if not name:
        return "a variable needs a name"
    if len(name) > MAX_NAME_LENGTH:
        return (
            f"variable name {name[:20]!r}... is {len(name)} characters long; "
            f"the most is {MAX_NAME_LENGTH}"
        )
    if not _NAME.fullmatch(name):
        return (
            f"variable name {name!r} may hold only lowercase letters, digits, "
            "underscores and dashes"
        )
    return None


def value_problem(name: str, value: Any) -> str | None:
    """What is wrong with `value` as the value of variable `name`; None if nothing."""
    try:
        encoded = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        return (
            f"the value of variable {name!r} is not JSON (str, int, float, bool, None, "
            f"list or dict): {exc}"
        )
    if len(encoded) > MAX_VALUE_LENGTH:
        return (
            f"the value of variable {name!r} is {len(encoded)} characters as JSON; "
            f"the most is {MAX_VALUE_LENGTH}"
        )
    return None


@dataclass(slots=True)
class StoredVariable:
    """One variable: its unique `name`, a JSON `value` (str, int, float, bool, None,
    list or dict) and its tags."""

    name: str
    value: Any
    tags: list[str] = field(default_factory=list)
    id: uuid.UUID = field(default_factory=new_id)
    created: datetime = field(default_factory=now_utc)
    updated: datetime = field(default_factory=now_utc)


class VariableSort(StrEnum):
    """The order variables are listed in (Prefect's names)."""

    NAME_ASC = "NAME_ASC"
    NAME_DESC = "NAME_DESC"
    CREATED_DESC = "CREATED_DESC"
    UPDATED_DESC = "UPDATED_DESC"


@dataclass(slots=True)
class VariableFilter:
    """Which variables to list: all of the given conditions hold.

    `name_like` matches anywhere in the name, any case, with SQL's `%` and `_`
    wildcards; `tags_all`: the variable has every one of these tags.
    """

    names: list[str] | None = None
    name_like: str | None = None
    tags_all: list[str] | None = None
    sort: VariableSort = VariableSort.NAME_ASC
    offset: int = 0
    limit: int | None = None
