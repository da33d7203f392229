"""The orders `get_client()` reads in, as `prefect.client.schemas.sorting`: flow runs
(`FlowRunSort`) and log lines (`LogSort`)."""

from enum import StrEnum

from cauce.schemas.flow_runs import FlowRunSort

__all__ = ["FlowRunSort", "LogSort"]


class LogSort(StrEnum):
    """The order of `client.read_logs(...)`: oldest line first (Prefect's default), or
    newest first."""

    TIMESTAMP_ASC = "TIMESTAMP_ASC"
    TIMESTAMP_DESC = "TIMESTAMP_DESC"
