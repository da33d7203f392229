# Follows Prefect docs: "Blocks" (Secret, and a custom block with a SecretStr field).
import asyncio

from prefect import flow
from prefect.blocks.core import Block
from prefect.blocks.system import Secret
from pydantic import SecretStr


class Credenciales(Block):
    usuario: str
    clave: SecretStr


@flow
def conectar() -> str:
    creds = Credenciales.load("erp")
    return f"{creds.usuario}:{creds.clave.get_secret_value()}:{Secret.load('db-password').get()}"


@flow
async def conectar_async() -> str:
    secret = await Secret.load("db-password")
    again = await Secret.aload("db-password")
    return f"{secret.get()}={again.get()}"


if __name__ == "__main__":
    Secret(value="s3cr3t").save("db-password", overwrite=True)
    Credenciales(usuario="ana", clave="x").save("erp")
    print("RESULT", Credenciales.get_block_type_slug(), repr(Credenciales.load("erp")))
    try:
        Credenciales(usuario="luis", clave="y").save("erp")
    except ValueError as exc:
        print("RESULT taken", str(exc)[:60])
    try:
        Credenciales.load("nope")
    except ValueError as exc:
        print("RESULT missing", exc)
    state = conectar(return_state=True)
    print("OUTCOME", conectar.name, state.type.value, state.name)
    print("RESULT", state.result())
    state = asyncio.run(conectar_async(return_state=True))
    print("OUTCOME", conectar_async.name, state.type.value, state.name)
    print(
        "RESULT",
        asyncio.run(state.result()) if asyncio.iscoroutine(state.result()) else state.result(),
    )
    Secret.delete("db-password")
    print("RESULT", Secret(value={"a": [1]}).get())
