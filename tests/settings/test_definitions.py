"""The table of definitions is the one source: the model, the variables and the defaults."""

from __future__ import annotations

import pytest

from cauce.settings.definitions import BY_ENV_NAME, DEFINITIONS, SettingsError, lookup
from cauce.settings.settings import SECTIONS, Settings

# SPEC §5, in its order.
SPEC_SETTINGS = [
    "CAUCE_HOME",
    "CAUCE_API_URL",
    "CAUCE_API_AUTH_STRING",
    "CAUCE_API_DATABASE_URL",
    "CAUCE_SERVER_HOST",
    "CAUCE_SERVER_PORT",
    "CAUCE_DEFAULT_TIMEZONE",
    "CAUCE_LOGGING_LEVEL",
    "CAUCE_LOGGING_EXTRA_LOGGERS",
    "CAUCE_LOGGING_SETTINGS_PATH",
    "CAUCE_LOGGING_FILE",
    "CAUCE_LOGGING_FILE_MAX_BYTES",
    "CAUCE_LOGGING_FILE_BACKUP_COUNT",
    "CAUCE_LATE_AFTER",
    "CAUCE_WATCHDOG_ENABLED",
    "CAUCE_WATCHDOG_INTERVAL",
    "CAUCE_WATCHDOG_LATE_AFTER",
    "CAUCE_WATCHDOG_RUNNING_AFTER",
    "CAUCE_WORKER_HEARTBEAT",
]
# Beyond the SPEC: settings users asked for that the SPEC is silent on.
EXTRA_SETTINGS = [
    "CAUCE_API_RETRY_TIMEOUT",
    "CAUCE_SERVER_SCHEDULER_INTERVAL",
    "CAUCE_SERVER_RETENTION",
    "CAUCE_SERVER_DATABASE_POOL_SIZE",
]


def _model_paths() -> set[str]:
    paths = {name for name in Settings._fields if name not in SECTIONS}
    for section, cls in SECTIONS.items():
        assert section in Settings._fields
        paths |= {f"{section}.{name}" for name in cls._fields}
    return paths


def test_every_setting_of_the_spec_is_defined_and_no_other():
    assert sorted(BY_ENV_NAME) == sorted(SPEC_SETTINGS + EXTRA_SETTINGS)


def test_the_model_has_exactly_the_defined_settings():
    assert _model_paths() == {d.path for d in DEFINITIONS}


def test_the_variable_mirrors_the_path():
    assert lookup("CAUCE_WATCHDOG_RUNNING_AFTER").path == "watchdog.running_after"
    assert lookup("CAUCE_LOGGING_FILE_MAX_BYTES").path == "logging.file_max_bytes"
    assert lookup("CAUCE_API_DATABASE_URL").path == "api.database_url"


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.env_name)
def test_every_setting_has_a_description_and_a_default_that_reads_back(definition):
    assert definition.description.endswith(".")
    if definition.default is not None:
        value = definition.parse(definition.default)
        assert definition.parse(definition.show(value)) == value


def test_an_unknown_name_suggests_the_closest():
    with pytest.raises(SettingsError) as caught:
        lookup("CAUCE_LOGING_LEVEL")
    assert str(caught.value) == (
        "unknown setting CAUCE_LOGING_LEVEL (did you mean CAUCE_LOGGING_LEVEL?)"
    )


def test_an_unknown_name_far_from_any_has_no_suggestion():
    with pytest.raises(SettingsError) as caught:
        lookup("CAUCE_ZZZZZZZZZZZZZZZZZZZ")
    assert str(caught.value) == "unknown setting CAUCE_ZZZZZZZZZZZZZZZZZZZ"
