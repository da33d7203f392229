"""How cached task results are written to their files, as `prefect.serializers`:
`@task(result_serializer="json")` or `result_serializer=JSONSerializer()`.

"pickle" (the default) keeps any Python value; "json" keeps what JSON can hold, in a file
a person can read and that reading never runs code (values JSON cannot hold are written
as their str).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


class Serializer:
    """Turns a result into bytes and back; `type` names it in `result_serializer=`."""

    type: str = ""
    suffix: str = ""

    def dumps(self, obj: Any) -> bytes:
        raise NotImplementedError

    def loads(self, blob: bytes) -> Any:
        raise NotImplementedError


@dataclass(frozen=True)
class PickleSerializer(Serializer):
    """Any Python value, with pickle."""

    type: str = "pickle"
    suffix: str = ".pickle"

    def dumps(self, obj: Any) -> bytes:
        import pickle  # here, not above: a process that caches nothing never needs it

        return pickle.dumps(obj)

    def loads(self, blob: bytes) -> Any:
        import pickle

        return pickle.loads(blob)


@dataclass(frozen=True)
class JSONSerializer(Serializer):
    """What JSON can hold, as UTF-8 JSON text."""

    type: str = "json"
    suffix: str = ".json"

    def dumps(self, obj: Any) -> bytes:
        return json.dumps(obj, default=str, ensure_ascii=False).encode()

    def loads(self, blob: bytes) -> Any:
        return json.loads(blob)


_BY_NAME: dict[str, type[Serializer]] = {"pickle": PickleSerializer, "json": JSONSerializer}


def serializer_for(given: str | Serializer | None) -> Serializer:
    """The serializer `result_serializer=` names; pickle when None. ValueError naming the
    names cauce knows for any other."""
    if given is None:
        return PickleSerializer()
    if isinstance(given, Serializer):
        return given
    kind = _BY_NAME.get(given)
    if kind is None:
        raise ValueError(
            f"result_serializer={given!r}: cauce writes results as {' or '.join(_BY_NAME)}"
        )
    return kind()
