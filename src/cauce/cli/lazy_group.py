"""A Typer group whose subcommands are imported when one is first asked for.

`cauce version` need not import the server's, the deploy wizard's or any other
noun's module: the group knows each subcommand's name and where it lives, and
builds its Click command on first use (running it, its --help, or the root's
--help, which lists them all). Names, order, help and errors are those of the
same modules mounted with `add_typer` / `command`.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

import typer
import typer.main
from typer.core import TyperGroup


@dataclass(frozen=True)
class LazyCommand:
    """Where a subcommand lives: `module`'s `attribute`, a Typer app (a group of
    verbs) or a command function, mounted under its name in LAZY_COMMANDS."""

    module: str
    attribute: str
    hidden: bool = False


class _LoadedOnRead(MutableMapping[str, Any]):
    """A group's name -> Click command mapping that imports a command at its first read;
    a LazyCommand value is one not read yet."""

    def __init__(self, loaded: Mapping[str, Any], lazy: Mapping[str, LazyCommand]):
        self._entries: dict[str, Any] = {**loaded, **lazy}

    def __getitem__(self, name: str) -> Any:
        entry = self._entries[name]
        if isinstance(entry, LazyCommand):
            entry = self._entries[name] = _build(name, entry)
        return entry

    def __setitem__(self, name: str, command: Any) -> None:
        self._entries[name] = command

    def __delitem__(self, name: str) -> None:
        del self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries


def _build(name: str, where: LazyCommand) -> Any:
    """The Click command Typer would have built for `where` mounted as `name`."""
    target = getattr(importlib.import_module(where.module), where.attribute)
    holder = typer.Typer()
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name, hidden=where.hidden)
    else:
        holder.command(name, hidden=where.hidden)(target)
    return typer.main.get_group(holder).commands[name]


def lazy_group(commands: Mapping[str, LazyCommand]) -> type[TyperGroup]:
    """A TyperGroup class (for `typer.Typer(cls=...)`) that also has `commands`, in
    that order after any registered eagerly, imported when first read."""

    class LazyGroup(TyperGroup):
        def __init__(self, **attrs: Any) -> None:
            super().__init__(**attrs)
            self.commands = _LoadedOnRead(self.commands, commands)

        def list_commands(self, ctx: Any) -> list[str]:
            return list(self.commands)

    return LazyGroup
