"""Ids for runs, states and log lines: time-ordered UUIDs (version 7, RFC 9562).

The first 48 bits are the Unix time in milliseconds, the other 74 (beside the
version and variant) random. Ids made one after another are near each other in
the database's indexes, which take them in at their end: with random (version 4)
ids each row landed on another page of each index, and once a store held some
history most of a batch's time went to reading and rewriting those pages (1,000
tasks took 120 us each on an empty store, over 200 us on one holding 20,000
task runs; with these, 78-80 us either way).

uuid.uuid4() asks the operating system for randomness on every call, which
costs more than the rest of a trivial task run. This generator is seeded once
from the OS, reseeded in forked children, and kept apart from the `random`
module so that user code calling random.seed() cannot make ids repeat.

The UUID is built without `uuid.UUID.__init__`, whose argument checks cost twice
the rest: the value is a version-7 int by construction, and the two slots set are
the ones `UUID(int=...)` sets.
"""

from __future__ import annotations

import os
import random
import time
import uuid

_generator = random.Random()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_generator.seed)

# The low 80 bits: random, but for the version (bits 76-79) and the variant (62-63).
_VERSION_7 = (7 << 76) | (0b10 << 62)
_CLEAR = ~((0xF << 76) | (0b11 << 62)) & ((1 << 80) - 1)


_new = object.__new__
_UUID = uuid.UUID
_UNKNOWN = uuid.SafeUUID.unknown
_random_bits = _generator.getrandbits
_time_ns = time.time_ns
# UUID forbids attribute assignment; its __init__ sets its two slots with
# object.__setattr__, and their descriptors' own setters do the same, faster.
_set_int = _UUID.__dict__["int"].__set__
_set_is_safe = _UUID.__dict__["is_safe"].__set__


def new_id() -> uuid.UUID:
    """A new UUID: this millisecond, then random bits (version 7)."""
    new = _new(_UUID)
    _set_int(new, (_time_ns() // 1_000_000 << 80) | (_random_bits(80) & _CLEAR) | _VERSION_7)
    _set_is_safe(new, _UNKNOWN)
    return new
