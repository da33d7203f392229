"""Import direction (DESIGN.md): user code -> engine -> client -> {orchestration -> database};
the server beside the client over the same core; nothing imports the entry points.

Every module of src/cauce is read with `ast`, never imported, and each of its imports
of `cauce.*`, at the top or inside a function, is checked against ALLOWED below.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import cauce

# Modules every layer may import: plain values (Prefect's schedule objects among them),
# run names, the settings and the task input annotations (Prefect's prefect.utilities),
# which import no other layer.
LEAVES = {
    "exceptions",
    "ids",
    "processes",
    "run_names",
    "schedules",
    "schemas",
    "serializers",
    "settings",
    "states",
    "utilities",
    "version",
}

# Layer (the first name under cauce) -> the layers it may import directly. Within a
# layer imports are free. Skipping a layer is a leak too: the engine reaches the
# core only through the client.
ALLOWED: dict[str, set[str]] = {
    # Entry points: nobody imports them. `cauce server database` administers the database.
    # `cauce variable set` is Variable.set, as `prefect variable set` is.
    "cli": {
        "client",
        "server",
        "database",
        "deployments",
        "migrate",
        "orchestration",
        "workers",
        "variables",
    },
    "server": {"orchestration", "database", "services"},
    # The server's loops: passes of the core on a connection.
    "services": {"orchestration", "database"},
    # `cauce deploy` and Flow.deploy(): find flows in a project, keep cauce.yaml; the
    # core's pure checks (schedules, parameters) before anything is sent.
    "deployments": {"client", "orchestration"},
    # The process that runs one deployment run: its flow loaded, the engine taking over.
    "workers": {"client", "deployments", "engine", "logging", "runtime", "interruptions"},
    # The lazy public facade (its runtime imports go through importlib).
    "cauce": {
        "flows",
        "tasks",
        "futures",
        "logging",
        "runtime",
        "task_runners",
        "engine",
        "flow_runs",
        "client",
        "context",
        "transactions",
    },
    # get_state_exception answers an async caller with a coroutine, and the run context
    # says who that is (imported in the function: the context's schemas import states).
    "states": {"context"},
    # pause_flow_run: the run's state through the client, its logger, the stop a
    # cancellation while paused makes, and the input it waits for.
    "flow_runs": {"context", "client", "logging", "interruptions", "input"},
    # Prefect's RunInput: pydantic models of the input a paused run waits for.
    "input": set(),
    # The run path.
    # Flow.deploy() / from_source() are one-line delegations to deployments/, and
    # Flow.serve() to workers/: it starts a worker of one deployment.
    "flows": {"engine", "task_runners", "deployments", "workers", "filesystems"},
    "tasks": {"engine", "context", "futures", "cache_policies", "filesystems", "transactions"},
    # Prefect's transactions: what a task run's completion stages, and the key records.
    "transactions": {"logging"},
    # Prefect's cache policies and result storage: plain values and hashing.
    "cache_policies": {"context"},
    "filesystems": set(),
    "engine": {
        "cache_policies",
        "transactions",
        "client",
        # The pure task-run rules only (orchestration.set_state.decide): task-run
        # states are batched, so the engine applies the core's rules in-process.
        "orchestration",
        "context",
        "futures",
        "interruptions",
        "logging",
        "log_prints",
        "task_runners",
        # A task's result_storage_key is filled in with the cauce.runtime modules.
        "runtime",
    },
    "client": {"orchestration", "database"},
    "orchestration": {"database"},
    "database": set(),
    # `cauce migrate`: rewrites Prefect sources (it looks cauce's names up by importlib),
    # writes prefect.yaml's deployments into cauce.yaml, and with --from-server creates a
    # Prefect server's pools, deployments (the core's pure schedule checks first) and
    # variables through the client, as `cauce deploy` and `cauce variable set` do.
    "migrate": {"deployments", "client", "orchestration", "variables"},
    # What the engine hands to user code, and what user code reads during a run.
    # Its deployment is read through the client, once, on first use.
    "runtime": {"context", "client"},
    # prefect_test_harness: a temporary embedded store, the process's client made afresh.
    "testing": {"client"},
    # Prefect's Variable: named values read and written through the client.
    "variables": {"client"},
    # Prefect's blocks: fields saved and loaded through the client; whether the caller
    # awaits is the run context's question.
    "blocks": {"client", "context"},
    # Prefect's emit_event: recorded through the client, the run in the context related.
    "events": {"client", "context"},
    # Prefect's artifacts: made through the client, for the run in the context.
    "artifacts": {"context", "client"},
    # Prefect's global concurrency limits: slots taken and given back through the client;
    # a missing limit is logged by the run's logger, as Prefect does.
    "concurrency": {"client", "context", "logging"},
    "log_prints": {"context", "logging"},
    "logging": {"context", "interruptions"},
    "context": {"futures", "task_runners"},
    "futures": set(),
    "task_runners": set(),
    "interruptions": set(),
}

# Type-only references back up, under `if TYPE_CHECKING:`: the engine and the run
# context hold the Flow and the Task they run; deployments and `serve` the Flow they deploy.
TYPE_ONLY = {
    "engine": {"flows", "tasks"},
    "context": {"flows", "tasks"},
    "deployments": {"flows"},
    "workers": {"flows"},
}

ENTRY_POINTS = {"cli", "server", "workers"}

SOURCE = Path(cauce.__file__).parent


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "cauce"


def _module_name(path: Path) -> str:
    parts = ("cauce", *path.relative_to(SOURCE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    return ast.unparse(node.test) in {"TYPE_CHECKING", "typing.TYPE_CHECKING"}


def _imports(tree: ast.AST, type_only: bool = False) -> list[tuple[str, bool, int]]:
    """(module imported, under TYPE_CHECKING, line) for every import in `tree`."""
    found: list[tuple[str, bool, int]] = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, type_only, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level:
            # Relative: in no layer, so always reported (cauce spells imports in full).
            found.append(
                ("cauce." + "." * node.level + (node.module or ""), type_only, node.lineno)
            )
        elif isinstance(node, ast.ImportFrom) and node.module:
            # `from cauce import runtime` imports cauce.runtime.
            names = (
                [f"{node.module}.{a.name}" for a in node.names] if node.module == "cauce" else []
            )
            found += [(name, type_only, node.lineno) for name in names or [node.module]]
        else:
            nested = type_only or (isinstance(node, ast.If) and _is_type_checking(node))
            found += _imports(node, nested)
    return found


def _violations() -> list[str]:
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        module = _module_name(path)
        layer = _layer(module)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for imported, type_only, line in _imports(tree):
            if imported != "cauce" and not imported.startswith("cauce."):
                continue
            target = _layer(imported)
            allowed = ALLOWED.get(layer, set()) | LEAVES | {layer}
            if type_only:
                allowed |= TYPE_ONLY.get(layer, set())
            if target not in allowed:
                found.append(f"{path.relative_to(SOURCE)}:{line}: {module} imports {imported}")
    return found


def test_every_module_belongs_to_a_layer() -> None:
    layers = {_layer(_module_name(path)) for path in SOURCE.rglob("*.py")}
    assert layers - set(ALLOWED) - LEAVES == set(), "add the new package to ALLOWED"


def test_imports_follow_the_layers() -> None:
    assert _violations() == []


def test_the_layers_have_no_cycle() -> None:
    graphlib.TopologicalSorter(ALLOWED).prepare()  # raises CycleError


def test_entry_points_are_imported_by_nobody_but_the_cli_starting_them() -> None:
    importers = {(layer, target) for layer, targets in ALLOWED.items() for target in targets}
    assert {(layer, t) for layer, t in importers if t in ENTRY_POINTS} == {
        ("cli", "server"),
        ("cli", "workers"),
        ("flows", "workers"),
    }


def test_the_checker_sees_function_level_and_type_only_imports() -> None:
    tree = ast.parse(
        "import cauce.a\n"
        "from cauce import runtime\n"
        "if TYPE_CHECKING:\n    from cauce.b import X\n"
        "def f():\n    from cauce.c import Y\n"
        "from .d import Z\n"
    )
    assert _imports(tree) == [
        ("cauce.a", False, 1),
        ("cauce.runtime", False, 2),
        ("cauce.b", True, 4),
        ("cauce.c", False, 6),
        ("cauce..d", False, 7),
    ]
