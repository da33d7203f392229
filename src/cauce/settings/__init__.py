"""Settings: one model read once per process from the environment and defaults."""

from cauce.settings.settings import Settings, SettingsError, get_settings, reset_settings

__all__ = ["Settings", "SettingsError", "get_settings", "reset_settings"]
