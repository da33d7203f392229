"""`cauce config`: view, change and check the settings of the profile in use.

`set` and `unset` change the profile CAUCE_PROFILE names, else the active one,
in $CAUCE_HOME/profiles.toml; they read only that file, so a bad value elsewhere
never stops a user from fixing it. `view` shows the settings as a command would
see them, with their sources. Which names and values are valid is decided in
`cauce.settings`.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from cauce.cli.errors import CliError
from cauce.cli.output import console
from cauce.settings import SettingsError
from cauce.settings.definitions import (
    BY_ENV_NAME,
    env_only_message,
    lookup,
    unknown_name_message,
)
from cauce.settings.parsers import quoted
from cauce.settings.profiles import profiles_path, read_profiles
from cauce.settings.settings import (
    ResolvedSetting,
    profile_problems,
    resolve,
    selected_profile,
    warn_unknown_environment,
)

app = typer.Typer(
    help="View and change settings; changes go to the active profile.", no_args_is_help=True
)


@app.command("set")
def set_(
    assignments: Annotated[
        list[str],
        typer.Argument(
            metavar="KEY=VALUE",
            help="Settings to store, e.g. CAUCE_LOGGING_EXTRA_LOGGERS=custom,test.",
        ),
    ],
) -> None:
    """Store settings in the active profile; each value is checked first."""
    changes = [_parse_assignment(text) for text in assignments]
    profiles = read_profiles(profiles_path())
    name, profile = selected_profile(profiles)
    for raw, item in changes:
        profile[item.definition.env_name] = raw
    profiles.save()
    for _, item in changes:
        key = item.definition.env_name
        _say(f"Set {key!r} to {quoted(item.shown() or '')}.")
        if os.environ.get(key, "").strip():
            _warn(
                f"{key} is also set in the environment, which overrides the profile; "
                "unset it there for this value to apply."
            )
    _say(f"Updated profile {name!r}.")


@app.command("unset")
def unset(
    keys: Annotated[list[str], typer.Argument(metavar="KEY", help="Settings to remove.")],
) -> None:
    """Remove settings from the active profile, so their defaults apply again."""
    profiles = read_profiles(profiles_path())
    name, profile = selected_profile(profiles)
    removed = [_key_in_profile(key, profile, name) for key in keys]
    for key in removed:
        del profile[key]
    profiles.save()
    for key in removed:
        _say(f"Unset {key!r}.")
    _say(f"Updated profile {name!r}.")


@app.command("view")
def view(
    show_defaults: Annotated[
        bool,
        typer.Option(
            "--show-defaults/--hide-defaults", help="Also show settings left at their default."
        ),
    ] = False,
    show_sources: Annotated[
        bool,
        typer.Option(
            "--show-sources/--hide-sources",
            help="Say where each value comes from: env, profile or defaults.",
        ),
    ] = True,
    show_secrets: Annotated[
        bool, typer.Option("--show-secrets", help="Show passwords instead of ********.")
    ] = False,
) -> None:
    """Show the settings in effect: the profile in use, then one KEY='value' line each."""
    from rich.text import Text

    warn_unknown_environment()
    resolution = resolve()
    _say(f"CAUCE_PROFILE={resolution.profile!r}")
    for key in sorted(resolution.values):
        item = resolution.values[key]
        if item.source == "defaults" and not show_defaults:
            continue
        shown = item.shown(show_secrets)
        line = Text(f"{key}={'None' if shown is None else quoted(shown)}")
        if show_sources:
            line.append(f" (from {item.source})", style="dim")
        console.print(line, soft_wrap=True)


@app.command("validate")
def validate() -> None:
    """Check every setting in the active profile, and those in the environment."""
    profiles = read_profiles(profiles_path())
    name, profile = selected_profile(profiles)
    problems = profile_problems(profiles, name)
    if problems:
        count = f"{len(problems)} bad setting{'' if len(problems) == 1 else 's'}"
        raise SettingsError(
            f"Profile {name!r} in {profiles.path} has {count}: " + "; ".join(problems)
        )
    warn_unknown_environment()
    resolve()
    count = f"{len(profile)} setting{'' if len(profile) == 1 else 's'}"
    _say(f"Profile {name!r} is valid ({count} set).")


def _parse_assignment(text: str) -> tuple[str, ResolvedSetting]:
    """The text to store and the checked value, from `KEY=VALUE`; quotes around VALUE dropped."""
    key, equals, raw = text.partition("=")
    if not equals:
        raise CliError(f"Expected KEY=VALUE, got {text!r}")
    definition = lookup(key.strip().upper())
    if definition.env_only:
        raise SettingsError(env_only_message(definition.env_name))
    raw = _unquote(raw.strip())
    if not raw.strip():
        raise SettingsError(
            f"{definition.env_name}: empty value; to go back to the default run "
            f"`cauce config unset {definition.env_name}`"
        )
    try:
        return raw, ResolvedSetting(definition, definition.parse(raw), "profile")
    except ValueError as exc:
        raise SettingsError(f"{definition.env_name}: {exc}") from None


def _unquote(value: str) -> str:
    # cmd.exe and PowerShell pass KEY='value' with its quotes; a POSIX shell removes them.
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _key_in_profile(key: str, profile: dict[str, str], name: str) -> str:
    for candidate in (key, key.upper()):
        if candidate in profile:
            return candidate
    if key.upper() not in BY_ENV_NAME:
        raise SettingsError(unknown_name_message(key))
    raise SettingsError(f"{key.upper()} is not set in profile {name!r}")


def _say(line: str) -> None:
    from rich.text import Text

    console.print(Text(line), soft_wrap=True)


def _warn(line: str) -> None:
    typer.secho(f"cauce: warning: {line}", err=True, fg="yellow")
