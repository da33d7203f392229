"""The user guide's three ways of logging (§6.1, §6.2, §6.3), as a user runs them.

Each script runs in a fresh interpreter; the tests check what it printed, what
the run's stored logs hold, and what landed in files.
"""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path

import pytest

from tests.conftest import Store, run_script
from tests.engine.records import flow_runs_of, only_run_of, recorded
from tests.engine.scripts import RunningScript, store_env, terminal_lines, write_script
from tests.guide import FIRST_EXAMPLE

GUIDE_62_BODY = textwrap.dedent("""
    @task
    def mi_tarea(mensaje_tarea: str = ""):
        logger.info("Hola %s desde la tarea", mensaje_tarea)

    @flow
    def mi_flujo(mensaje_flujo: str = ""):
        logger.info("Hola %s desde el flujo", mensaje_flujo)
        mi_tarea(mensaje_flujo)

    if __name__ == '__main__':
        mi_flujo("mundo")
""")

GUIDE_62_SETUP = textwrap.dedent("""
    import logging

    logging.basicConfig(
        format='%(asctime)s,%(msecs)03d %(name)-8s %(levelname)-8s : %(message)s',
        datefmt='%Y-%m-%d %H:%M:%S',
        filename='mislogs.log',
        encoding='utf-8',
        filemode='a',
        level=logging.INFO
    )
    other = logging.getLogger('other')
    other.setLevel(logging.ERROR)

    # The guide creates its logger before importing Prefect; cauce does not care.
    logger = logging.getLogger('custom')
    logger.setLevel(logging.INFO)
""")

GUIDE_63 = """
    from cauce import flow, task, get_run_logger
    from cauce.logging import log_to_file

    @task
    def mi_tarea(mensaje_tarea: str = ""):
        logger = get_run_logger()
        logger.info("Iniciando tarea...")
        logger.info("Hola %s desde la tarea", mensaje_tarea)
        # The guide's cambiar_rotfile_handler_params: the rest of the task goes to hola.log.
        with log_to_file("{script_dir}/logs/hola.log"):
            logger.info("Tarea finalizada...")

    @flow
    def mi_flujo(mensaje_flujo: str = ""):
        logger = get_run_logger()
        logger.info("Hola %s desde el flujo", mensaje_flujo)
        mi_tarea(mensaje_flujo)

    if __name__ == '__main__':
        mi_flujo("mundo")
"""


def test_61_run_logger_reaches_terminal_and_store(tmp_path: Path, store: Store) -> None:
    result = run_script(write_script(tmp_path, FIRST_EXAMPLE), store_env())
    assert result.returncode == 0, result.stderr
    messages = [m for _, _, m in terminal_lines(result.stderr)]
    assert "Hola mundo desde el flujo" in messages
    assert "Hola mundo desde la tarea" in messages
    run = only_run_of(store, "mi-flujo")
    assert "Hola mundo desde la tarea" in run.messages


class TestExtraLoggers:
    @pytest.mark.parametrize("cauce_first", [False, True], ids=["logger-first", "cauce-first"])
    def test_62_stdlib_logger_reaches_terminal_store_and_its_own_file(
        self, tmp_path: Path, store: Store, cauce_first: bool
    ) -> None:
        imports = "from cauce import task, flow\n"
        source = (
            imports + GUIDE_62_SETUP if cauce_first else GUIDE_62_SETUP + "\n" + imports
        ) + GUIDE_62_BODY
        env = {**store_env(), "CAUCE_LOGGING_EXTRA_LOGGERS": "custom,test"}
        result = run_script(write_script(tmp_path, source), env)
        assert result.returncode == 0, result.stderr
        lines = terminal_lines(result.stderr)
        assert ("INFO", "custom", "Hola mundo desde el flujo") in lines
        assert ("INFO", "custom", "Hola mundo desde la tarea") in lines

        run = only_run_of(store, "mi-flujo")
        assert "Hola mundo desde el flujo" in run.messages
        logs = [entry for _, entry in store.client.read_logs(run.flow_run.id)]
        task_line = next(e for e in logs if e.message == "Hola mundo desde la tarea")
        assert task_line.task_run_id == run.task_run("mi_tarea-0").id

        own_file = (tmp_path / "mislogs.log").read_text()
        assert "custom   INFO     : Hola mundo desde el flujo" in own_file
        assert "cauce" not in own_file  # cauce's own lines stay out of the user's file

    def test_62_extra_loggers_from_a_profile(self, tmp_path: Path, store: Store) -> None:
        home = Path(store_env()["CAUCE_HOME"])
        home.mkdir(parents=True, exist_ok=True)
        (home / "profiles.toml").write_text(
            'active = "default"\n\n[profiles.default]\nCAUCE_LOGGING_EXTRA_LOGGERS = "custom"\n'
        )
        source = GUIDE_62_SETUP + "\nfrom cauce import task, flow\n" + GUIDE_62_BODY
        result = run_script(write_script(tmp_path, source), store_env())
        assert result.returncode == 0, result.stderr
        assert ("INFO", "custom", "Hola mundo desde la tarea") in terminal_lines(result.stderr)

    def test_other_loggers_keep_their_level_and_handlers(
        self, tmp_path: Path, store: Store
    ) -> None:
        source = GUIDE_62_SETUP + (
            "\nfrom cauce import flow\nimport logging\n"
            "@flow\ndef f():\n    pass\n"
            "f()\n"
            "root = logging.getLogger()\n"
            "print(logging.getLogger('other').level, len(root.handlers), root.level)\n"
        )
        env = {**store_env(), "CAUCE_LOGGING_EXTRA_LOGGERS": "custom"}
        result = run_script(write_script(tmp_path, source), env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == [str(logging.ERROR), "1", str(logging.INFO)]

    def test_a_run_after_the_script_replaced_logging_still_records_its_lines(
        self, tmp_path: Path, store: Store
    ) -> None:
        source = textwrap.dedent("""
            import logging.config
            from cauce import flow, get_run_logger

            @flow
            def f(n: int):
                get_run_logger().info("line of run %d", n)

            f(1)
            # The script's own logging setup, made after cauce's first run.
            logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
            logging.getLogger("cauce").handlers.clear()
            f(2)
        """)
        result = run_script(write_script(tmp_path, source), store_env())
        assert result.returncode == 0, result.stderr
        assert "line of run 2" in result.stderr
        messages = [m for run in flow_runs_of(store, "f") for m in recorded(store, run.id).messages]
        assert "line of run 1" in messages and "line of run 2" in messages


class TestLogFiles:
    def test_63_every_record_in_the_run_file_and_one_block_in_another(
        self, tmp_path: Path, store: Store
    ) -> None:
        env = {**store_env(), "CAUCE_LOGGING_FILE": "{script_dir}/logs/{flow_name}-{date}.log"}
        result = run_script(write_script(tmp_path, GUIDE_63), env)
        assert result.returncode == 0, result.stderr
        [run_file] = (tmp_path / "logs").glob("mi-flujo-*.log")
        flow_file = run_file.read_text()
        for line in (
            "cauce.engine - Created flow run",
            "Hola mundo desde el flujo",
            "Task run 'mi_tarea-0' - Iniciando tarea...",
            "Task run 'mi_tarea-0' - Finished in state Completed()",
            "Finished in state Completed('All states completed.')",
        ):
            assert line in flow_file
        assert "Tarea finalizada" not in flow_file
        hola = (tmp_path / "logs" / "hola.log").read_text().splitlines()
        assert len(hola) == 1 and hola[0].endswith("Task run 'mi_tarea-0' - Tarea finalizada...")
        # The terminal and the store still get everything.
        assert "Tarea finalizada..." in [m for _, _, m in terminal_lines(result.stderr)]
        assert "Tarea finalizada..." in only_run_of(store, "mi-flujo").messages

    def test_flow_and_task_log_file_options(self, tmp_path: Path, store: Store) -> None:
        source = """
            from cauce import flow, task, get_run_logger

            @task(log_file="task.log")
            def t():
                get_run_logger().info("from the task")

            @flow(log_file="flow.log")
            def f():
                get_run_logger().info("from the flow")
                t()

            f()
        """
        result = run_script(write_script(tmp_path, source), store_env())
        assert result.returncode == 0, result.stderr
        assert "from the flow" in (tmp_path / "flow.log").read_text()
        assert "from the task" not in (tmp_path / "flow.log").read_text()
        assert "from the task" in (tmp_path / "task.log").read_text()

    def test_nothing_is_lost_before_sys_exit_from_threads_or_a_raising_task(
        self, tmp_path: Path, store: Store
    ) -> None:
        source = """
            import logging, sys, threading
            from cauce import flow, task, get_run_logger

            custom = logging.getLogger("custom")

            @task
            def breaks():
                get_run_logger().info("before raising")
                raise ValueError("boom")

            @flow
            def f():
                worker = threading.Thread(target=lambda: custom.warning("from a thread"))
                worker.start()
                worker.join()
                try:
                    breaks()
                except ValueError:
                    pass
                get_run_logger().info("last words")
                sys.exit(3)

            f()
        """
        env = {
            **store_env(),
            "CAUCE_LOGGING_EXTRA_LOGGERS": "custom",
            "CAUCE_LOGGING_FILE": str(tmp_path / "run.log"),
        }
        result = run_script(write_script(tmp_path, source), env)
        assert result.returncode == 3, result.stderr
        messages = only_run_of(store, "f").messages
        text = (tmp_path / "run.log").read_text()
        for line in ("from a thread", "before raising", "last words"):
            assert line in messages
            assert line in text
        assert "Task run encountered an exception ValueError: boom" in text


class TestLoggingYaml:
    def test_user_yaml_replaces_the_default_with_settings_substituted(
        self, tmp_path: Path, store: Store
    ) -> None:
        config = tmp_path / "logging.yml"
        config.write_text(
            "version: 1\n"
            "formatters:\n  plain:\n    format: 'PLAIN %(levelname)s %(name)s %(message)s'\n"
            "handlers:\n"
            "  console: {class: logging.StreamHandler, formatter: plain, stream: ext://sys.stderr}\n"
            "  run_logs: {class: cauce.logging.run_logger.RunLogHandler}\n"
            "loggers:\n"
            "  cauce: {level: '${CAUCE_LOGGING_LEVEL}', handlers: [console, run_logs], "
            "propagate: false}\n"
        )
        env = {
            **store_env(),
            "CAUCE_LOGGING_SETTINGS_PATH": str(config),
            "CAUCE_LOGGING_LEVEL": "WARNING",
        }
        source = """
            from cauce import flow, get_run_logger

            @flow
            def f():
                get_run_logger().info("quiet")
                get_run_logger().warning("loud")

            f()
        """
        result = run_script(write_script(tmp_path, source), env)
        assert result.returncode == 0, result.stderr
        assert "PLAIN WARNING cauce.flow_runs loud" in result.stderr
        assert "quiet" not in result.stderr
        assert "loud" in only_run_of(store, "f").messages

    def test_broken_yaml_is_an_error_naming_the_file_and_line(self, tmp_path: Path) -> None:
        config = tmp_path / "broken.yml"
        config.write_text("version: 1\nloggers:\n  cauce: [unclosed\n")
        source = "from cauce import flow\n@flow\ndef f():\n    pass\nf()\n"
        env = {"CAUCE_HOME": str(tmp_path / "home"), "CAUCE_LOGGING_SETTINGS_PATH": str(config)}
        result = run_script(write_script(tmp_path, source), env)
        assert result.returncode == 1
        last = result.stderr.strip().splitlines()[-1]
        assert str(config) in last and "invalid YAML at line 4" in last

    def test_the_shipped_yaml_sets_up_what_the_default_does(self, cauce_home: Path) -> None:
        from cauce.logging.config import DEFAULT_CONFIG_PATH, apply_yaml, configure_logging
        from cauce.settings import get_settings

        def shape() -> list[tuple[str, str, str | None]]:
            logger = logging.getLogger("cauce")
            return [
                (type(h).__name__, logging.getLevelName(logger.level), type(h.formatter).__name__)
                for h in logger.handlers
            ]

        # conftest's autouse fixture puts the logging setup back after the test.
        configure_logging(get_settings(), force=True)
        from_code = shape()
        apply_yaml(DEFAULT_CONFIG_PATH)
        from_yaml = shape()
        assert from_code == from_yaml
        assert [name for name, _, _ in from_code] == [
            "RunLogHandler",
            "StreamHandler",
            "RunFileHandler",
        ]


def test_sigterm_keeps_what_was_logged_in_store_and_file(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = """
        import time
        from cauce import flow, get_run_logger

        @flow
        def f():
            get_run_logger().info("started")
            time.sleep(30)

        f()
    """
    log_file = tmp_path / "run.log"
    monkeypatch.setenv("CAUCE_LOGGING_FILE", str(log_file))
    running = RunningScript(write_script(tmp_path, source))
    running.wait_for_line("started")
    running.process.terminate()
    assert running.finish() == 143
    assert "started" in only_run_of(store, "f").messages
    text = log_file.read_text()
    assert "started" in text and "Finished in state Crashed" in text
