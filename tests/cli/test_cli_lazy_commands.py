"""A `cauce` command imports its own module only: the others load when run or listed."""

from __future__ import annotations

import json
import subprocess
import sys

from cauce.cli.main import COMMANDS

RUN_AND_LIST_MODULES = """
import json, sys
from cauce.cli.main import main
sys.argv = ["cauce", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit as exit:
    code = exit.code
print(json.dumps([code, sorted(m for m in sys.modules if m.startswith("cauce.cli."))]))
"""


def _run(cauce_home, *args: str) -> tuple[int, list[str], str]:
    """Run `cauce ARGS...`: its exit code, the cauce.cli modules it imported, and its
    stdout then stderr."""
    result = subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST_MODULES, json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    code, modules = json.loads(result.stdout.splitlines()[-1])
    return code, modules, result.stdout + result.stderr


def test_cauce_version_imports_no_other_command(cauce_home):
    code, modules, out = _run(cauce_home, "version")
    assert code in (None, 0), out
    assert "Version:" in out
    others = {where.module for name, where in COMMANDS.items() if name != "version"}
    assert not others & set(modules), sorted(others & set(modules))
    assert "cauce.cli.version" in modules


def test_a_noun_imports_its_module_and_not_the_server(cauce_home):
    code, modules, out = _run(cauce_home, "variable", "ls")
    assert code in (None, 0), out
    assert "cauce.cli.variable" in modules
    assert "cauce.cli.server" not in modules
    assert "cauce.cli.deploy" not in modules


def test_the_root_help_lists_every_command_but_the_hidden_alias_in_order(cauce_home):
    code, _, out = _run(cauce_home, "--help")
    assert code in (None, 0), out
    rows = [line for line in out.splitlines() if line.startswith("│ ") and line[2] != " "]
    listed = [row.split()[1] for row in rows]
    commands = [name for name in listed if name in COMMANDS]
    assert commands == [name for name, where in COMMANDS.items() if not where.hidden]
    assert "gcl" not in listed


def test_the_hidden_alias_runs_as_the_command_it_names(cauce_home):
    _, _, alias = _run(cauce_home, "gcl", "--help")
    _, _, full = _run(cauce_home, "global-concurrency-limit", "--help")
    assert "Create, list, inspect, update and delete" in alias
    # Alike but for the name in the usage line (and its padding).
    assert alias.replace("cauce gcl", "cauce global-concurrency-limit").split() == full.split()


def test_an_unknown_command_is_refused_with_a_suggestion(cauce_home):
    code, modules, out = _run(cauce_home, "flow-rn")
    assert code == 2
    assert "No such command 'flow-rn'. Did you mean 'flow-run', 'flow'?" in out
    assert "cauce.cli.flow_run" not in modules
