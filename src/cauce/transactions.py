"""Transactions, as Prefect's `prefect.transactions`: tasks grouped so that their side
effects stand or fall together.

    with transaction():
        write_file(contents)   # its on_rollback hook undoes it if...
        quality_test()         # ...this fails

Inside `with transaction()`, a task run that completes is staged: its cached result
(when it has a cache key) is written, and its `on_commit` hooks are called, only when
the transaction commits at the block's end. An exception leaving the block rolls it
back instead: the staged runs' `on_rollback` hooks are called, newest first, and their
results are not kept, so a later run computes them again. Outside any transaction a
task run commits as soon as it completes.

A transaction with a `key` leaves a record once committed (in the results folder, or
`store`): entered again with that key it is already committed, its block still runs,
and nothing it stages is committed again. Nested transactions commit with their parent
(CommitMode.LAZY), at their own end (EAGER), or never (OFF). `set`/`get` share values
with the block's tasks and nested transactions. Runs submitted inside the block should
be waited for inside it: one still running when the block ends is staged into nothing.
"""

from __future__ import annotations

import enum
import hashlib
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from types import TracebackType
from typing import Any

logger = logging.getLogger("cauce.transactions")


class CommitMode(enum.Enum):
    """When a nested transaction commits: with its parent, at its own end, or never."""

    EAGER = "EAGER"
    LAZY = "LAZY"
    OFF = "OFF"


class IsolationLevel(enum.Enum):
    """How concurrent transactions with one key see each other; cauce has READ_COMMITTED."""

    READ_COMMITTED = "READ_COMMITTED"
    SERIALIZABLE = "SERIALIZABLE"


class TransactionState(enum.Enum):
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    STAGED = "STAGED"
    COMMITTED = "COMMITTED"
    ROLLED_BACK = "ROLLED_BACK"


TransactionHook = Callable[["Transaction"], Any]
"""`hook(transaction)`: a task's on_commit or on_rollback hook."""

_current: ContextVar[Transaction | None] = ContextVar("cauce_transaction", default=None)
_MISSING: Any = object()


class Transaction:
    """One unit of work that commits or rolls back as a whole (see the module)."""

    def __init__(
        self,
        key: str | None = None,
        store: Path | None = None,
        commit_mode: CommitMode | None = None,
        overwrite: bool = False,
        parent: Transaction | None = None,
    ) -> None:
        self.key = key
        self.store = store
        self.commit_mode = commit_mode
        self.overwrite = overwrite
        self.parent = parent
        self.state = TransactionState.PENDING
        self.children: list[Transaction] = []
        self._values: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._write: Callable[[], None] | None = None
        self._on_commit: list[TransactionHook] = []
        self._on_rollback: list[TransactionHook] = []
        self._token: Any = None

    # What the block reads and sets.
    def set(self, name: str, value: Any) -> None:
        """Keep `value` under `name` for this transaction and those inside it."""
        self._values[name] = value

    def get(self, name: str, default: Any = _MISSING) -> Any:
        """The value set under `name` here or in an enclosing transaction; `default`
        when none was, else ValueError."""
        transaction: Transaction | None = self
        while transaction is not None:
            if name in transaction._values:
                return transaction._values[name]
            transaction = transaction.parent
        if default is _MISSING:
            raise ValueError(f"Could not retrieve value for unknown key: {name}")
        return default

    def is_pending(self) -> bool:
        return self.state is TransactionState.PENDING

    def is_active(self) -> bool:
        return self.state is TransactionState.ACTIVE

    def is_staged(self) -> bool:
        return self.state is TransactionState.STAGED

    def is_committed(self) -> bool:
        return self.state is TransactionState.COMMITTED

    def is_rolled_back(self) -> bool:
        return self.state is TransactionState.ROLLED_BACK

    def get_parent(self) -> Transaction | None:
        return self.parent

    # The block.
    def __enter__(self) -> Transaction:
        if self.key is not None and not self.overwrite and self._recorded():
            self.state = TransactionState.COMMITTED
        else:
            self.state = TransactionState.ACTIVE
        self._token = _current.set(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        _current.reset(self._token)
        if self.is_committed():
            return
        if exc is not None:
            self.rollback()
            return
        self.state = TransactionState.STAGED
        mode = self.commit_mode or (CommitMode.LAZY if self.parent else CommitMode.EAGER)
        if mode is CommitMode.EAGER:
            self.commit()
        elif mode is CommitMode.LAZY and self.parent is not None:
            self.parent.add_child(self)

    # Staging, committing, rolling back.
    def stage(
        self,
        write: Callable[[], None] | None,
        on_commit: list[TransactionHook],
        on_rollback: list[TransactionHook],
    ) -> None:
        """What committing this (a task run's) transaction does, and what undoes it."""
        self._write, self._on_commit, self._on_rollback = write, on_commit, on_rollback
        self.state = TransactionState.STAGED

    def add_child(self, child: Transaction) -> None:
        """`child` commits or rolls back with this transaction."""
        with self._lock:
            self.children.append(child)

    def commit(self) -> bool:
        """Commit what was staged, children first; False when already ended."""
        if self.state in (TransactionState.COMMITTED, TransactionState.ROLLED_BACK):
            return False
        with self._lock:
            children = list(self.children)
        for child in children:
            child.commit()
        if self._write is not None:
            try:
                self._write()
            except Exception as exc:
                logger.warning("Could not keep a staged result: %r", exc)
        if self.key is not None and self.store is not None:
            self.store.mkdir(parents=True, exist_ok=True)
            _record(self.store, self.key).touch()
        self.state = TransactionState.COMMITTED
        _run(self._on_commit, self, "on_commit")
        return True

    def rollback(self) -> bool:
        """Undo what was staged, newest first; False when already ended."""
        if self.state in (TransactionState.COMMITTED, TransactionState.ROLLED_BACK):
            return False
        with self._lock:
            children = list(self.children)
        for child in reversed(children):
            child.rollback()
        self.state = TransactionState.ROLLED_BACK
        _run(self._on_rollback, self, "on_rollback")
        return True

    def _recorded(self) -> bool:
        return self.store is not None and _record(self.store, self.key or "").exists()


def _record(folder: Path, key: str) -> Path:
    """The file whose presence says the transaction `key` has committed."""
    return folder / f"{hashlib.sha256(key.encode()).hexdigest()}.transaction"


def _run(hooks: list[TransactionHook], transaction: Transaction, kind: str) -> None:
    """Call each hook; one that raises is logged to the run's logs, never re-raised."""
    for hook in hooks:
        name = getattr(hook, "__name__", repr(hook))
        try:
            hook(transaction)
        except Exception:
            _logger().exception("An error was encountered while running %s hook %r", kind, name)


def _logger() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    from cauce.logging.run_logger import get_run_logger

    try:
        return get_run_logger()
    except Exception:  # outside any run
        return logger


def get_transaction() -> Transaction | None:
    """The transaction the calling code runs in, or None."""
    return _current.get()


@contextmanager
def transaction(
    key: str | None = None,
    store: str | Path | None = None,
    commit_mode: CommitMode | None = None,
    isolation_level: IsolationLevel | None = None,
    overwrite: bool = False,
    write_on_commit: bool = True,
    logger: logging.Logger | None = None,
) -> Iterator[Transaction]:
    """A transaction for the block (see the module). `store`: the folder that keeps a
    keyed transaction's record (CAUCE_HOME/results by default)."""
    if isolation_level not in (None, IsolationLevel.READ_COMMITTED):
        raise ValueError(
            f"cauce's transactions are READ_COMMITTED; isolation_level={isolation_level} "
            "(a lock held across processes) is not supported"
        )
    if not write_on_commit:
        raise ValueError(
            "cauce's transactions keep staged results on commit: "
            "write_on_commit=False is not supported"
        )
    folder = Path(store) if store is not None else None
    if folder is None and key is not None:
        from cauce.settings import get_settings

        folder = Path(get_settings().home) / "results"
    with Transaction(key, folder, commit_mode, overwrite, parent=get_transaction()) as made:
        yield made


def stage_task_run(
    write: Callable[[], None] | None,
    key: str | None,
    on_commit: list[TransactionHook],
    on_rollback: list[TransactionHook],
) -> None:
    """A task run completed: commit its result and hooks now, or with the transaction it
    runs in."""
    parent = get_transaction()
    own = Transaction(key, parent=parent)
    own.stage(write, on_commit, on_rollback)
    if parent is None:
        own.commit()
    else:
        parent.add_child(own)
