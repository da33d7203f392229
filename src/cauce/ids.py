"""Ids for runs and states: random version-4 UUIDs from a fast generator.

uuid.uuid4() asks the operating system for randomness on every call, which
costs more than the rest of a trivial task run. This generator is seeded once
from the OS, reseeded in forked children, and kept apart from the `random`
module so that user code calling random.seed() cannot make ids repeat.

The UUID is built without `uuid.UUID.__init__`, whose argument checks cost twice
the rest: the value is a version-4 int by construction, and the two slots set are
the ones `UUID(int=...)` sets.
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


_new = object.__new__
_UUID = uuid.UUID
_UNKNOWN = uuid.SafeUUID.unknown
_random_bits = _generator.getrandbits
# UUID forbids attribute assignment; its __init__ sets its two slots with
# object.__setattr__, and their descriptors' own setters do the same, faster.
_set_int = _UUID.__dict__["int"].__set__
_set_is_safe = _UUID.__dict__["is_safe"].__set__


def new_id() -> uuid.UUID:
    """A new random UUID (version 4)."""
    new = _new(_UUID)
    _set_int(new, (_random_bits(128) & _CLEAR) | _VERSION_4)
    _set_is_safe(new, _UNKNOWN)
    return new
