"""Settings: one model read once per process from the environment, the active profile and defaults.

Map: definitions.py is the table of every setting (name, parser, default,
description); settings.py builds the model from it and knows each value's
source; profiles.py reads and writes $CAUCE_HOME/profiles.toml; parsers.py and
durations.py turn text into values.
"""

from cauce.settings.current import get_current_settings
from cauce.settings.definitions import SettingsError
from cauce.settings.settings import Settings, get_settings, reset_settings

__all__ = ["Settings", "SettingsError", "get_current_settings", "get_settings", "reset_settings"]
