"""`cauce profile`: list, create, switch to, inspect, rename and delete profiles.

Profiles live in $CAUCE_HOME/profiles.toml (see `cauce.settings.profiles`);
these commands only read and write that file, so they work even when a
profile holds a bad value, which is how a user fixes it.
"""

from __future__ import annotations

from typing import Annotated

import typer

from cauce.cli.output import console
from cauce.settings import SettingsError
from cauce.settings.definitions import BY_ENV_NAME
from cauce.settings.parsers import quoted
from cauce.settings.profiles import Profiles, profiles_path, read_profiles
from cauce.settings.settings import profile_problems

app = typer.Typer(help="Named sets of settings; one of them is active.", no_args_is_help=True)

ProfileName = Annotated[str, typer.Argument(metavar="NAME", help="The profile's name.")]


@app.command("ls")
def ls() -> None:
    """List the profiles; the one in use is marked with *."""
    profiles = _read()
    in_use = profiles.selected()
    try:
        profiles.get(in_use)  # the implicit, empty default profile is listed too
    except SettingsError:
        pass
    for name in profiles.profiles:
        _say(f"{'*' if name == in_use else ' '} {name}")


@app.command("create")
def create(
    name: ProfileName,
    copy_from: Annotated[
        str | None,
        typer.Option("--from", metavar="OTHER", help="Start with a copy of this profile."),
    ] = None,
) -> None:
    """Create a profile, empty or as a copy of another."""
    profiles = _read()
    profiles.create(name, copy_from)
    profiles.save()
    _say(f"Created profile {name!r}.")
    _say(f"Use it with `cauce profile use {name}`, or for one command with CAUCE_PROFILE={name}.")


@app.command("use")
def use(name: ProfileName) -> None:
    """Make a profile the active one."""
    profiles = _read()
    profiles.use(name)
    profiles.save()
    _say(f"Profile {name!r} is now active.")
    if profile_problems(profiles, name):
        typer.secho(
            f"cauce: warning: profile {name!r} has bad settings; see `cauce config validate`",
            err=True,
            fg="yellow",
        )


@app.command("inspect")
def inspect(
    name: Annotated[
        str | None,
        typer.Argument(metavar="[NAME]", help="The profile's name; default the one in use."),
    ] = None,
) -> None:
    """Show the settings a profile holds (passwords hidden)."""
    profiles = _read()
    shown = name or profiles.selected()
    lines = profile_lines(profiles, shown)
    if not lines:
        _say(f"Profile {shown!r} is empty.")
    for line in lines:
        _say(line)


@app.command("rename")
def rename(old: ProfileName, new: Annotated[str, typer.Argument(metavar="NEW")]) -> None:
    """Rename a profile; if it was active, it stays active."""
    profiles = _read()
    profiles.rename(old, new)
    profiles.save()
    _say(f"Renamed profile {old!r} to {new!r}.")


@app.command("delete")
def delete(name: ProfileName) -> None:
    """Delete a profile; the active one cannot be deleted."""
    profiles = _read()
    profiles.delete(name)
    profiles.save()
    _say(f"Deleted profile {name!r}.")


def profile_lines(profiles: Profiles, name: str) -> list[str]:
    """`KEY='value'` for each setting of profile `name`, passwords hidden."""
    lines = []
    for key, raw in profiles.get(name).items():
        definition = BY_ENV_NAME.get(key)
        shown = raw if definition is None or definition.secret is None else definition.secret(raw)
        lines.append(f"{key}={quoted(shown)}")
    return lines


def _read() -> Profiles:
    return read_profiles(profiles_path())


def _say(line: str) -> None:
    from rich.text import Text

    console.print(Text(line), soft_wrap=True)
