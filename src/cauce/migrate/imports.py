"""Rewrite a source's Prefect imports to cauce's with libcst, keeping everything else as it was.

`rewrite(source)` returns the new source, how many import statements changed and
every Prefect name the source uses: each imported name, and each attribute chain
reached from an imported Prefect name (`prefect.runtime.flow_run.name`). After
`import prefect` the module's name itself becomes `cauce` wherever it is used.

libcst's scope analysis decides which names refer to an import, so a parameter or
a local variable called `prefect` is left alone. Relative imports and modules whose
names merely start with "prefect" (`prefecture`) are never touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import (
    ImportAssignment,
    MetadataWrapper,
    PositionProvider,
    ScopeProvider,
)

from cauce.migrate.names import cauce_name, is_prefect


@dataclass(frozen=True)
class Use:
    """A Prefect name used on `line`, and the cauce name it becomes (None: cauce has no place)."""

    line: int
    prefect_name: str
    cauce_name: str | None


@dataclass
class Rewrite:
    """A source after the rewrite, with what changed and what it uses."""

    source: bytes
    imports_rewritten: int
    uses: list[Use] = field(default_factory=list)


def rewrite(source: bytes) -> Rewrite:
    """Rewrite `source`'s Prefect imports; raises libcst.ParserSyntaxError if it is not Python.

    A source that never spells "prefect" is returned as it is, without parsing it.
    """
    if b"prefect" not in source:
        return Rewrite(source, 0)
    # Freshly parsed and never reused, so the wrapper need not copy the tree.
    wrapper = MetadataWrapper(cst.parse_module(source), unsafe_skip_copy=True)
    scan = _ImportScan()
    wrapper.visit(scan)
    transformer = _Imports(_references(wrapper, scan.bindings), wrapper.resolve(PositionProvider))
    module = wrapper.visit(transformer)
    uses = set(scan.uses + transformer.chains)
    return Rewrite(module.bytes, transformer.rewritten, sorted(uses, key=_by_line))


def _by_line(use: Use) -> tuple[int, str]:
    return use.line, use.prefect_name


@dataclass(frozen=True)
class _Reference:
    """A name (or dotted name) in the code that stands for a Prefect module or name."""

    prefect_name: str
    is_renamed: bool  # bound by `import prefect...`: its root `prefect` becomes `cauce`


class _ImportScan(cst.CSTVisitor):
    """Collects the Prefect imports: their names as uses, and what each local name binds."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self) -> None:
        super().__init__()
        self.uses: list[Use] = []
        # (import statement, local name as libcst's scope names it) -> the Prefect path it binds
        self.bindings: dict[tuple[cst.CSTNode, str], str] = {}

    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            module = get_full_name_for_node(alias.name) or ""
            if not is_prefect(module):
                continue
            self._use(alias, module)
            local = alias.evaluated_alias
            # `import prefect.runtime` binds `prefect` and, for libcst, `prefect.runtime`.
            self.bindings[(node, local or module)] = module
            if local is None:
                self.bindings[(node, module.partition(".")[0])] = module.partition(".")[0]
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        module = _from_module(node)
        if module is None:
            return False
        if isinstance(node.names, cst.ImportStar):
            self._use(node, module)
            return False
        for alias in node.names:
            name = f"{module}.{get_full_name_for_node(alias.name)}"
            self._use(alias, name)
            self.bindings[(node, alias.evaluated_alias or alias.evaluated_name)] = name
        return False

    def _use(self, node: cst.CSTNode, prefect_name: str) -> None:
        line = self.get_metadata(PositionProvider, node).start.line
        self.uses.append(Use(line, prefect_name, cauce_name(prefect_name)))


def _from_module(node: cst.ImportFrom) -> str | None:
    """The absolute Prefect module of a `from ... import`, or None (relative, or not Prefect)."""
    if node.relative or node.module is None:
        return None
    module = get_full_name_for_node(node.module)
    return module if module is not None and is_prefect(module) else None


def _references(
    wrapper: MetadataWrapper, bindings: dict[tuple[cst.CSTNode, str], str]
) -> dict[cst.CSTNode, _Reference]:
    """Every node that refers to a Prefect import (by libcst's scopes), and what it stands for."""
    references: dict[cst.CSTNode, _Reference] = {}
    scopes = wrapper.resolve(ScopeProvider)
    for scope in {scope for scope in scopes.values() if scope is not None}:
        for assignment in scope.assignments:
            if not isinstance(assignment, ImportAssignment):
                continue
            path = bindings.get((assignment.node, assignment.name))
            if path is None:
                continue
            is_renamed = path.partition(".")[0] == "prefect" == assignment.name.partition(".")[0]
            for reference in assignment.references:
                # A reference inside a string annotation is the string node: left alone.
                if isinstance(reference.node, cst.Name | cst.Attribute):
                    name = _dotted(reference.node, assignment.name, path)
                    references[reference.node] = _Reference(name, is_renamed)
    return references


def _dotted(node: cst.CSTNode, local: str, path: str) -> str:
    """The Prefect path a reference stands for: `prefect.runtime` for the node of that text."""
    text = get_full_name_for_node(node) or local
    return path + text[len(local) :] if text.startswith(local) else path


class _Imports(cst.CSTTransformer):
    """Rewrites Prefect import statements and the `prefect` module name where it is used,
    and collects the attribute chains read from Prefect names (`pf.runtime.flow_run.id`)."""

    def __init__(
        self, references: dict[cst.CSTNode, _Reference], positions: Mapping[cst.CSTNode, Any]
    ) -> None:
        super().__init__()
        self.references = references
        self.positions = positions
        self.rewritten = 0
        self.chains: list[Use] = []
        self._inner: set[cst.CSTNode] = set()  # attributes inside a chain already collected
        self._renamed = {_root(node) for node, ref in references.items() if ref.is_renamed}

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node in self._inner:
            return
        attributes, inner = [node.attr.value], node.value
        while inner not in self.references and isinstance(inner, cst.Attribute):
            attributes.append(inner.attr.value)
            inner = inner.value
        reference = self.references.get(inner)
        if reference is None:
            return
        name = ".".join([reference.prefect_name, *reversed(attributes)])
        self.chains.append(Use(self.positions[node].start.line, name, cauce_name(name)))
        walked: cst.CSTNode = node
        while walked is not inner and isinstance(walked, cst.Attribute):
            self._inner.add(walked)
            walked = walked.value

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import) -> cst.Import:
        aliases = [_import_alias(alias) for alias in updated_node.names]
        if all(new is old for new, old in zip(aliases, updated_node.names, strict=True)):
            return updated_node
        self.rewritten += 1
        return updated_node.with_changes(names=aliases)

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom:
        module = _from_module(updated_node)
        target = cauce_name(module) if module is not None else None
        if target is None:
            return updated_node
        self.rewritten += 1
        return updated_node.with_changes(module=_dotted_node(target))

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        if original_node in self._renamed:
            return updated_node.with_changes(value="cauce")
        return updated_node


def _root(node: cst.CSTNode) -> cst.CSTNode:
    """`prefect` in `prefect.runtime`."""
    while isinstance(node, cst.Attribute):
        node = node.value
    return node


def _import_alias(alias: cst.ImportAlias) -> cst.ImportAlias:
    """`alias` with its cauce module, or `alias` itself when it is not rewritten."""
    module = get_full_name_for_node(alias.name) or ""
    target = cauce_name(module) if is_prefect(module) else None
    if target is None:
        return alias
    if module.partition(".")[0] == "prefect":
        return alias.with_changes(name=_dotted_node(target))
    if alias.asname is None and "." in module:
        return alias  # `import prefect_dask.task_runners`: its uses keep the dotted name
    # prefect_dask's runner is in cauce.task_runners: keep the name the code uses for it.
    asname = alias.asname or cst.AsName(name=cst.Name(module))
    return alias.with_changes(name=_dotted_node(target), asname=asname)


def _dotted_node(dotted: str) -> cst.Attribute | cst.Name:
    first, *rest = dotted.split(".")
    node: cst.Attribute | cst.Name = cst.Name(first)
    for part in rest:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node
