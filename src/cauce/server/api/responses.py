"""What routes answer: the errors they document beside FastAPI's 422, and fast JSON bodies."""

from __future__ import annotations

from typing import Any

from fastapi import Response
from pydantic import BaseModel

from cauce.schemas.api import ErrorModel
from cauce.schemas.api_deployments import RefusalModel

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorModel, "description": "No flow run with this id"},
}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {
        "model": ErrorModel,
        "description": "Conflicts with what is recorded (nothing of the request was written)",
    },
}
NO_WORK_POOL: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorModel, "description": "No work pool with this name"},
}
NO_DEPLOYMENT: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorModel, "description": "No deployment (or schedule of it) with this id"},
}
REFUSED: dict[int | str, dict[str, Any]] = {
    422: {
        "model": RefusalModel,
        "description": "A field failed validation, or the core refused a value "
        "(a schedule, a parameter, a pool that does not exist or is still in use)",
    },
}
UNREADABLE_BODY: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorModel, "description": "The body could not be read as UTF-8 JSON"},
}


def json_response(model: BaseModel, status_code: int = 200) -> Response:
    """`model` as the JSON response, as FastAPI would send it for a route's
    `response_model`, without validating it a second time: the busiest routes
    build it from what they just recorded."""
    return Response(model.model_dump_json(), status_code, media_type="application/json")
