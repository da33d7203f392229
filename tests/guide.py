"""The user guide's examples (seed/user-guide-es.md), with only the import changed."""

FIRST_EXAMPLE = """
from cauce import flow, task, get_run_logger

@task
def mi_tarea(mensaje_tarea: str = ""):
    logger = get_run_logger()
    logger.info("Hola %s desde la tarea", mensaje_tarea)

@flow
def mi_flujo(mensaje_flujo: str = ""):
    logger = get_run_logger()
    logger.info("Hola %s desde el flujo", mensaje_flujo)
    mi_tarea(mensaje_flujo)

if __name__ == '__main__':
    mi_flujo("mundo")
"""

ASYNC_EXAMPLE = """
import asyncio
from cauce import flow, task

@task
async def print_text(mensaje: str):
    print(mensaje)
    

@flow
async def subflow_1():
    await print_text("Subflow 1 started!")
    await asyncio.sleep(1)

@flow
async def subflow_2():
    await print_text("Subflow 2 started!")
    await asyncio.sleep(1)

@flow
async def main_flow():
    parallel_subflows = [subflow_1(), subflow_2()]
    await asyncio.gather(*parallel_subflows)

if __name__ == "__main__":
    main_flow_state = asyncio.run(main_flow())
"""

BASIC_EXAMPLE = """
from cauce import flow, task


@task
def print_message(message):
    print(message)


@flow
def basic_flow(message="Hola mundo!"):
    print_message(message)


if __name__ == "__main__":
    basic_flow()
"""
"""The guide's §4 `basic.py` (its `print_message` task written out), as users deploy it."""
