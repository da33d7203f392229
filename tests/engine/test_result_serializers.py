"""result_serializer= on tasks and flows, as Prefect documents it: "json" writes a cached
result as JSON a person can read (never unpickled), "pickle" keeps any value; and
get_current_settings() as Prefect code reads it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cauce import flow, task
from cauce.cache_policies import INPUTS
from cauce.serializers import JSONSerializer, PickleSerializer, serializer_for
from cauce.settings import get_current_settings
from tests.conftest import Store

calls: list[int] = []


class TestJsonResults:
    def test_a_json_cached_result_is_a_readable_file_and_a_hit_reads_it_back(
        self, store: Store, tmp_path: Path
    ) -> None:
        calls.clear()

        @task(persist_result=True, result_serializer=JSONSerializer(), result_storage=tmp_path)
        def construye(n: int) -> dict[str, int]:
            calls.append(n)
            return {"n": n, "cuadrado": n * n}

        @flow(persist_result=True)
        def persistido() -> dict[str, int]:
            return construye.with_options(cache_policy=INPUTS)(5)

        assert persistido() == {"n": 5, "cuadrado": 25}
        assert persistido() == {"n": 5, "cuadrado": 25}
        assert calls == [5], "the second run read the JSON file"
        (written,) = tmp_path.glob("*.json")
        document = json.loads(written.read_text())
        assert json.loads(document["value"]) == {"n": 5, "cuadrado": 25}
        assert not list(tmp_path.glob("*.pickle"))

    def test_a_flows_serializer_reaches_its_tasks(self, store: Store, tmp_path: Path) -> None:
        folder = tmp_path / "resultados"

        @task(persist_result=True, result_storage=folder)
        def etiqueta(n: int) -> str:
            return f"{n}^2={n * n}"

        @flow(result_serializer="json")
        def con_json() -> str:
            return etiqueta(3)

        assert con_json() == "3^2=9"
        assert [p.suffix for p in folder.iterdir()] == [".json"]


class TestNames:
    def test_the_names_prefect_users_pass_and_a_wrong_one(self) -> None:
        assert isinstance(serializer_for("json"), JSONSerializer)
        assert isinstance(serializer_for(None), PickleSerializer)
        with pytest.raises(ValueError, match="result_serializer='yaml': cauce writes"):
            task(result_serializer="yaml")(lambda: None)


class TestCurrentSettings:
    def test_prefects_results_group_and_cauces_own_groups(self, store: Store) -> None:
        current = get_current_settings()
        assert current.results.persist_by_default is False
        assert current.api.database_url  # cauce's groups read through
