"""The user guide's first example, with only the import changed from Prefect."""

from cauce import flow, get_run_logger, task


@task
def mi_tarea(mensaje_tarea: str = ""):
    logger = get_run_logger()
    logger.info("Hola %s desde la tarea", mensaje_tarea)


@flow
def mi_flujo(mensaje_flujo: str = ""):
    logger = get_run_logger()
    logger.info("Hola %s desde el flujo", mensaje_flujo)
    mi_tarea(mensaje_flujo)


if __name__ == "__main__":
    mi_flujo("mundo")
