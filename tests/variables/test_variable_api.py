"""`cauce.variables.Variable` as Prefect 3 code uses it, on every store (SQLite,
PostgreSQL, and a server over HTTP on either)."""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path
from typing import Any

import pytest

from cauce.client.base import ClientError
from cauce.variables import Variable
from tests.conftest import Store, run_script

VALUES: list[Any] = [
    "hola",
    "",
    42,
    -1.5,
    2.0,  # a float, though SQLite's numeric affinity would make it the integer 2
    12345678901234567890123,
    True,
    False,
    None,
    [1, "dos", [3.0], None],
    {"anidado": {"lista": [1, 2], "vacío": {}}, "ñ": "sí"},
]


class TestSetAndGet:
    @pytest.mark.parametrize("value", VALUES, ids=repr)
    def test_every_json_value_comes_back_equal(self, store: Store, value: Any) -> None:
        created = Variable.set("mi_variable", value)
        assert created == Variable(name="mi_variable", value=value, tags=[])
        got = Variable.get("mi_variable", default="no debería verse")
        assert got == value and type(got) is type(value)
        assert store.client.read_variable("mi_variable").value == value

    def test_a_missing_variable_is_the_default(self, store: Store) -> None:
        assert Variable.get("no-existe") is None
        assert Variable.get("no-existe", default={"a": 1}) == {"a": 1}
        assert Variable.get("no-existe", 7) == 7

    def test_tags_are_stored(self, store: Store) -> None:
        Variable.set("con-tags", 1, tags=["etl", "prod"])
        assert store.client.read_variable("con-tags").tags == ["etl", "prod"]


class TestSetExistingName:
    def test_without_overwrite_is_a_value_error_naming_it(self, store: Store) -> None:
        Variable.set("umbral", 10)
        with pytest.raises(ValueError, match=r"^Variable 'umbral' already exists\. Use `over"):
            Variable.set("umbral", 20)
        assert Variable.get("umbral") == 10

    def test_with_overwrite_replaces_value_and_tags(self, store: Store) -> None:
        Variable.set("umbral", 10, tags=["viejo"])
        before = store.client.read_variable("umbral")
        replaced = Variable.set("umbral", {"nuevo": True}, tags=["a"], overwrite=True)
        assert replaced == Variable(name="umbral", value={"nuevo": True}, tags=["a"])
        after = store.client.read_variable("umbral")
        assert (after.id, after.value, after.tags) == (before.id, {"nuevo": True}, ["a"])
        assert after.updated >= before.updated
        assert Variable.set("umbral", None, overwrite=True).value is None
        assert Variable.get("umbral", default=5) is None
        assert store.client.read_variable("umbral").tags == []


class TestUnset:
    def test_unset_deletes_and_says_whether_there_was_one(self, store: Store) -> None:
        Variable.set("efimera", "x")
        assert Variable.unset("efimera") is True
        assert Variable.get("efimera") is None
        assert Variable.unset("efimera") is False
        assert store.client.read_variables() == []


class TestRefusals:
    @pytest.mark.parametrize(
        ("name", "message"),
        [
            ("Mayus", "variable name 'Mayus' may hold only lowercase letters, digits, "),
            ("con espacio", "variable name 'con espacio' may hold only lowercase"),
            ("a.b", "variable name 'a.b' may hold only lowercase"),
            ("x" * 256, "is 256 characters long; the most is 255"),
            ("", "a variable needs a name"),
        ],
    )
    def test_a_bad_name_is_refused_saying_why(self, store: Store, name: str, message: str) -> None:
        with pytest.raises(ClientError, match=message.replace(".", r"\.")):
            Variable.set(name, 1)
        assert store.client.read_variables() == []

    def test_the_longest_name_and_every_allowed_character_are_accepted(self, store: Store) -> None:
        Variable.set("x" * 255, 1)
        Variable.set("abc-xyz_0189", 2)
        assert Variable.get("x" * 255) == 1 and Variable.get("abc-xyz_0189") == 2

    def test_a_value_over_5000_characters_of_json_is_refused(self, store: Store) -> None:
        Variable.set("justo", "x" * 4998)  # 5,000 characters with its quotes
        with pytest.raises(ClientError, match=r"'largo' is 5001 characters as JSON; the most"):
            Variable.set("largo", "x" * 4999)
        assert Variable.get("largo") is None

    @pytest.mark.parametrize(
        "value", [{1, 2}, float("nan"), {"fecha": object()}], ids=["set", "nan", "object"]
    )
    def test_a_value_that_is_not_json_is_refused(self, store: Store, value: Any) -> None:
        # Over HTTP too, where a set would otherwise arrive as a list and NaN as null.
        with pytest.raises(ClientError, match=r"the value of variable 'no_json' is not JSON"):
            Variable.set("no_json", value)
        assert store.client.read_variables() == []
        Variable.set("no_json", 1)
        with pytest.raises(ClientError, match=r"the value of variable 'no_json' is not JSON"):
            Variable.set("no_json", value, overwrite=True)
        assert Variable.get("no_json") == 1


class TestAsync:
    def test_async_counterparts(self, store: Store) -> None:
        async def main() -> tuple[Any, ...]:
            created = await Variable.aset("asincrona", [1, 2], tags=["t"])
            with pytest.raises(ValueError, match="already exists"):
                await Variable.aset("asincrona", 3)
            await Variable.aset("asincrona", 3, overwrite=True)
            return (
                created,
                await Variable.aget("asincrona"),
                await Variable.aget("otra", default="d"),
                await Variable.aunset("asincrona"),
                await Variable.aunset("asincrona"),
            )

        created, value, default, deleted, again = asyncio.run(main())
        assert created == Variable(name="asincrona", value=[1, 2], tags=["t"])
        assert (value, default, deleted, again) == (3, "d", True, False)


def test_a_flow_reading_a_variable_on_sqlite_imports_no_sqlalchemy(
    cauce_home: Path, tmp_path: Path
) -> None:
    Variable.set("umbral", 2.5)
    script = tmp_path / "leer.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys

            from cauce import flow
            from cauce.variables import Variable


            @flow
            def leer():
                return Variable.get("umbral"), Variable.get("no-existe", "d")


            if __name__ == "__main__":
                print(leer(), "sqlalchemy" in sys.modules)
            """
        )
    )
    result = run_script(script, {"CAUCE_HOME": str(cauce_home)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "(2.5, 'd') False"
