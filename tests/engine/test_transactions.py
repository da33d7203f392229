"""Transactions as Prefect documents them: a failure in the block rolls back what the
completed tasks did (their on_rollback hooks), a clean end commits (on_commit hooks, and
cached results kept), a keyed transaction commits once, and nested ones follow their mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cauce import flow, task
from cauce.cache_policies import INPUTS
from cauce.states import StateType
from cauce.transactions import (
    CommitMode,
    IsolationLevel,
    Transaction,
    get_transaction,
    transaction,
)
from tests.conftest import Store
from tests.engine.records import only_run_of, task_state_names

events: list[str] = []


@pytest.fixture(autouse=True)
def _no_events() -> None:
    events.clear()


@task
def escribe(path: Path, contents: str) -> None:
    path.write_text(contents)


@escribe.on_rollback
def borra(txn: Transaction) -> None:
    events.append("borra")
    Path(txn.get("archivo")).unlink()


@task
def controla(path: Path) -> None:
    if len(path.read_text().splitlines()) < 2:
        raise ValueError("Not enough data!")


@flow
def pipeline(path: Path, contents: str) -> None:
    with transaction() as txn:
        txn.set("archivo", str(path))
        escribe(path, contents)
        controla(path)


class TestRollback:
    def test_a_failure_in_the_block_undoes_the_completed_tasks_side_effect(
        self, store: Store, tmp_path: Path
    ) -> None:
        target = tmp_path / "side-effect.txt"
        state = pipeline(target, "una sola linea", return_state=True)
        assert state.type is StateType.FAILED
        assert events == ["borra"]
        assert not target.exists(), "rolled back"
        run = only_run_of(store, "pipeline")
        assert task_state_names(store, run.task_run("escribe-0"))[-1] == "Completed"

    def test_a_clean_block_commits_and_keeps_the_side_effect(
        self, store: Store, tmp_path: Path
    ) -> None:
        target = tmp_path / "side-effect.txt"
        pipeline(target, "una\ndos\n")
        assert target.read_text() == "una\ndos\n"
        assert events == []

    def test_rollback_hooks_run_newest_first_and_a_failing_hook_is_only_logged(
        self, store: Store
    ) -> None:
        @task(on_rollback=[lambda txn: events.append("uno")])
        def uno() -> None:
            pass

        @task
        def dos() -> None:
            pass

        @dos.on_rollback
        def falla_al_deshacer(txn: Transaction) -> None:
            events.append("dos")
            raise RuntimeError("no pude")

        @flow
        def en_orden() -> None:
            with transaction():
                uno()
                dos()
                raise KeyError("fin")

        assert en_orden(return_state=True).type is StateType.FAILED
        assert events == ["dos", "uno"]
        messages = only_run_of(store, "en-orden").messages
        assert any("on_rollback hook 'falla_al_deshacer'" in m for m in messages), messages


calls: list[int] = []


@task(cache_policy=INPUTS)
def doble(n: int) -> int:
    calls.append(n)
    return n * 2


@doble.on_commit
def anota(txn: Transaction) -> None:
    events.append(f"commit {txn.key is not None}")


@task
def verifica(falla: bool) -> None:
    if falla:
        raise ValueError("mal")


@flow
def cacheado(falla: bool) -> bool:
    with transaction() as txn:
        doble(3)
        verifica(falla)
    return txn.is_committed()


class TestCommitKeepsResults:
    def test_a_rolled_back_result_is_computed_again_and_a_committed_one_is_cached(
        self, store: Store
    ) -> None:
        calls.clear()
        assert cacheado(True, return_state=True).type is StateType.FAILED
        assert events == [], "no commit"
        assert cacheado(False) is True
        assert calls == [3, 3], "the rolled-back result was not kept"
        assert events == ["commit True"]
        assert cacheado(False) is True
        assert calls == [3, 3], "the committed one was"

    def test_outside_a_transaction_a_task_commits_when_it_completes(self, store: Store) -> None:
        @task(on_commit=[lambda txn: events.append("sola")])
        def sola() -> int:
            return 1

        @flow
        def sin_transaccion() -> int:
            return sola() + len(events)

        assert sin_transaccion() == 2, "committed before the flow went on"

    def test_a_failed_task_has_nothing_to_roll_back(self, store: Store) -> None:
        @task(on_rollback=[lambda txn: events.append("nunca")])
        def rompe() -> None:
            raise ValueError("x")

        @flow
        def con_falla() -> None:
            with transaction():
                rompe()

        assert con_falla(return_state=True).type is StateType.FAILED
        assert events == []


class TestKeysAndValues:
    def test_a_keyed_transaction_commits_once(self, store: Store, tmp_path: Path) -> None:
        seen: list[tuple[bool, bool]] = []

        @task(on_commit=[lambda txn: events.append("commit")])
        def paso() -> None:
            pass

        @flow
        def una_vez() -> None:
            with transaction(key="carga-2026-12-05", store=tmp_path) as txn:
                at_start = txn.is_committed()
                paso()
            seen.append((at_start, txn.is_committed()))

        una_vez()
        una_vez()
        assert seen == [(False, True), (True, True)]
        assert events == ["commit"], "the second time, nothing is committed again"
        assert len(list(tmp_path.glob("*.transaction"))) == 1

    def test_values_are_shared_with_nested_transactions_and_tasks_hooks(self) -> None:
        with transaction() as outer:
            outer.set("lote", 7)
            with transaction() as inner:
                assert get_transaction() is inner
                assert inner.get("lote") == 7
                inner.set("lote", 8)
                assert inner.get("lote") == 8
            assert outer.get("lote") == 7
            assert outer.get("falta", None) is None
            with pytest.raises(ValueError, match="unknown key: falta"):
                outer.get("falta")
        assert get_transaction() is None


class TestNesting:
    def _hooks(self, name: str) -> dict[str, Any]:
        return {
            "on_commit": [lambda txn: events.append(f"commit {name}")],
            "on_rollback": [lambda txn: events.append(f"rollback {name}")],
        }

    def test_lazy_children_commit_or_roll_back_with_the_parent(self) -> None:
        adentro = task(**self._hooks("adentro"))(lambda: None)

        @flow
        def anidado(falla: bool) -> None:
            with transaction():
                with transaction():
                    adentro()
                events.append("fin del hijo")
                if falla:
                    raise ValueError("x")

        anidado(False)
        assert events == ["fin del hijo", "commit adentro"]
        events.clear()
        assert anidado(True, return_state=True).type is StateType.FAILED
        assert events == ["fin del hijo", "rollback adentro"]

    def test_an_eager_child_commits_at_its_own_end(self) -> None:
        adentro = task(**self._hooks("adentro"))(lambda: None)

        @flow
        def ansioso() -> None:
            with transaction():
                with transaction(commit_mode=CommitMode.EAGER):
                    adentro()
                events.append("fin del hijo")
                raise ValueError("x")

        assert ansioso(return_state=True).type is StateType.FAILED
        assert events == ["commit adentro", "fin del hijo"], "committed: nothing to undo"

    def test_an_off_transaction_never_commits(self) -> None:
        adentro = task(**self._hooks("adentro"))(lambda: None)

        @flow
        def apagado() -> None:
            with transaction(commit_mode=CommitMode.OFF) as txn:
                adentro()
            assert not txn.is_committed()

        apagado()
        assert events == []

    def test_serializable_is_refused_by_name(self) -> None:
        with pytest.raises(ValueError, match="SERIALIZABLE"):
            with transaction(key="k", isolation_level=IsolationLevel.SERIALIZABLE):
                pass
