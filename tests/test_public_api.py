"""The public surface: `__all__` is complete and sorted, and `import cauce` stays light."""

from __future__ import annotations

import json
import subprocess
import sys

import cauce


def test_all_is_sorted_and_every_name_resolves() -> None:
    assert cauce.__all__ == sorted(cauce.__all__)
    for name in cauce.__all__:
        assert getattr(cauce, name) is not None, name


def test_every_lazy_name_is_listed_in_all() -> None:
    lazy = set(cauce._LOCATIONS) | cauce._SUBMODULES | {"__version__"}
    assert lazy == set(cauce.__all__)


def test_unknown_attribute_is_a_clear_error() -> None:
    try:
        cauce.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(json.loads(out))


def test_import_cauce_loads_no_heavy_dependency() -> None:
    loaded = _modules_after("import cauce")
    heavy = {
        "sqlalchemy",
        "fastapi",
        "jinja2",
        "rich",
        "pydantic",
        "typer",
        "alembic",
        "asyncio",
        "httpx",
    }
    assert not heavy & loaded


def test_defining_flows_and_tasks_loads_no_database_server_or_cli() -> None:
    loaded = _modules_after(
        "from cauce import flow, task, get_run_logger\n"
        "@task\ndef t(x: int) -> int: return x\n"
        "@flow\ndef f() -> None: t(1)\n"
    )
    forbidden = {"sqlalchemy", "fastapi", "jinja2", "rich", "typer", "alembic", "uvicorn", "httpx"}
    assert not forbidden & loaded
    assert not any(m.startswith(("cauce.cli.", "cauce.server.")) for m in loaded)


def test_recording_a_flow_embedded_loads_no_http_client(cauce_home) -> None:
    loaded = _modules_after(
        "from cauce import flow, task\n"
        "@task\ndef t(x: int) -> int: return x\n"
        "@flow\ndef f() -> None: t(1)\n"
        "f()\n"
    )
    assert "cauce.client.embedded" in loaded
    assert not {"httpx", "cauce.client.http", "cauce.schemas.api"} & loaded


def test_a_sync_flow_run_never_loads_asyncio(cauce_home) -> None:
    # asyncio (with ssl, socket, subprocess) was a fifth of a sync flow's start-up:
    # only async flows and tasks import it.
    loaded = _modules_after(
        "from cauce import flow, get_run_logger, task\n"
        "@task(retries=1, timeout_seconds=5)\ndef t(x: int) -> int: return x\n"
        "@flow(timeout_seconds=5)\n"
        "def f() -> int:\n"
        "    get_run_logger().info('one line')\n"
        "    return t(1) + t.submit(2).result() + sum(t.map([3, 4]).result())\n"
        "assert f() == 10\n"
    )
    assert "cauce.client.embedded" in loaded  # recorded, on the default SQLite store
    assert "asyncio" not in loaded


def test_a_flow_that_caches_nothing_never_loads_openssl_or_pickle(cauce_home) -> None:
    # OpenSSL's hashlib (3.5 MB) and pickle (1.3 MB) were a fifth of a 1,000-task
    # flow's peak RSS; only caching (keys, results) needs them.
    loaded = _modules_after(
        "from cauce import flow, task\n"
        "@task\ndef t(x: int) -> int: return x\n"
        "@flow\ndef f() -> int: return t(1) + sum(t.map([2, 3]).result())\n"
        "assert f() == 6\n"
    )
    assert "cauce.client.embedded" in loaded
    assert not {"_hashlib", "hashlib", "pickle"} & loaded


def test_a_cached_task_still_hashes_and_pickles(cauce_home) -> None:
    loaded = _modules_after(
        "from cauce import flow, task\n"
        "from cauce.tasks import task_input_hash\n"
        "@task(cache_key_fn=task_input_hash)\ndef t(x: int) -> int: return x\n"
        "@flow\ndef f() -> int: return t(1) + t(1)\n"
        "assert f() == 2\n"
    )
    assert {"hashlib", "pickle"} <= loaded


def test_prefects_top_level_transaction_and_aserve_are_cauces() -> None:
    from cauce.flows import aserve
    from cauce.transactions import Transaction, get_transaction

    assert cauce.Transaction is Transaction and cauce.aserve is aserve
    with cauce.Transaction(key="top-level") as txn:
        txn.set("answer", 42)
        assert get_transaction() is txn and txn.get("answer") == 42
    assert txn.is_committed()
