"""The flows page at /flows: each flow name with its deployments and its last few runs."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from cauce.schemas.deployments import Deployment
from cauce.schemas.flow_runs import FlowRun
from cauce.schemas.flows import Flow
from cauce.server.database import DatabaseDep
from cauce.server.ui.rendering import render

router = APIRouter(include_in_schema=False)

LAST_RUNS = 5


@dataclass(slots=True)
class FlowView:
    """A flow with its deployments and its newest runs."""

    flow: Flow
    deployments: list[Deployment]
    runs: list[FlowRun]


@router.get("/flows", response_class=HTMLResponse)
async def flows_page(request: Request, database: DatabaseDep) -> Any:
    """Every flow by name, with its deployments and its last few runs."""
    from sqlalchemy import Connection

    from cauce.database.queries.deployments import select_deployments
    from cauce.database.queries.flow_runs import select_flow_runs
    from cauce.database.queries.flows import select_flows
    from cauce.schemas.flow_runs import FlowRunFilter

    def read(connection: Connection) -> list[FlowView]:
        by_flow: dict[str, list[Deployment]] = defaultdict(list)
        for deployment in select_deployments(connection):
            by_flow[deployment.flow_name].append(deployment)
        # One small query per flow: select_flows reads at most 200 flows.
        return [
            FlowView(
                flow,
                by_flow[flow.name],
                select_flow_runs(connection, FlowRunFilter(flow_name=flow.name, limit=LAST_RUNS)),
            )
            for flow in select_flows(connection)
        ]

    flows = await database.read(read)
    zone: str = request.app.state.settings.default_timezone
    return render("flows.html", zone, flows=flows, last_runs=LAST_RUNS)
