"""`cauce flow-run`: list, inspect, read the logs of, and delete flow runs.

Each verb reads through the process's client, imported on first use: opening
the database is the slow part of a command, and `--help` should not pay for it.
How log lines are printed and followed is in `run_logs.py`.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cauce.cli.confirm import Yes, confirm_deletion
from cauce.cli.errors import CliError
from cauce.cli.output import (
    console,
    duration,
    local_time,
    offset_time,
    pretty_json,
    state_text,
    table,
)
from cauce.schemas.flow_runs import FlowRun, FlowRunFilter, FlowRunSort
from cauce.states import AwaitingRetry, Cached, Late, Retrying, State, StateType, TimedOut, now_utc

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text

    from cauce.client.base import CauceClient
    from cauce.schemas.task_runs import TaskRun

app = typer.Typer(
    help="List, inspect, follow, cancel, resume and delete flow runs.", no_args_is_help=True
)

FlowRunId = Annotated[
    str, typer.Argument(metavar="ID", help="The flow run's id, as `cauce flow-run ls` shows it.")
]


@app.command("ls")
def ls(
    state: Annotated[
        list[str] | None,
        typer.Option(
            "--state",
            "-s",
            help="Only runs in this state: a type (COMPLETED, FAILED, ...) or a name "
            "(Late, Cached, ...), any case. Repeat for several.",
        ),
    ] = None,
    flow: Annotated[
        str | None, typer.Option("--flow", "-f", help="Only runs of this flow.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most this many.")] = 20,
) -> None:
    """List flow runs, newest first; runs waiting to start (SCHEDULED, Late) soonest first."""
    types, names = parse_states(state or [])
    runs = _read_runs(_client(), types, names, flow, limit, _order(types, names))
    if not runs:
        console.print("No flow runs found.")
        return
    console.print(runs_table(runs))


@app.command("inspect")
def inspect(flow_run_id: FlowRunId) -> None:
    """Show a flow run: state, parameters, times, state history, task runs and subflow runs."""
    from rich.text import Text

    run_id = parse_id(flow_run_id)
    client = _client()
    run = client.read_flow_run(run_id)
    console.print(Text(f"Flow run {run.name!r}", style="bold"))
    console.print(_details(run))
    console.print()
    console.print(_history_table(client.read_flow_run_states(run.id)))
    console.print()
    task_runs = client.read_task_runs(run.id)
    console.print(_task_runs_table(task_runs) if task_runs else "Task runs: none")
    console.print()
    subflow_runs = client.read_subflow_runs(run.id)
    if subflow_runs:
        console.print(runs_table(subflow_runs, title="Subflow runs"))
    else:
        console.print("Subflow runs: none")


@app.command("logs")
def logs(
    flow_run_id: FlowRunId,
    level: Annotated[
        str | None,
        typer.Option(
            "--level",
            "-l",
            help="Only lines at or above this level: DEBUG, INFO, WARNING, ERROR or CRITICAL.",
        ),
    ] = None,
    follow: Annotated[
        bool,
        typer.Option("--follow", "-f", help="Keep printing new lines until the run ends."),
    ] = False,
) -> None:
    """Print a flow run's log lines as its terminal showed them, in local time."""
    from cauce.cli.run_logs import parse_level, print_logs

    run_id, min_level = parse_id(flow_run_id), parse_level(level)
    client = _client()
    run = client.read_flow_run(run_id)
    print_logs(client, run, min_level, follow)


@app.command("cancel")
def cancel(flow_run_id: FlowRunId) -> None:
    """Cancel a flow run: at once if it has not started, else its process is stopped."""
    from rich.text import Text

    run_id = parse_id(flow_run_id)
    run = _client().cancel_flow_run(run_id, "Cancelled from the CLI (cauce flow-run cancel).")
    if run.state.type is StateType.CANCELLING:
        said = "is being cancelled: its process is being stopped"
    else:
        said = f"is {run.state.name}"
    console.print(Text(f"Flow run {run.name!r} ({run.id}) {said}."))


@app.command("resume")
def resume(
    flow_run_id: FlowRunId,
    run_input: Annotated[
        str | None,
        typer.Option(
            "--input",
            "-i",
            metavar="JSON",
            help="""The input the run waits for, as a JSON object: '{"aprobado": true}'.""",
        ),
    ] = None,
) -> None:
    """Resume a paused flow run: its process, waiting in pause_flow_run, goes on (a
    suspended run is scheduled again, for a worker). A run paused with wait_for_input
    needs --input, which its fields must accept (the run shows them: `inspect`)."""
    from rich.text import Text

    run = _client().resume_flow_run(parse_id(flow_run_id), _input_object(run_input))
    said = f"is resumed: {run.state.name}"
    if run.state.is_final():
        said = f"was not resumed: its pause had timed out, it is {run.state.name}"
    console.print(Text(f"Flow run {run.name!r} ({run.id}) {said}."))


def _input_object(raw: str | None) -> dict[str, Any] | None:
    """--input as a JSON object; a CliError saying what is wrong with it."""
    if raw is None:
        return None
    try:
        loaded = json.loads(raw)
    except ValueError as exc:
        raise CliError(f"--input is not valid JSON: {exc}") from None
    if not isinstance(loaded, dict):
        raise CliError(
            f"""--input must be a JSON object such as '{{"aprobado": true}}', got {raw!r}"""
        )
    return loaded


@app.command("delete")
def delete(flow_run_id: FlowRunId, yes: Yes = False) -> None:
    """Delete a flow run with its task runs, states and logs."""
    from rich.text import Text

    run_id = parse_id(flow_run_id)
    client = _client()
    run = client.read_flow_run(run_id)
    confirm_deletion(f"flow run {run.name!r} ({run.id})", yes)
    client.delete_flow_run(run.id)
    console.print(Text(f"Deleted flow run {run.name!r} ({run.id})."))


def parse_id(raw: str) -> uuid.UUID:
    """The flow run id typed by the user; a CliError if it is not a UUID."""
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        raise CliError(f"{raw!r} is not a valid flow run id") from None


def parse_states(values: list[str]) -> tuple[list[str], list[str]]:
    """Split --state values into state types and state names, matching any case.

    A value that is both (`completed`) is taken as the type, which includes
    every name of that type (Completed and Cached).
    """
    types = {t.value.lower(): t.value for t in StateType}
    names = {name.lower(): name for name in _named_states()}
    chosen_types: list[str] = []
    chosen_names: list[str] = []
    for value in values:
        key = value.strip().lower()
        if key in types:
            chosen_types.append(types[key])
        elif key in names:
            chosen_names.append(names[key])
        else:
            raise CliError(
                f"{value!r} is not a state; use a type ({', '.join(StateType)}) "
                f"or a name ({', '.join(names.values())})"
            )
    return chosen_types, chosen_names


def _named_states() -> list[str]:
    """The state names that are not a type's default name, from their constructors."""
    return [state.name for state in _named_state_examples()]


def _named_state_examples() -> list[State]:
    now = now_utc()
    return [Late(now), AwaitingRetry(now), Retrying(), Cached(), TimedOut()]


def _order(types: list[str], names: list[str]) -> FlowRunSort:
    """Soonest due first when only runs waiting to start were asked for, else newest first."""
    waiting = {StateType.SCHEDULED.value} | {
        state.name for state in _named_state_examples() if state.type is StateType.SCHEDULED
    }
    if (types or names) and set(types + names) <= waiting:
        return FlowRunSort.NEXT_SCHEDULED_START_TIME_ASC
    return FlowRunSort.CREATED_DESC


_OLDEST = datetime.min.replace(tzinfo=UTC)
_LATEST = datetime.max.replace(tzinfo=UTC)


def _read_runs(
    client: CauceClient,
    types: list[str],
    names: list[str],
    flow: str | None,
    limit: int,
    sort: FlowRunSort,
) -> list[FlowRun]:
    if not (types and names):
        where = FlowRunFilter(
            state_types=types or None,
            state_names=names or None,
            flow_name=flow,
            limit=limit,
            sort=sort,
        )
        return client.read_flow_runs(where)
    # A filter with both types and names requires both; the user asked for either.
    by_id: dict[uuid.UUID, FlowRun] = {}
    for where in (
        FlowRunFilter(state_types=types, flow_name=flow, limit=limit, sort=sort),
        FlowRunFilter(state_names=names, flow_name=flow, limit=limit, sort=sort),
    ):
        by_id.update((run.id, run) for run in client.read_flow_runs(where))
    newest_first = sorted(by_id.values(), key=lambda r: r.created or _OLDEST, reverse=True)
    if sort is FlowRunSort.NEXT_SCHEDULED_START_TIME_ASC:  # stable: ties stay newest first
        newest_first.sort(key=lambda r: r.state.scheduled_time or _LATEST)
    return newest_first[:limit]


def runs_table(runs: list[FlowRun], title: str | None = None) -> Table:
    """Flow runs as `ls` shows them: id, name, flow, coloured state, when it is (or was)
    scheduled for, start, duration."""
    from rich.text import Text

    shown = table("ID", "Name", "Flow", "State", "Scheduled", "Start time", "Duration", title=title)
    for run in runs:
        shown.add_row(
            str(run.id),
            Text(run.name),
            Text(run.flow_name),
            state_text(run.state),
            offset_time(scheduled_time(run)),
            local_time(run.start_time),
            duration(run.start_time, run.end_time, run.state),
        )
    return shown


def scheduled_time(run: FlowRun) -> datetime | None:
    """When a run waiting to start is due; for any other run, when it was meant to start."""
    if run.state.type is StateType.SCHEDULED:
        return run.state.scheduled_time
    return run.expected_start_time


def _details(run: FlowRun) -> Table:
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    rows: list[tuple[str, str | Text]] = [
        ("ID", str(run.id)),
        ("Name", Text(run.name)),
        ("Flow", Text(run.flow_name)),
        ("State", state_text(run.state, with_message=True)),
        ("Parameters", pretty_json(run.parameters)),
        ("Tags", Text(", ".join(run.tags) if run.tags else "-")),
        ("Run count", str(run.run_count)),
        ("Scheduled", offset_time(scheduled_time(run))),
        ("Start time", local_time(run.start_time, with_zone=True)),
        ("End time", local_time(run.end_time, with_zone=True)),
        ("Duration", duration(run.start_time, run.end_time, run.state)),
    ]
    if run.parent_task_run_id is not None:
        rows.append(("Parent task run", str(run.parent_task_run_id)))
    for label, value in rows:
        grid.add_row(label, value)
    return grid


def _history_table(states: list[State]) -> Table:
    from rich.text import Text

    shown = table("Time", "State", "Type", "Message", title="State history")
    for state in states:
        shown.add_row(
            local_time(state.timestamp),
            state_text(state),
            state.type.value,
            Text(state.message or ""),
        )
    return shown


def _task_runs_table(task_runs: list[TaskRun]) -> Table:
    from rich.text import Text

    shown = table("Name", "State", "Start time", "Duration", title="Task runs")
    for task_run in task_runs:
        shown.add_row(
            Text(task_run.name),
            state_text(task_run.state),
            local_time(task_run.start_time),
            duration(task_run.start_time, task_run.end_time, task_run.state),
        )
    return shown


def _client() -> CauceClient:
    from cauce.client.factory import get_client

    return get_client()
