"""The error answers routes document beside FastAPI's 422, so the OpenAPI document lists them."""

from __future__ import annotations

from typing import Any

from cauce.schemas.api import ErrorModel

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorModel, "description": "No flow run with this id"},
}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {
        "model": ErrorModel,
        "description": "Conflicts with what is recorded (nothing of the request was written)",
    },
}
UNREADABLE_BODY: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorModel, "description": "The body could not be read as UTF-8 JSON"},
}
