"""Flow entrypoints are found, and hand-typed ones checked, by reading source, not importing."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cauce.deployments.discovery import (
    IMPORTS_PREFECT,
    EntrypointError,
    FlowEntrypoint,
    SkippedFile,
    discover,
    find_flow_entrypoints,
    load_entrypoint,
)

BASIC = """\
from cauce import flow, task
@task
def print_text(text):
    print(text)
@flow
def basic_flow(mensaje: str = "Hola"):
    print_text(mensaje)
if __name__ == "__main__":
    basic_flow()
"""

# Importing any file written by these tests would fail loudly: discovery must only read them.
EXPLODES = "raise SystemExit('imported!')\n"


def write(root: Path, relative: str, source: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(EXPLODES + textwrap.dedent(source), encoding="utf-8")
    return path


def script(
    decorator: str = "@flow", imports: str = "from cauce import flow", name: str = "f"
) -> str:
    main = f"if __name__ == '__main__':\n    {name}()\n"
    return f"{imports}\n{decorator}\ndef {name}():\n    pass\n{main}"


def found(root: Path) -> list[str]:
    return [flow.entrypoint for flow in find_flow_entrypoints(root)]


class TestFlowEntrypoint:
    def test_entrypoint_uses_forward_slashes(self):
        flow = FlowEntrypoint(Path("a") / "b" / "c.py", "my_flow", "my-flow", 3)
        assert flow.entrypoint == "a/b/c.py:my_flow"


class TestWhatCountsAsAFlowScript:
    def test_the_guides_basic_example(self, tmp_path):
        (tmp_path / "basic.py").write_text(BASIC, encoding="utf-8")
        assert find_flow_entrypoints(tmp_path) == [
            FlowEntrypoint(Path("basic.py"), "basic_flow", "basic-flow", 6)
        ]

    def test_a_flow_its_file_never_calls_under_main_is_not_offered(self, tmp_path):
        write(tmp_path, "library.py", "from cauce import flow\n@flow\ndef f():\n    pass\n")
        write(
            tmp_path,
            "other_call.py",
            script() + "    print('f is not the only thing called')\n",
        )
        write(
            tmp_path,
            "calls_another.py",
            "from cauce import flow\n@flow\ndef f():\n    pass\n"
            "def g():\n    pass\nif __name__ == '__main__':\n    g()\n",
        )
        assert found(tmp_path) == ["other_call.py:f"]

    def test_a_file_with_only_tasks_is_not_offered(self, tmp_path):
        write(
            tmp_path,
            "tasks.py",
            "from cauce import task\n@task\ndef t():\n    pass\n"
            "if __name__ == '__main__':\n    t()\n",
        )
        assert found(tmp_path) == []

    def test_a_flow_decorator_from_another_library_is_not_cauces(self, tmp_path):
        write(tmp_path, "other.py", script(imports="from somewhere import flow"))
        write(tmp_path, "no_import.py", script(imports=""))
        assert found(tmp_path) == []

    @pytest.mark.parametrize(
        ("imports", "decorator"),
        [
            ("from cauce import flow", "@flow"),
            ("from cauce import flow", "@flow(retries=2)"),
            ("import cauce", "@cauce.flow"),
            ("import cauce", "@cauce.flow(retries=2)"),
            ("import cauce as c", "@c.flow"),
            ("from cauce import flow as f2", "@f2"),
            ("from cauce import flow as f2", "@f2()"),
            ("from cauce import *", "@flow"),
            ("from cauce.flows import flow", "@flow"),
            ("import cauce.flows", "@cauce.flows.flow"),
            ("try:\n    from cauce import flow\nexcept ImportError:\n    pass", "@flow"),
        ],
    )
    def test_every_way_of_naming_cauces_flow(self, tmp_path, imports, decorator):
        write(tmp_path, "script.py", script(decorator, imports))
        assert found(tmp_path) == ["script.py:f"]

    @pytest.mark.parametrize(
        ("imports", "decorator"),
        [
            ("from prefect import flow", "@flow"),
            ("import prefect", "@prefect.flow(log_prints=True)"),
            ("from prefect import flow as pflow", "@pflow"),
            ("from cauce import flow\nfrom prefect import task", "@flow"),
        ],
    )
    def test_a_file_that_imports_prefect_is_skipped_with_the_reason(
        self, tmp_path, imports, decorator
    ):
        write(tmp_path, "script.py", script(decorator, imports))
        flows, skipped = discover(tmp_path)
        assert flows == [] and found(tmp_path) == []
        assert skipped == [SkippedFile(Path("script.py"), IMPORTS_PREFECT)]
        with pytest.raises(EntrypointError, match="script.py imports prefect: change the import"):
            load_entrypoint(tmp_path, "script.py:f")

    def test_the_flow_may_be_one_of_several_decorators(self, tmp_path):
        write(
            tmp_path,
            "script.py",
            script("@functools.cache\n@flow", "import functools\n" + "from cauce import flow"),
        )
        assert found(tmp_path) == ["script.py:f"]

    def test_an_async_flow_run_with_asyncio(self, tmp_path):
        write(
            tmp_path,
            "aflow.py",
            """\
            import asyncio
            from cauce import flow
            @flow
            async def fetch(n: int = 1):
                pass
            if __name__ == "__main__":
                asyncio.run(fetch(n=2))
            """,
        )
        assert [(f.entrypoint, f.flow_name) for f in find_flow_entrypoints(tmp_path)] == [
            ("aflow.py:fetch", "fetch")
        ]

    @pytest.mark.parametrize(
        "main_block",
        [
            "f()",
            "f(x=1)",
            "result = f()",
            "print(f())",
            "if len(sys.argv) > 1:\n        pass\n    else:\n        f()",
            "for _ in range(3):\n        f()",
            "try:\n        f()\n    except Exception:\n        raise",
            "with open(__file__):\n        f()",
        ],
    )
    def test_any_call_of_the_flow_inside_the_main_block(self, tmp_path, main_block):
        source = "import sys\nfrom cauce import flow\n@flow\ndef f(x=0):\n    pass\n"
        write(tmp_path, "s.py", source + f"if __name__ == '__main__':\n    {main_block}\n")
        assert found(tmp_path) == ["s.py:f"]

    def test_the_main_guard_may_be_written_the_other_way_round(self, tmp_path):
        source = "from cauce import flow\n@flow\ndef f():\n    pass\n"
        source += "if '__main__' == __name__:\n    f()\n"
        write(tmp_path, "s.py", source)
        assert found(tmp_path) == ["s.py:f"]

    def test_a_flow_defined_inside_the_main_block_is_not_importable_so_not_offered(self, tmp_path):
        write(
            tmp_path,
            "s.py",
            "from cauce import flow\nif __name__ == '__main__':\n"
            "    @flow\n    def f():\n        pass\n    f()\n",
        )
        assert found(tmp_path) == []

    def test_only_the_flows_called_are_offered_from_a_file_with_several(self, tmp_path):
        write(
            tmp_path,
            "two.py",
            """\
            from cauce import flow
            @flow
            def first():
                pass
            @flow
            def second():
                pass
            @flow
            def third():
                pass
            if __name__ == "__main__":
                third()
                first()
            """,
        )
        assert found(tmp_path) == ["two.py:first", "two.py:third"]


class TestFlowName:
    def test_the_function_name_with_dashes_by_default(self, tmp_path):
        write(tmp_path, "s.py", script(name="load_daily_sales"))
        [flow] = find_flow_entrypoints(tmp_path)
        assert flow.flow_name == "load-daily-sales"

    def test_the_name_given_to_flow(self, tmp_path):
        write(tmp_path, "s.py", script('@flow(name="Mi flujo", retries=1)'))
        [flow] = find_flow_entrypoints(tmp_path)
        assert (flow.function, flow.flow_name) == ("f", "Mi flujo")

    def test_a_name_that_is_not_a_literal_falls_back_to_the_function_name(self, tmp_path):
        write(tmp_path, "s.py", "NAME = 'x'\n" + script("@flow(name=NAME)"))
        [flow] = find_flow_entrypoints(tmp_path)
        assert flow.flow_name == "f"


class TestWhereItLooks:
    def test_nested_packages_are_searched_and_paths_are_relative_to_the_root(self, tmp_path):
        write(tmp_path, "flows/__init__.py", "")
        write(tmp_path, "flows/sales/__init__.py", "")
        write(tmp_path, "flows/sales/daily.py", script(name="daily"))
        write(tmp_path, "top.py", script(name="top"))
        flows = find_flow_entrypoints(tmp_path)
        assert [flow.entrypoint for flow in flows] == ["flows/sales/daily.py:daily", "top.py:top"]
        assert flows[0].path == Path("flows", "sales", "daily.py")

    def test_sorted_by_path_then_line(self, tmp_path):
        write(tmp_path, "b.py", script(name="b"))
        write(
            tmp_path,
            "a.py",
            "from cauce import flow\n@flow\ndef z():\n    pass\n@flow\ndef y():\n    pass\n"
            "if __name__ == '__main__':\n    y()\n    z()\n",
        )
        assert found(tmp_path) == ["a.py:z", "a.py:y", "b.py:b"]

    @pytest.mark.parametrize(
        "folder",
        [
            ".venv/lib/python3.11/site-packages/pkg",
            "venv/lib",
            "env",
            ".git/hooks",
            ".hidden",
            "node_modules/some",
            "__pycache__",
            "vendor/site-packages/pkg",
        ],
    )
    def test_installed_code_and_hidden_folders_are_skipped(self, tmp_path, folder):
        write(tmp_path, f"{folder}/x.py", script())
        write(tmp_path, "mine.py", script(name="mine"))
        assert found(tmp_path) == ["mine.py:mine"]

    def test_a_virtualenv_under_any_name_is_skipped(self, tmp_path):
        (tmp_path / "toolenv").mkdir()
        (tmp_path / "toolenv" / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
        write(tmp_path, "toolenv/lib/x.py", script())
        assert found(tmp_path) == []

    def test_the_root_itself_may_hold_pyvenv_cfg(self, tmp_path):
        (tmp_path / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
        write(tmp_path, "s.py", script())
        assert found(tmp_path) == ["s.py:f"]

    def test_files_that_do_not_parse_or_decode_are_skipped(self, tmp_path):
        write(tmp_path, "broken.py", script() + "def (:\n")
        (tmp_path / "latin1.py").write_bytes(script().encode() + b"# \xff\xfe\n")
        (tmp_path / "nul.py").write_bytes(script().encode() + b"\x00\n")
        write(tmp_path, "good.py", script(name="good"))
        assert found(tmp_path) == ["good.py:good"]

    def test_a_file_declaring_its_encoding_is_read_in_it(self, tmp_path):
        source = "# -*- coding: latin-1 -*-\n# se\xf1al\n" + script()
        (tmp_path / "latin1.py").write_bytes(source.encode("latin-1"))
        assert found(tmp_path) == ["latin1.py:f"]

    def test_a_folder_linked_back_up_does_not_loop(self, tmp_path):
        write(tmp_path, "s.py", script())
        try:
            (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
        except OSError:
            pytest.skip("this system does not let tests create symlinks")
        assert found(tmp_path) == ["s.py:f"]


class TestLoadEntrypoint:
    @pytest.fixture
    def root(self, tmp_path):
        write(
            tmp_path,
            "flows/basic.py",
            """\
            from cauce import flow, task
            @task
            def print_text(text):
                print(text)
            @flow(name="Básico")
            def basic_flow(mensaje: str = "Hola"):
                print_text(mensaje)
            def helper():
                pass
            """,
        )
        return tmp_path

    def test_a_flow_needs_no_main_block_when_typed_by_hand(self, root):
        assert load_entrypoint(root, "flows/basic.py:basic_flow") == FlowEntrypoint(
            Path("flows", "basic.py"), "basic_flow", "Básico", 7
        )

    def test_windows_backslashes_are_accepted(self, root):
        flow = load_entrypoint(root, "flows\\basic.py:basic_flow")
        assert flow.entrypoint == "flows/basic.py:basic_flow"

    @pytest.mark.parametrize("typed", ["basic.py", "basic.py:", ":basic_flow", "a.py:not-a-name"])
    def test_without_a_function_after_a_colon(self, root, typed):
        with pytest.raises(EntrypointError) as caught:
            load_entrypoint(root, typed)
        assert str(caught.value) == (
            f"entrypoint '{typed}' must look like path/to/file.py:function_name"
        )

    def test_a_missing_file(self, root):
        with pytest.raises(EntrypointError) as caught:
            load_entrypoint(root, "flows\\nope.py:f")
        assert str(caught.value) == "entrypoint 'flows\\nope.py:f': file flows/nope.py not found"

    def test_not_a_python_file(self, root):
        (root / "notes.txt").write_text("x", encoding="utf-8")
        with pytest.raises(EntrypointError) as caught:
            load_entrypoint(root, "notes.txt:f")
        assert str(caught.value) == "entrypoint 'notes.txt:f': notes.txt is not a .py file"

    def test_a_missing_function_suggests_close_names(self, root):
        with pytest.raises(EntrypointError) as caught:
            load_entrypoint(root, "flows/basic.py:basic_flw")
        assert str(caught.value) == (
            "entrypoint 'flows/basic.py:basic_flw': flows/basic.py has no function 'basic_flw'"
            " (did you mean 'basic_flow'?)"
        )

    def test_a_missing_function_with_nothing_close(self, root):
        with pytest.raises(EntrypointError) as caught:
            load_entrypoint(root, "flows/basic.py:zzz")
        assert str(caught.value) == (
            "entrypoint 'flows/basic.py:zzz': flows/basic.py has no function 'zzz'"
        )

    def test_several_close_names(self, tmp_path):
        write(tmp_path, "s.py", "def load_sales():\n    pass\ndef load_sale():\n    pass\n")
        with pytest.raises(EntrypointError) as caught:
            load_entrypoint(tmp_path, "s.py:load_sal")
        assert str(caught.value).endswith("(did you mean 'load_sale' or 'load_sales'?)")

    @pytest.mark.parametrize("function", ["print_text", "helper"])
    def test_a_function_that_is_not_a_flow(self, root, function):
        with pytest.raises(EntrypointError) as caught:
            load_entrypoint(root, f"flows/basic.py:{function}")
        assert str(caught.value) == (
            f"entrypoint 'flows/basic.py:{function}': '{function}' in flows/basic.py"
            " is not a flow (decorate it with @flow)"
        )

    def test_a_file_that_is_not_utf8(self, tmp_path):
        (tmp_path / "latin1.py").write_bytes(b"x = 1\n# se\xf1al\n")
        with pytest.raises(EntrypointError) as caught:
            load_entrypoint(tmp_path, "latin1.py:f")
        assert str(caught.value) == (
            "entrypoint 'latin1.py:f': latin1.py does not parse (not utf-8 text at byte 10)"
        )

    def test_a_file_that_does_not_parse(self, tmp_path):
        (tmp_path / "broken.py").write_text("x = 1\ndef (:\n", encoding="utf-8")
        with pytest.raises(EntrypointError) as caught:
            load_entrypoint(tmp_path, "broken.py:f")
        assert str(caught.value) == (
            "entrypoint 'broken.py:f': broken.py does not parse (line 2: invalid syntax)"
        )
