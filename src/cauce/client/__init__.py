"""Clients: the only way the engine, workers and the CLI reach the orchestration core."""

from cauce.client.base import CauceClient, ClientError, NotFound
from cauce.client.factory import get_client

__all__ = ["CauceClient", "ClientError", "NotFound", "get_client"]
