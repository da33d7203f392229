"""A flow as listed by `cauce flow ls`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(slots=True)
class Flow:
    """A named flow and when it was first recorded."""

    id: uuid.UUID
    name: str
    created: datetime
