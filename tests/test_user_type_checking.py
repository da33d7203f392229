"""A user's type checker sees cauce's types: py.typed ships, and `@flow` / `@task` keep the
function's signature and return type (the overloads of `Flow.__call__` / `Task.__call__`).

mypy runs in a subprocess, from a folder of its own, on a user's script that imports the
installed package. Without py.typed it would skip cauce ("missing library stubs or
py.typed marker") and find none of the errors below.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cauce

USER_SCRIPT = """\
from typing import Any

from cauce import flow, task
from cauce.states import State


def keeps(state: State[Any]) -> bool:  # as Prefect users annotate states
    return state.is_completed()


@task
def double(x: int) -> int:
    return x * 2


@flow
def pipeline(n: int) -> str:
    return str(double(n))


reveal_type(pipeline(3))
reveal_type(double.submit(2))
pipeline("three")
doubled: str = double(2)
"""


def test_py_typed_is_in_the_package() -> None:
    assert (Path(cauce.__file__).parent / "py.typed").is_file()


def test_mypy_checks_a_users_calls_of_flows_and_tasks(tmp_path: Path) -> None:
    (tmp_path / "user_flow.py").write_text(USER_SCRIPT)
    # A config of its own, so that cauce's [tool.mypy] (strict, files = src/cauce) stays out.
    (tmp_path / "mypy.ini").write_text("[mypy]\n")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"), "user_flow.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    out = result.stdout.replace("builtins.", "")  # older mypy writes "builtins.str"
    assert "py.typed" not in out and "import-untyped" not in out, out
    assert f'{_at("reveal_type(pipeline")}: note: Revealed type is "str"' in out, out
    assert (
        f'{_at("reveal_type(double")}: note: Revealed type is "cauce.futures.TaskRunFuture[int]"'
        in out
    )
    assert (
        f'{_at("pipeline(")}: error: No overload variant of "__call__" of "Flow" '
        'matches argument type "str"'
    ) in out
    assert (
        f"{_at('doubled:')}: error: Incompatible types in assignment "
        '(expression has type "int", variable has type "str")'
    ) in out
    assert "Found 2 errors in 1 file" in out, out


def _at(start: str) -> str:
    """`user_flow.py:<line>` of the line of USER_SCRIPT that starts with `start`."""
    [line] = [n for n, text in enumerate(USER_SCRIPT.splitlines(), 1) if text.startswith(start)]
    return f"user_flow.py:{line}"
