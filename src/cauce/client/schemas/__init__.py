"""The objects and filters `get_client()` works with, where Prefect users import them:
`cauce.client.schemas.filters`, `.objects`, `.sorting` and `.responses`."""
