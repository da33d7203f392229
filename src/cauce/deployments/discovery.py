"""Flow entrypoints in a project folder, found by reading source with `ast`, never importing it.

Importing a user's file runs its top-level code (connections, prints, a whole
flow run when the `__main__` guard is missing), so `cauce deploy` only parses.
`find_flow_entrypoints` offers a flow when its file defines it at module level,
decorated with cauce's `flow`, and calls it under `if __name__ == "__main__":`,
the sign that the file is meant to be run. A file that imports `prefect` is not
offered (its run would import Prefect, not cauce): `discover` lists it as skipped
with the reason, and `load_entrypoint` refuses it with the same words.
`load_entrypoint` checks one typed by hand; there the `__main__` call is not
required. Installed code (virtualenvs, `site-packages`, `node_modules`) and
hidden folders are not searched.

"Is a flow" is decided from names alone: `@flow`, `@flow(...)`, `@cauce.flow`
or an alias, after the matching import. A flow made by `f = flow(g)` is not seen.
Whether the function's parameters suit a deployment is for the caller.
"""

from __future__ import annotations

import ast
import difflib
import importlib.util
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cauce.deployments.parameter_schema import schema_from_source

_FLOW_PACKAGES = frozenset({"cauce", "prefect"})
# Besides these, every folder whose name starts with "." and every virtualenv
# (a folder holding pyvenv.cfg, whatever its name) is skipped.
_SKIPPED_FOLDERS = frozenset({"node_modules", "__pycache__", "site-packages", "venv", "env"})

_Function = ast.FunctionDef | ast.AsyncFunctionDef


# The same words for a Prefect file in the wizard's list and for a hand-typed entrypoint.
IMPORTS_PREFECT = "imports prefect: change the import to cauce (`from cauce import flow`)"


class EntrypointError(ValueError):
    """A hand-typed entrypoint that does not name a flow; the message is one line."""


@dataclass(frozen=True)
class SkippedFile:
    """A file with flows that `cauce deploy` does not offer, and why (one line)."""

    path: Path  # relative to the folder searched
    reason: str


@dataclass(frozen=True)
class FlowEntrypoint:
    """A flow function in a project file: what `cauce deploy` offers and cauce.yaml records."""

    path: Path  # relative to the folder searched
    function: str
    flow_name: str  # as cauce names the flow: `name=` given to @flow, else the function's
    line: int  # of the `def`
    parameter_schema: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    """The JSON Schema of the function's parameters, read from its source."""

    @property
    def entrypoint(self) -> str:
        """`path/to/file.py:function`, with forward slashes on every platform."""
        return f"{self.path.as_posix()}:{self.function}"


def find_flow_entrypoints(root: Path) -> list[FlowEntrypoint]:
    """Every flow under `root` that its own file calls under `if __name__ == "__main__":`.

    Sorted by path, then line. Files that do not parse or cannot be read are left out.
    """
    return discover(root)[0]


def discover(root: Path) -> tuple[list[FlowEntrypoint], list[SkippedFile]]:
    """The flows `find_flow_entrypoints` offers, and the files with flows it skips
    (those that import prefect), each sorted by path."""
    found: list[FlowEntrypoint] = []
    skipped: list[SkippedFile] = []
    for file in _python_files(root, is_root=True):
        try:
            source = file.read_bytes()
        except OSError:
            continue
        # Most files in a project are not flow scripts: skip the parse (most of the
        # time spent here) when the words one needs are missing.
        if not _may_hold_flow_script(source):
            continue
        try:
            module = _parse(source)
        except (SyntaxError, ValueError):
            continue
        called = _names_called_under_main(module)
        relative = file.relative_to(root)
        flows = [flow for flow in _flows(module, relative) if flow.function in called]
        if flows and _imports_prefect(module):
            skipped.append(SkippedFile(relative, IMPORTS_PREFECT))
        else:
            found.extend(flows)
    found.sort(key=lambda flow: (flow.path.as_posix(), flow.line))
    return found, sorted(skipped, key=lambda file: file.path.as_posix())


def load_entrypoint(root: Path, entrypoint: str) -> FlowEntrypoint:
    """The flow that a hand-typed `path/to/file.py:function_name` under `root` names.

    Read with `ast`, not imported; Windows backslashes are accepted. Raises
    EntrypointError, in one line, when it does not name a flow.
    """
    path_text, colon, function = entrypoint.strip().rpartition(":")
    if not colon or not path_text or not function.isidentifier():
        raise EntrypointError(
            f"entrypoint '{entrypoint}' must look like path/to/file.py:function_name"
        )
    path = Path(path_text.replace("\\", "/"))
    shown, prefix = path.as_posix(), f"entrypoint '{entrypoint}'"
    if path.suffix != ".py":
        raise EntrypointError(f"{prefix}: {shown} is not a .py file")
    file = root / path
    if not file.is_file():
        raise EntrypointError(f"{prefix}: file {shown} not found")
    try:
        module = _parse(file.read_bytes())
    except (SyntaxError, ValueError) as exc:
        raise EntrypointError(f"{prefix}: {shown} does not parse ({_describe(exc)})") from None
    if _imports_prefect(module):
        raise EntrypointError(f"{prefix}: {shown} {IMPORTS_PREFECT}")
    flows = {flow.function: flow for flow in _flows(module, _relative(file, root, path))}
    if function in flows:
        return flows[function]
    functions = [statement.name for statement in _module_functions(module)]
    if function in functions:
        raise EntrypointError(
            f"{prefix}: '{function}' in {shown} is not a flow (decorate it with @flow)"
        )
    close = difflib.get_close_matches(function, functions, n=3)
    hint = f" (did you mean {_one_of(close)}?)" if close else ""
    raise EntrypointError(f"{prefix}: {shown} has no function '{function}'{hint}")


def _parse(source: bytes) -> ast.Module:
    """The module's syntax tree; raises SyntaxError or ValueError where Python's import would.

    Decoded as import decodes (PEP 263 cookie, BOM, else strict UTF-8): `ast.parse`
    on bytes lets invalid UTF-8 in a comment through, though the file would not run.
    """
    return ast.parse(importlib.util.decode_source(source))


def _may_hold_flow_script(source: bytes) -> bool:
    has_package = b"cauce" in source or b"prefect" in source
    return has_package and b"__main__" in source and b"flow" in source


def _python_files(folder: Path, is_root: bool = False) -> Iterator[Path]:
    # os.scandir rather than Path.iterdir: its entries already know whether they are
    # folders, which saves a stat per file on a large tree.
    try:
        with os.scandir(folder) as scan:
            entries = list(scan)
    except OSError:
        return
    if not is_root and any(entry.name == "pyvenv.cfg" for entry in entries):
        return
    for entry in entries:
        # Symlinked folders are not followed: a link back up would never end.
        if entry.is_dir(follow_symlinks=False):
            if not entry.name.startswith(".") and entry.name not in _SKIPPED_FOLDERS:
                yield from _python_files(folder / entry.name)
        elif entry.name.endswith(".py") and entry.is_file():
            yield folder / entry.name


@dataclass
class _FlowImports:
    """The names a module binds to `flow` and to the packages that export it."""

    names: set[str] = field(default_factory=set)  # `from cauce import flow as f` -> f
    packages: set[str] = field(default_factory=set)  # `import cauce as c` -> c

    def is_flow(self, decorator: ast.expr) -> bool:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Name):
            return target.id in self.names
        if isinstance(target, ast.Attribute) and target.attr == "flow":
            base = target.value
            while isinstance(base, ast.Attribute):  # cauce.flows.flow
                base = base.value
            return isinstance(base, ast.Name) and base.id in self.packages
        return False


def _flow_imports(module: ast.Module) -> _FlowImports:
    imports = _FlowImports()
    for statement in _module_level(module.body):
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                package = alias.name.partition(".")[0]
                if package in _FLOW_PACKAGES:
                    imports.packages.add(alias.asname or package)
        elif isinstance(statement, ast.ImportFrom) and statement.level == 0:
            if (statement.module or "").partition(".")[0] in _FLOW_PACKAGES:
                for alias in statement.names:
                    if alias.name in ("flow", "*"):
                        imports.names.add(alias.asname or "flow")
    return imports


def _imports_prefect(module: ast.Module) -> bool:
    """Whether the module imports prefect (or a part of it) anywhere."""
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            if any(alias.name.partition(".")[0] == "prefect" for alias in node.names):
                return True
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            if (node.module or "").partition(".")[0] == "prefect":
                return True
    return False


def _flows(module: ast.Module, path: Path) -> Iterator[FlowEntrypoint]:
    imports = _flow_imports(module)
    # A later `def` of the same name replaces the earlier one, as it does at import.
    latest = {statement.name: statement for statement in _module_functions(module)}
    for function in latest.values():
        decorator = next((d for d in function.decorator_list if imports.is_flow(d)), None)
        if decorator is not None:
            name = _flow_name(decorator) or function.name.replace("_", "-")
            schema = schema_from_source(function)
            yield FlowEntrypoint(path, function.name, name, function.lineno, schema)


def _flow_name(decorator: ast.expr) -> str | None:
    if isinstance(decorator, ast.Call):
        for keyword in decorator.keywords:
            if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                value = keyword.value.value
                return value if isinstance(value, str) and value else None
    return None


def _module_functions(module: ast.Module) -> Iterator[_Function]:
    for statement in _module_level(module.body):
        if isinstance(statement, _Function):
            yield statement


def _module_level(statements: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements run on import: the body and what top-level if/try/with blocks hold.

    The `__main__` block is left out: it does not run when a deployment imports the file.
    """
    for statement in statements:
        yield statement
        if isinstance(statement, ast.If) and not _is_main_guard(statement.test):
            yield from _module_level(statement.body + statement.orelse)
        elif isinstance(statement, ast.With):
            yield from _module_level(statement.body)
        elif isinstance(statement, ast.Try | ast.TryStar):
            handlers = [inner for handler in statement.handlers for inner in handler.body]
            blocks = statement.body + handlers + statement.orelse + statement.finalbody
            yield from _module_level(blocks)


def _names_called_under_main(module: ast.Module) -> set[str]:
    """Names called anywhere in `if __name__ == "__main__":`, as in `asyncio.run(f())`."""
    called: set[str] = set()
    for statement in module.body:
        if isinstance(statement, ast.If) and _is_main_guard(statement.test):
            for inner in statement.body:
                for node in ast.walk(inner):
                    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                        called.add(node.func.id)
    return called


def _is_main_guard(test: ast.expr) -> bool:
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return False
    if not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, test.comparators[0]]
    has_name = any(isinstance(side, ast.Name) and side.id == "__name__" for side in sides)
    has_main = any(isinstance(side, ast.Constant) and side.value == "__main__" for side in sides)
    return has_name and has_main


def _relative(file: Path, root: Path, typed: Path) -> Path:
    try:
        return file.relative_to(root)
    except ValueError:  # an absolute path outside root, kept as typed
        return typed


def _describe(exc: SyntaxError | ValueError) -> str:
    if isinstance(exc, SyntaxError) and exc.lineno is not None:
        return f"line {exc.lineno}: {exc.msg}"
    if isinstance(exc, UnicodeDecodeError):
        return f"not {exc.encoding} text at byte {exc.start}"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _one_of(names: list[str]) -> str:
    quoted = [f"'{name}'" for name in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
