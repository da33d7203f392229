"""Where results are stored: a local folder, named as in Prefect (`LocalFileSystem`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["LocalFileSystem", "ResultStorage", "storage_folder"]


@dataclass(frozen=True)
class LocalFileSystem:
    """A folder on this machine; `basepath=None` means cauce's own ($CAUCE_HOME/results)."""

    basepath: str | Path | None = None


ResultStorage = str | Path | LocalFileSystem


def storage_folder(storage: ResultStorage | None) -> Path | None:
    """The folder `storage` names, or None for the default one."""
    if isinstance(storage, LocalFileSystem):
        storage = storage.basepath
    return None if storage is None else Path(storage).expanduser()
