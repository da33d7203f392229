"""Domain objects from database rows, the same for both SQL paths."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cauce.states import State, StateType

if TYPE_CHECKING:
    from sqlalchemy import RowMapping


def state_from_row(row: Mapping[str, Any] | RowMapping, prefix: str = "state_") -> State:
    """A state from a row's columns: a run row's current `state_*` columns, or with
    `prefix=""` a row of a *_states history table."""
    return State(
        type=StateType(row[f"{prefix}type"]),
        name=row[f"{prefix}name"],
        message=row[f"{prefix}message"],
        timestamp=row[f"{prefix}timestamp"],
        scheduled_time=row["scheduled_time"],
        id=row[f"{prefix}id"],
    )
