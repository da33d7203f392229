"""`Secret`: a block holding one secret value, as Prefect 3's `prefect.blocks.system.Secret`.

    Secret(value="s3cr3t").save("db-password", overwrite=True)
    password = Secret.load("db-password").get()

The value is a string or any JSON value; it is masked in reprs and logs
(`Secret(value=Secret('**********'))`) and stored as it is, so that it loads back.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, JsonValue
from pydantic import Secret as SecretValue

from cauce.blocks.core import Block


class Secret(Block):
    """A secret value: a password, a token, or any JSON value."""

    value: SecretValue[JsonValue] = Field(description="The secret value (masked when shown).")

    def get(self) -> Any:
        """The secret value, as it was given."""
        return self.value.get_secret_value()
