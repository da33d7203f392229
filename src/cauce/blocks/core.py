"""`Block`: a pydantic model saved in the store under a name and loaded back by flows.

As Prefect 3's: a subclass's block type slug is its class name slugified
(`Credenciales` -> `credenciales`, unless `_block_type_slug` or `_block_type_name`
says otherwise); `save(name, overwrite=False)` returns the document's id;
`load(name)` and `delete(name)` are classmethods; a name taken or a block not found
are ValueErrors in Prefect's words. Called where the caller awaits (an async flow or
task, or code under a running event loop), `save`, `load` and `delete` return
coroutines, as Prefect's do; `asave`, `aload` and `adelete` always do.

Secret fields (SecretStr, SecretBytes, pydantic's Secret) are stored with their values,
so that they load back, and are masked in reprs as pydantic masks them.
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict
from pydantic_core import to_jsonable_python

from cauce.client.base import AlreadyExists, NotFound

if TYPE_CHECKING:
    from cauce.client.base import CauceClient

B = TypeVar("B", bound="Block")


class Block(BaseModel):
    """Base of blocks: declare fields as on any pydantic model, then save and load."""

    model_config = ConfigDict(validate_assignment=True)

    _block_type_name: ClassVar[str | None] = None
    _block_type_slug: ClassVar[str | None] = None

    @classmethod
    def get_block_type_name(cls) -> str:
        """The block type's name: `_block_type_name`, or the class name."""
        return cls._block_type_name or cls.__name__

    @classmethod
    def get_block_type_slug(cls) -> str:
        """The block type's slug: `_block_type_slug`, or its name slugified."""
        return cls._block_type_slug or slugify(cls.get_block_type_name())

    def save(self, name: str, overwrite: bool = False) -> Any:
        """Save this block's fields under `name`; the document's id (a coroutine giving
        it, where the caller awaits). A name taken is a ValueError unless `overwrite`."""
        from cauce.context import is_async_caller

        if is_async_caller():
            return self.asave(name, overwrite)
        return self._save(name, overwrite)

    @classmethod
    def load(cls: type[B], name: str) -> Any:
        """The block saved under `name` (a coroutine giving it, where the caller awaits);
        a ValueError when there is none."""
        from cauce.context import is_async_caller

        if is_async_caller():
            return cls.aload(name)
        return cls._load(name)

    @classmethod
    def delete(cls, name: str) -> Any:
        """Delete the block saved under `name` (a coroutine, where the caller awaits);
        a ValueError when there is none."""
        from cauce.context import is_async_caller

        if is_async_caller():
            return cls.adelete(name)
        return cls._delete(name)

    async def asave(self, name: str, overwrite: bool = False) -> uuid.UUID:
        """`save` for async code (the store is called in a worker thread)."""
        import asyncio

        return await asyncio.to_thread(self._save, name, overwrite)

    @classmethod
    async def aload(cls: type[B], name: str) -> B:
        """`load` for async code."""
        import asyncio

        return await asyncio.to_thread(cls._load, name)

    @classmethod
    async def adelete(cls, name: str) -> None:
        """`delete` for async code."""
        import asyncio

        await asyncio.to_thread(cls._delete, name)

    def _save(self, name: str, overwrite: bool) -> uuid.UUID:
        from cauce.schemas.blocks import StoredBlockDocument

        document = StoredBlockDocument(self.get_block_type_slug(), name, self._stored_data())
        try:
            return _client().save_block_document(document, overwrite).id
        except AlreadyExists:
            raise ValueError(
                "You are attempting to save values with a name that is already in use for "
                "this block type. If you would like to overwrite the values that are saved, "
                "then save with `overwrite=True`."
            ) from None

    @classmethod
    def _load(cls: type[B], name: str) -> B:
        slug, name = cls._slug_and_name(name)
        try:
            document = _client().read_block_document(slug, name)
        except NotFound:
            raise _not_found(slug, name) from None
        return cls.model_validate(document.data)

    @classmethod
    def _delete(cls, name: str) -> None:
        slug, name = cls._slug_and_name(name)
        try:
            _client().delete_block_document(slug, name)
        except NotFound:
            raise _not_found(slug, name) from None

    @classmethod
    def _slug_and_name(cls, name: str) -> tuple[str, str]:
        # Prefect also takes "slug/name"; a subclass's own slug otherwise.
        if "/" in name:
            slug, _, name = name.partition("/")
            return slug, name
        return cls.get_block_type_slug(), name

    def _stored_data(self) -> dict[str, Any]:
        """The fields as JSON, secret values revealed: what is saved."""
        revealed = {field: _revealed(getattr(self, field)) for field in type(self).model_fields}
        data: dict[str, Any] = to_jsonable_python(revealed)
        return data


def slugify(name: str) -> str:
    """`name` in lowercase, each run of other characters than letters and digits a dash
    (`MyHTTPThing` -> `myhttpthing`, `AWS Credentials` -> `aws-credentials`)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _revealed(value: Any) -> Any:
    if hasattr(value, "get_secret_value"):
        return _revealed(value.get_secret_value())
    if isinstance(value, BaseModel):
        return {field: _revealed(getattr(value, field)) for field in type(value).model_fields}
    if isinstance(value, dict):
        return {key: _revealed(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_revealed(item) for item in value]
    return value


def _not_found(slug: str, name: str) -> ValueError:
    return ValueError(f"Unable to find block document named {name} for block type {slug}")


def _client() -> CauceClient:
    from cauce.client.factory import get_client

    return get_client()
