"""/api/flows: the recorded flows."""

from __future__ import annotations

from fastapi import APIRouter

from cauce.schemas.api import FlowModel
from cauce.server.database import DatabaseDep

router = APIRouter(tags=["flows"])


@router.get("/flows")
async def read_flows(database: DatabaseDep) -> list[FlowModel]:
    """Every recorded flow, by name."""
    from cauce.database.queries.flows import select_flows

    flows = await database.read(select_flows)
    return [FlowModel.from_domain(f) for f in flows]
