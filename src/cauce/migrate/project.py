"""A project's files, each migrated: as a diff, or written back.

`migrate(path)` reads every .py file under `path` (or `path` itself), skipping
virtualenvs, .git and caches, and returns what each would become; a folder's
prefect.yaml adds its deployments to the folder's cauce.yaml, and a Prefect
profiles.toml (see `profiles.find`) its profiles to cauce's profiles.toml, a file
outside the project. Nothing is written until `write(results)`. A file that
cannot be parsed is kept as is and reported with the line of its error.
"""

from __future__ import annotations

import ast
import difflib
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cauce.migrate import logging_yaml, prefect_yaml
from cauce.migrate import profiles as prefect_profiles
from cauce.migrate.imports import rewrite
from cauce.migrate.report import Finding, findings

if TYPE_CHECKING:
    from cauce.deployments.cauce_yaml import DeploymentEntry

SKIPPED_FOLDERS = frozenset({".venv", "venv", ".git", "__pycache__", "site-packages"})


@dataclass
class FileResult:
    """One file: its text before and after, and what the report says about it."""

    path: Path
    shown_as: str
    before: bytes
    after: bytes
    imports_rewritten: int = 0
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None
    is_new: bool = False
    deployments_converted: int = 0
    profiles_converted: int = 0
    # Outside the migrated folder (cauce's profiles.toml): not part of a diff for `git apply`.
    is_outside: bool = False
    is_logging_config: bool = False
    save: Callable[[], None] | None = None

    @property
    def is_changed(self) -> bool:
        """Whether the rewrite changes this file."""
        return self.after != self.before


def python_files(root: Path) -> list[Path]:
    """The .py files under `root` (or `root` itself), in a stable order."""
    if root.is_file():
        return [root]
    found: list[Path] = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if name not in SKIPPED_FOLDERS)
        found += [Path(folder, name) for name in sorted(files) if name.endswith(".py")]
    return found


def migrate(root: Path, prefect_home: Path | None = None) -> list[FileResult]:
    """What every Python file under `root` becomes, and cauce.yaml and cauce's
    profiles.toml; nothing is written. `prefect_home` is where Prefect's profiles are."""
    base = root if root.is_dir() else root.parent
    results = [
        _migrate_file(path, path.relative_to(base).as_posix()) for path in python_files(root)
    ]
    deployments = _deployments_file(root) if root.is_dir() else None
    folder = root if root.is_dir() else None
    profiles = _profiles_file(folder, prefect_home)
    logging_config = _logging_file(folder, base)
    others = (deployments, profiles, logging_config)
    return results + [result for result in others if result is not None]


def _logging_file(root: Path | None, base: Path) -> FileResult | None:
    """cauce-logging.yml beside the project's (or PREFECT_LOGGING_SETTINGS_PATH's) logging YAML."""
    source = logging_yaml.find(root, os.environ)
    if source is None:
        return None
    target = source.with_name(logging_yaml.OUTPUT_NAME)
    is_outside = not source.resolve().is_relative_to(base.resolve())
    shown = target.as_posix() if is_outside else target.relative_to(base).as_posix()
    before = target.read_bytes() if target.is_file() else b""
    try:
        conversion = logging_yaml.convert(source)
    except logging_yaml.LoggingYamlError as exc:
        error = f"{exc}; {logging_yaml.OUTPUT_NAME} not written"
        return FileResult(target, shown, before, before, error=error, is_outside=is_outside)
    notes = [Finding(source, note.line, note.subject, note.advice) for note in conversion.notes]
    return FileResult(
        target, shown, before, conversion.text.encode("utf-8"), findings=notes,
        is_new=not before, is_outside=is_outside, is_logging_config=True,
    )  # fmt: skip


def _profiles_file(root: Path | None, prefect_home: Path | None) -> FileResult | None:
    """cauce's profiles.toml with Prefect's profiles added, if Prefect's file is found."""
    from cauce.settings.definitions import SettingsError
    from cauce.settings.profiles import dumps, profiles_path, read_profiles

    source = prefect_profiles.find(root, prefect_home)
    if source is None:
        return None
    target = profiles_path()
    before = target.read_bytes() if target.is_file() else b""
    try:
        conversion = prefect_profiles.convert(source)
        cauce_profiles = read_profiles(target)
    except (prefect_profiles.PrefectProfilesError, SettingsError) as exc:
        error = f"{exc}; cauce's profiles left unchanged"
        return FileResult(target, str(target), before, before, error=error, is_outside=True)
    refused = prefect_profiles.merge(conversion, cauce_profiles, is_new=not target.exists())
    added = len(conversion.profiles) - len(refused)
    after = dumps(cauce_profiles).encode() if added else before
    notes = [
        Finding(source, item.line, f"profile {item.profile!r}: {item.name}", item.reason)
        for item in conversion.skipped
    ] + [
        Finding(source, conversion.header_lines[name], f"profile {name!r}", why)
        for name, why in refused
    ]
    return FileResult(
        target, target.as_posix(), before, after, findings=notes, is_new=not before,
        profiles_converted=added, is_outside=True, save=cauce_profiles.save,
    )  # fmt: skip


def _deployments_file(root: Path) -> FileResult | None:
    """cauce.yaml with prefect.yaml's deployments added, if the project has a prefect.yaml."""
    from cauce.deployments.cauce_yaml import FILE_NAME, CauceYamlError

    source = root / prefect_yaml.FILE_NAME
    if not source.is_file():
        return None
    target = root / FILE_NAME
    before = target.read_bytes() if target.is_file() else b""
    try:
        conversion = prefect_yaml.convert(source)
        after = _saved(target, conversion.entries)
    except (prefect_yaml.PrefectYamlError, CauceYamlError, OSError) as exc:
        error = f"{exc}; cauce.yaml left unchanged"
        return FileResult(target, FILE_NAME, before, before, error=error)
    notes = [
        Finding(Path(prefect_yaml.FILE_NAME), note.line, note.subject, note.advice)
        for note in conversion.notes
    ]
    return FileResult(
        target, FILE_NAME, before, after, findings=notes, is_new=not target.exists(),
        deployments_converted=len(conversion.entries),
    )  # fmt: skip


def _saved(target: Path, entries: list[DeploymentEntry]) -> bytes:
    """What `target` holds once `entries` are saved into it; `target` itself is not touched."""
    from cauce.deployments.cauce_yaml import CauceYamlError, save_deployment

    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder, target.name)
        if target.is_file():
            shutil.copyfile(target, copy)
        try:
            for entry in entries:
                save_deployment(copy, entry)
        except CauceYamlError as exc:  # the project's cauce.yaml does not load
            raise CauceYamlError(str(exc).replace(str(copy), target.name)) from None
        return copy.read_bytes()


def _migrate_file(path: Path, shown_as: str) -> FileResult:
    import libcst

    try:
        before = path.read_bytes()
    except OSError as exc:
        return FileResult(path, shown_as, b"", b"", error=f"{shown_as}: cannot be read ({exc})")
    try:
        result = rewrite(before)
    except libcst.ParserSyntaxError as exc:
        line, reason = _syntax_error(before, exc)
        error = f"{shown_as}:{line}: cannot be parsed ({reason}); left unchanged"
        return FileResult(path, shown_as, before, before, error=error)
    uses = findings(Path(shown_as), result.uses)
    return FileResult(path, shown_as, before, result.source, result.imports_rewritten, uses)


def _syntax_error(source: bytes, exc: Exception) -> tuple[int, str]:
    """Where and why `source` is not Python, in Python's words when Python agrees it is not."""
    import libcst

    try:
        ast.parse(source)
    except SyntaxError as error:
        return error.lineno or 1, error.msg
    except ValueError:
        pass  # null bytes: libcst's account is all there is
    assert isinstance(exc, libcst.ParserSyntaxError)
    return exc.raw_line, exc.message


def diff(result: FileResult) -> str:
    """The unified diff of one file, with a/ and b/ paths relative to the migrated folder."""
    if not result.is_changed:
        return ""
    before = result.before.decode("utf-8", errors="replace").splitlines(keepends=True)
    after = result.after.decode("utf-8", errors="replace").splitlines(keepends=True)
    old = "/dev/null" if result.is_new else f"a/{result.shown_as}"
    lines = difflib.unified_diff(before, after, old, f"b/{result.shown_as}")
    # A last line without a newline is marked as `diff` does, so `git apply` takes the diff.
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )


def write(results: list[FileResult]) -> None:
    """Write every changed file back, bytes as libcst produced them (encoding and newlines kept)."""
    for result in results:
        if result.is_changed:
            if result.save is not None:
                result.save()
            else:
                result.path.write_bytes(result.after)
