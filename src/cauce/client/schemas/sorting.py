"""The orders flow runs are read in, as `prefect.client.schemas.sorting.FlowRunSort`."""

from cauce.schemas.flow_runs import FlowRunSort

__all__ = ["FlowRunSort"]
