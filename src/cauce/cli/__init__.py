"""The `cauce` command line: thin Typer commands over the client and the settings.

One module per noun (`flow.py` -> `cauce flow`, `flow_run.py` -> `cauce flow-run`),
verbs as functions. `main.py` mounts them and turns errors into one line on
stderr; `output.py` holds the Rich console and how times, durations and states
look. Only this package imports Typer and Rich.
"""
