"""What crosses HTTP for variables, in Prefect's shapes: one copy for both sides.

Whether a name or value is acceptable is the core's decision
(orchestration/variables.py), answered as a 422 naming what is wrong; these
models only read the body.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from cauce.schemas.api import JSON_SAFE_MAX, UtcDatetime, _WireModel
from cauce.schemas.api_deployments import _json_number
from cauce.schemas.variables import (
    MAX_NAME_LENGTH,
    StoredVariable,
    VariableFilter,
    VariableSort,
)

# The rule on names, documented for clients but checked by the core, whose 422 says
# in words what is wrong with a name (pydantic's would quote the pattern).
_NAME_SCHEMA: dict[str, Any] = {
    "pattern": "^[a-z0-9_-]+$",
    "minLength": 1,
    "maxLength": MAX_NAME_LENGTH,
    "description": "Lowercase letters, digits, underscores and dashes.",
}


# Before the validator, so that pydantic can write the bound into the JSON Schema.
Count = Annotated[int, Field(ge=0, le=JSON_SAFE_MAX), BeforeValidator(_json_number)]
"""How many variables to skip or show: a JSON number that is a whole one, not negative."""


class VariableCreate(_WireModel):
    """A new variable; the server chooses its id."""

    name: str = Field(json_schema_extra=_NAME_SCHEMA)
    value: Any = Field(description="Any JSON value.")
    tags: list[str] = Field(default_factory=list)

    def to_domain(self) -> StoredVariable:
        """The variable to record, with a new id."""
        return StoredVariable(name=self.name, value=self.value, tags=list(self.tags))


class VariableUpdate(_WireModel):
    """What to change in a variable: the fields given (a null `value` sets it to null)."""

    name: str | None = Field(default=None, json_schema_extra=_NAME_SCHEMA)
    value: Any = None
    tags: list[str] | None = None

    def changes(self) -> dict[str, Any]:
        """The fields the request set, `name` and `tags` only when not null."""
        given = {name: getattr(self, name) for name in self.model_fields_set}
        return {k: v for k, v in given.items() if v is not None or k == "value"}


class VariableModel(_WireModel):
    """A variable as recorded."""

    id: uuid.UUID
    name: str
    value: Any
    tags: list[str]
    created: UtcDatetime
    updated: UtcDatetime

    @classmethod
    def from_domain(cls, variable: StoredVariable) -> VariableModel:
        """The wire form of `variable`."""
        return cls.model_validate(variable)

    def to_domain(self) -> StoredVariable:
        """The variable, with times in UTC."""
        return self._to(StoredVariable)


class _Lenient(BaseModel):
    # Prefect's clients also send an `operator`; it is always "and_" for these filters.
    model_config = ConfigDict(extra="ignore")


class VariableNameFilter(_Lenient):
    """Names: one of `any_`, and/or containing `like_` (SQL wildcards, any case)."""

    any_: list[str] | None = None
    like_: str | None = None


class VariableTagsFilter(_Lenient):
    """Tags: the variable has all of `all_`."""

    all_: list[str] | None = None


class VariableConditions(_Lenient):
    """Conditions on a variable's fields, all of which must hold."""

    name: VariableNameFilter | None = None
    tags: VariableTagsFilter | None = None


class VariableFilterRequest(_Lenient):
    """The body of POST /variables/filter, as Prefect's clients send it."""

    variables: VariableConditions | None = None
    sort: VariableSort = VariableSort.NAME_ASC
    offset: Count = 0
    limit: Count | None = None

    @classmethod
    def from_domain(cls, where: VariableFilter) -> VariableFilterRequest:
        """The request asking for `where`."""
        return cls(
            variables=VariableConditions(
                name=VariableNameFilter(any_=where.names, like_=where.name_like),
                tags=VariableTagsFilter(all_=where.tags_all),
            ),
            sort=where.sort,
            offset=where.offset,
            limit=where.limit,
        )

    def to_domain(self) -> VariableFilter:
        """The filter the core reads."""
        name = (self.variables and self.variables.name) or VariableNameFilter()
        tags = (self.variables and self.variables.tags) or VariableTagsFilter()
        return VariableFilter(
            names=name.any_,
            name_like=name.like_,
            tags_all=tags.all_,
            sort=self.sort,
            offset=self.offset,
            limit=self.limit,
        )
