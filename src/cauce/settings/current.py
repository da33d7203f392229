"""`get_current_settings()`: cauce's settings as Prefect code reads them
(`prefect.settings.get_current_settings().api.url`, `.results.persist_by_default`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cauce.settings.settings import Settings, get_settings


@dataclass(frozen=True)
class ResultsSettings:
    """How results are kept: not persisted unless a task or flow asks, pickled."""

    persist_by_default: bool = False
    default_serializer: str = "pickle"


class CurrentSettings:
    """The process's settings (every group of cauce's Settings by its name), with
    Prefect's `results` group beside them."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.results = ResultsSettings()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._settings, name)


def get_current_settings() -> CurrentSettings:
    """The settings in force in this process."""
    return CurrentSettings(get_settings())
