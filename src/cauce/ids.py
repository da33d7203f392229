"""Ids for runs and states: random version-4 UUIDs from a fast generator.

uuid.uuid4() asks the operating system for randomness on every call, which
costs more than the rest of a trivial task run. This generator is seeded once
from the OS, reseeded in forked children, and kept apart from the `random`
module so that user code calling random.seed() cannot make ids repeat.
"""

from __future__ import annotations

import os
import random
import uuid

_generator = random.Random()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_generator.seed)

_VERSION_4 = (4 << 76) | (0b10 << 62)
_CLEAR = ~((0xF << 76) | (0b11 << 62)) & ((1 << 128) - 1)


def new_id() -> uuid.UUID:
    """A new random UUID (version 4)."""
    return uuid.UUID(int=(_generator.getrandbits(128) & _CLEAR) | _VERSION_4)
