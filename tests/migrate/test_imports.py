"""The import rewrite on sources: what changes, what is kept byte for byte, what is left alone."""

from __future__ import annotations

import textwrap

from cauce.migrate.imports import Use, rewrite


def _rewritten(source: str) -> str:
    return rewrite(textwrap.dedent(source).encode()).source.decode()


class TestImportStatements:
    def test_from_imports_and_module_imports_get_cauce_paths(self):
        source = """\
            import prefect
            from prefect import flow, task
            from prefect.tasks import task_input_hash
            from prefect.states import Completed
            import prefect.runtime.flow_run
            from prefect.task_runners import ThreadPoolTaskRunner
            from prefect_dask import DaskTaskRunner
            from prefect_dask.task_runners import DaskTaskRunner as Dask
            """
        assert _rewritten(source) == textwrap.dedent(
            """\
            import cauce
            from cauce import flow, task
            from cauce.tasks import task_input_hash
            from cauce.states import Completed
            import cauce.runtime.flow_run
            from cauce.task_runners import ThreadPoolTaskRunner
            from cauce.task_runners import DaskTaskRunner
            from cauce.task_runners import DaskTaskRunner as Dask
            """
        )

    def test_aliases_are_kept(self):
        source = "from prefect import flow as f\nimport prefect as pf\nimport prefect_dask\n"
        assert _rewritten(source) == (
            "from cauce import flow as f\nimport cauce as pf\n"
            "import cauce.task_runners as prefect_dask\n"
        )

    def test_comments_formatting_and_other_code_are_kept(self):
        source = """\
            # A flow, as written for Prefect.
            from prefect import (  # the orchestrator
                flow,    # odd spacing stays
                task,
            )
            import os ;  import prefect.logging


            @flow(  retries = 2 )
            def main():   # trailing comment
                return os.sep
            """
        expected = source.replace("from prefect import", "from cauce import").replace(
            "import prefect.logging", "import cauce.logging"
        )
        assert _rewritten(source) == textwrap.dedent(expected)

    def test_windows_newlines_are_kept(self):
        result = rewrite(b"from prefect import flow\r\n\r\nx = 1\r\n")
        assert result.source == b"from cauce import flow\r\n\r\nx = 1\r\n"

    def test_imports_inside_functions_are_rewritten(self):
        source = "def main():\n    from prefect.states import Failed\n    return Failed\n"
        assert "from cauce.states import Failed" in _rewritten(source)

    def test_the_count_is_of_statements_changed(self):
        result = rewrite(b"import prefect, os\nfrom prefect import flow\nimport json\n")
        assert result.imports_rewritten == 2
        assert result.source == b"import cauce, os\nfrom cauce import flow\nimport json\n"


class TestLeftAlone:
    def test_relative_imports(self):
        source = "from . import prefect\nfrom .prefect import flow\nfrom ..prefect.x import y\n"
        assert _rewritten(source) == source

    def test_modules_whose_names_only_start_with_prefect(self):
        source = "import prefecture\nfrom prefecture.tokyo import flow\nimport prefects as p\n"
        assert _rewritten(source) == source
        assert rewrite(source.encode()).uses == []

    def test_integrations_cauce_has_no_place_for(self):
        source = "from prefect_aws import S3Bucket\nimport prefect_shell\n"
        result = rewrite(source.encode())
        assert result.source.decode() == source
        assert result.imports_rewritten == 0
        assert result.uses == [Use(1, "prefect_aws.S3Bucket", None), Use(2, "prefect_shell", None)]

    def test_a_source_without_prefect(self):
        source = "import os\n\nprint(os.getcwd())  # prefect.flow in a comment\n"
        assert _rewritten(source) == source


class TestModuleNameUses:
    def test_attribute_uses_of_prefect_become_cauce(self):
        source = """\
            import prefect
            import prefect.runtime

            @prefect.flow
            def main():
                print(prefect.runtime.flow_run.name)
                return prefect.states.Completed()
            """
        assert _rewritten(source) == textwrap.dedent(
            """\
            import cauce
            import cauce.runtime

            @cauce.flow
            def main():
                print(cauce.runtime.flow_run.name)
                return cauce.states.Completed()
            """
        )

    def test_a_local_name_prefect_that_shadows_the_import_is_left_alone(self):
        source = "import prefect\n\ndef f(prefect):\n    return prefect.flow\n\ng = prefect.task\n"
        assert _rewritten(source) == (
            "import cauce\n\ndef f(prefect):\n    return prefect.flow\n\ng = cauce.task\n"
        )

    def test_an_alias_keeps_its_uses(self):
        source = "import prefect as pf\n\n@pf.flow\ndef main():\n    pass\n"
        assert _rewritten(source) == source.replace("import prefect", "import cauce")


class TestUses:
    def test_imported_names_and_attribute_chains_with_their_lines(self):
        source = """\
            import prefect as pf
            from prefect.runtime import flow_run
            from prefect import (
                flow,
                get_client,
            )

            name = flow_run.name
            limit = pf.concurrency.sync.rate_limit
            """
        result = rewrite(textwrap.dedent(source).encode())
        assert result.uses == [
            Use(1, "prefect", "cauce"),
            Use(2, "prefect.runtime.flow_run", "cauce.runtime.flow_run"),
            Use(4, "prefect.flow", "cauce.flow"),
            Use(5, "prefect.get_client", "cauce.get_client"),
            Use(8, "prefect.runtime.flow_run.name", "cauce.runtime.flow_run.name"),
            Use(9, "prefect.concurrency.sync.rate_limit", "cauce.concurrency.sync.rate_limit"),
        ]
