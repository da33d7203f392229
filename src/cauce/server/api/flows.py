"""/api/flows: the recorded flows."""

from __future__ import annotations

from fastapi import APIRouter

from cauce.database.queries.flows import select_flows
from cauce.schemas.api import FlowModel
from cauce.server.database import EngineDep

router = APIRouter(tags=["flows"])


@router.get("/flows")
def read_flows(engine: EngineDep) -> list[FlowModel]:
    """Every recorded flow, by name."""
    with engine.begin() as connection:
        return [FlowModel.from_domain(f) for f in select_flows(connection)]
