"""Run, state and log-line ids: version-7 UUIDs, ordered by the millisecond they were made
in, so that a store's indexes take them in at their end."""

from __future__ import annotations

import threading
import time
import uuid

from cauce.ids import new_id


def test_an_id_is_a_version_7_uuid_starting_with_the_millisecond_it_was_made_in() -> None:
    before = time.time_ns() // 1_000_000
    made = new_id()
    after = time.time_ns() // 1_000_000
    assert (made.version, made.variant) == (7, uuid.RFC_4122)
    assert before <= made.int >> 80 <= after
    assert uuid.UUID(str(made)) == made  # a UUID like any other, once parsed


def test_ids_made_later_sort_after_earlier_ones_as_numbers_and_as_stored_text() -> None:
    earlier = [new_id() for _ in range(100)]
    threading.Event().wait(0.002)
    later = [new_id() for _ in range(100)]
    assert max(e.int for e in earlier) < min(item.int for item in later)
    assert max(e.hex for e in earlier) < min(item.hex for item in later)  # SQLite's CHAR(32)


def test_ids_made_in_the_same_millisecond_differ() -> None:
    made = [new_id() for _ in range(200_000)]
    assert len(set(made)) == len(made)
