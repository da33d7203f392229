"""The HTTP client's verbs for variables, at Prefect 3's paths under /variables.

A mixin of HttpClient, kept apart so that each file stays about one thing. The
core's refusals (a bad name or value, a name taken) arrive as ClientError with
the server's one-line reason; an unknown name as NotFound.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from cauce.client.base import ClientError
from cauce.schemas.api_variables import (
    VariableCreate,
    VariableFilterRequest,
    VariableModel,
    VariableUpdate,
)
from cauce.schemas.variables import StoredVariable, VariableFilter, value_problem


class HttpVariableVerbs:
    """Variables on the cauce server."""

    def _request(self, method: str, path: str, *, refusals: bool = False, **kwargs: Any) -> Any:
        raise NotImplementedError

    def create_variable(self, variable: StoredVariable) -> StoredVariable:
        _check_value(variable.name, variable.value)
        body = VariableCreate(name=variable.name, value=variable.value, tags=variable.tags)
        response = self._request(
            "POST", "/variables/", json=body.model_dump(mode="json"), refusals=True
        )
        return _variable(response)

    def read_variable(self, name: str) -> StoredVariable:
        return _variable(self._request("GET", f"/variables/name/{_segment(name)}"))

    def read_variables(self, where: VariableFilter | None = None) -> list[StoredVariable]:
        body = VariableFilterRequest.from_domain(where or VariableFilter())
        response = self._request(
            "POST",
            "/variables/filter",
            json=body.model_dump(mode="json", exclude_none=True),
            refusals=True,
        )
        return [VariableModel.model_validate(v).to_domain() for v in response.json()]

    def update_variable(self, name: str, changes: dict[str, Any]) -> None:
        if "value" in changes:
            _check_value(changes.get("name", name), changes["value"])
        body = VariableUpdate.model_validate(changes)
        self._request(
            "PATCH",
            f"/variables/name/{_segment(name)}",
            json=body.model_dump(mode="json", include=set(changes)),
            refusals=True,
        )

    def delete_variable(self, name: str) -> None:
        self._request("DELETE", f"/variables/name/{_segment(name)}")


def _check_value(name: str, value: Any) -> None:
    # Sent as it is, a set would arrive as a list and NaN as null: refused here instead,
    # in the words the core uses.
    problem = value_problem(name, value)
    if problem:
        raise ClientError(problem)


def _segment(name: str) -> str:
    # A name with a slash is refused by the core; quoted, it reaches the route and gets a 404.
    return quote(name, safe="")


def _variable(response: httpx.Response) -> StoredVariable:
    return VariableModel.model_validate(response.json()).to_domain()
