"""`cauce.blocks` as Prefect 3 code uses it: a script saves a Secret and a Block subclass
with a SecretStr field, another process loads them, on every store. Secrets load back
whole and never show in a repr, a log line or a run's output."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from pydantic import SecretStr

from cauce.blocks.core import Block
from cauce.blocks.system import Secret
from tests.conftest import Store, run_script

SAVE = """
from pydantic import SecretStr

from cauce.blocks.core import Block
from cauce.blocks.system import Secret


class Credenciales(Block):
    usuario: str
    clave: SecretStr


Secret(value="s3cr3t").save("db-password", overwrite=True)
Credenciales(usuario="ana", clave="x-clave-x").save("erp")
print(repr(Credenciales(usuario="ana", clave="x-clave-x")))
"""

LOAD = """
import sys

from pydantic import SecretStr

from cauce import flow, get_run_logger
from cauce.blocks.core import Block
from cauce.blocks.system import Secret


class Credenciales(Block):
    usuario: str
    clave: SecretStr


@flow(log_prints=True)
def conectar():
    creds = Credenciales.load("erp")
    get_run_logger().info("creds: %r", creds)
    print(creds)
    return Secret.load("db-password").get(), creds.usuario, creds.clave.get_secret_value()


if __name__ == "__main__":
    print("RESULT", conectar(), "sqlalchemy" in sys.modules)
"""


def _script(tmp_path: Path, name: str, code: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(code))
    return path


def test_saved_in_one_process_loaded_in_another(
    store: Store, store_env: dict[str, str], tmp_path: Path
) -> None:
    saved = run_script(_script(tmp_path, "guardar.py", SAVE), store_env)
    assert saved.returncode == 0, saved.stderr
    assert saved.stdout == "Credenciales(usuario='ana', clave=SecretStr('**********'))\n"
    loaded = run_script(_script(tmp_path, "conectar.py", LOAD), store_env)
    assert loaded.returncode == 0, loaded.stderr
    result = loaded.stdout.splitlines()[-1]
    value, loaded_sqlalchemy = result.rsplit(" ", 1)
    assert value == "RESULT ('s3cr3t', 'ana', 'x-clave-x')"
    # A flow on SQLite reads its block without loading SQLAlchemy, as it reads a variable.
    assert loaded_sqlalchemy == str(store.kind == "postgres")
    assert "x-clave-x" not in loaded.stdout.replace(result, "") + loaded.stderr
    assert "clave=SecretStr('**********')" in loaded.stderr
    assert store.client.read_block_document("credenciales", "erp").data == {
        "usuario": "ana",
        "clave": "x-clave-x",
    }


class Credenciales(Block):
    usuario: str
    clave: SecretStr


class MyHTTPThing(Block):
    _block_type_name = "Cosa HTTP"


class ConSlug(Block):
    _block_type_slug = "mi-slug"


def test_block_type_slugs_are_prefects() -> None:
    assert Credenciales._block_type_slug is None
    assert Credenciales.get_block_type_slug() == "credenciales"
    assert Secret.get_block_type_slug() == "secret"
    assert MyHTTPThing.get_block_type_slug() == "cosa-http"
    assert ConSlug.get_block_type_slug() == "mi-slug"


class TestErrors:
    def test_saving_a_taken_name_is_prefects_value_error(self, store: Store) -> None:
        Credenciales(usuario="ana", clave="x").save("erp")
        with pytest.raises(ValueError, match=r"^You are attempting to save values with a name"):
            Credenciales(usuario="luis", clave="y").save("erp")
        assert Credenciales.load("erp").usuario == "ana"
        Credenciales(usuario="luis", clave="y").save("erp", overwrite=True)
        assert Credenciales.load("erp").clave.get_secret_value() == "y"

    def test_loading_or_deleting_an_unknown_block_names_it(self, store: Store) -> None:
        message = r"^Unable to find block document named nope for block type credenciales$"
        with pytest.raises(ValueError, match=message):
            Credenciales.load("nope")
        with pytest.raises(ValueError, match=message):
            Credenciales.delete("nope")

    def test_delete_and_slug_slash_name(self, store: Store) -> None:
        block_id = Secret(value={"token": [1, 2]}).save("api")
        assert store.client.read_block_document("secret", "api").id == block_id
        assert Secret.load("secret/api").get() == {"token": [1, 2]}
        Secret.delete("api")
        assert store.client.read_block_documents() == []


def test_in_async_code_the_calls_return_awaitables(store: Store) -> None:
    import asyncio

    async def main() -> tuple[object, ...]:
        block_id = await Secret(value="a").save("asincrono")
        await Secret(value="b").asave("asincrono", overwrite=True)
        loaded = await Secret.load("asincrono")
        again = await Secret.aload("asincrono")
        await Secret.delete("asincrono")
        with pytest.raises(ValueError, match="Unable to find"):
            await Secret.adelete("asincrono")
        return block_id, loaded.get(), again.get()

    block_id, value, again = asyncio.run(main())
    assert (value, again) == ("b", "b") and block_id is not None
    assert store.client.read_block_documents() == []
