# fmt: off
# ruff: noqa
# The user guide's §4 flow (basic.py), the one it deploys as basic-flow/printear-mensaje.
from cauce import flow, task

@task
def print_text(text):
    print(text)

@flow
def basic_flow(mensaje="Hola"):
    print_text(mensaje)

if __name__ == "__main__":
    basic_flow()
