"""Create what a Prefect server holds (read by `prefect_server`) in cauce, or say what would be.

Work pools are created through cauce's client; one that exists is kept. Deployments
go through the path `cauce deploy` takes (`deployment_from_entry`, `preflight`, then
the client's `apply_deployment`), with their code read from the migrated folder, so an
entrypoint that is not there is reported and skipped. Variables are set with
`cauce.variables.Variable`; one that exists is never overwritten.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from cauce.client.base import CauceClient
from cauce.migrate.prefect_server import ServerContents, ServerNote


@dataclass
class Outcome:
    """One line per object created (or that would be), and what was left out."""

    lines: list[str] = field(default_factory=list)
    notes: list[ServerNote] = field(default_factory=list)


def create(
    contents: ServerContents,
    client: CauceClient,
    root: Path,
    default_timezone: str,
    write: bool,
) -> Outcome:
    """Create the pools, deployments and variables in cauce when `write`, else only check
    them; what was (or would be) created, and what was not."""
    outcome = Outcome(notes=list(contents.notes))
    verb = "Created" if write else "Would create"
    existing = {pool.name for pool in client.read_work_pools()}
    for pool in contents.pools:
        if pool.name in existing:
            outcome.lines.append(f"Work pool {pool.name!r} exists in cauce: kept as it is.")
            continue
        if write:
            client.create_work_pool(pool)
        limit = f", concurrency limit {pool.concurrency_limit}" if pool.concurrency_limit else ""
        outcome.lines.append(f"{verb} work pool {pool.name!r} (process{limit}).")
    pools = existing | {pool.name for pool in contents.pools}
    _deployments(contents, client, root, default_timezone, write, pools, outcome)
    _variables(contents, client, write, outcome)
    return outcome


def _deployments(
    contents: ServerContents,
    client: CauceClient,
    root: Path,
    default_timezone: str,
    write: bool,
    pools: set[str],
    outcome: Outcome,
) -> None:
    from cauce.client.base import ClientError
    from cauce.deployments.apply import check_deployment, deployment_from_entry, preflight
    from cauce.deployments.discovery import EntrypointError
    from cauce.orchestration.schedules import as_schedule, describe

    for entry in contents.deployments:
        subject = f"deployment {entry.name!r}"
        try:
            deployment = deployment_from_entry(entry, root, default_timezone)
            if write:
                preflight(client, deployment)
                client.apply_deployment(deployment)
            else:
                check_deployment(deployment)
                if deployment.work_pool_name not in pools:
                    raise ClientError(f"work pool {deployment.work_pool_name!r} does not exist")
        except (EntrypointError, ClientError) as exc:
            outcome.notes.append(ServerNote(subject, f"not created: {exc}"))
            continue
        verb = "Created" if write else "Would create"
        schedules = "; ".join(describe(as_schedule(s)) for s in deployment.schedules)
        outcome.lines.append(
            f"{verb} deployment {deployment.full_name!r} in work pool "
            f"{deployment.work_pool_name!r}" + (f": {schedules}" if schedules else "") + "."
        )


def _variables(
    contents: ServerContents, client: CauceClient, write: bool, outcome: Outcome
) -> None:
    from cauce.client.base import NotFound
    from cauce.variables import Variable

    for variable in contents.variables:
        subject = f"variable {variable.name!r}"
        try:
            client.read_variable(variable.name)
        except NotFound:
            if write:
                Variable.set(variable.name, variable.value, tags=variable.tags)
            verb = "Set" if write else "Would set"
            value = json.dumps(variable.value, ensure_ascii=False)
            outcome.lines.append(f"{verb} {subject} to {value}.")
            continue
        outcome.notes.append(ServerNote(subject, "cauce already has it: not overwritten"))
