"""Turn SIGTERM into an exception while a flow runs, so its runs end recorded, not Running."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from cauce.engine.outcome import TerminationSignal


def _raise_termination(_signum: int, _frame: FrameType | None) -> None:
    raise TerminationSignal()


@contextmanager
def sigterm_raises() -> Iterator[None]:
    """Within the block, SIGTERM raises TerminationSignal in the main thread.

    Only on the main thread, and only where nobody installed a handler of their own.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous not in (signal.SIG_DFL, None):
        yield
        return
    signal.signal(signal.SIGTERM, _raise_termination)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
