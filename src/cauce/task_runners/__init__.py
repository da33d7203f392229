"""Task runners: where submitted task runs execute."""

from cauce.task_runners.dask import DaskTaskRunner
from cauce.task_runners.process_pool import ProcessPoolTaskRunner
from cauce.task_runners.thread_pool import ThreadPoolTaskRunner

# Prefect 2's name for the thread pool runner.
ConcurrentTaskRunner = ThreadPoolTaskRunner

__all__ = [
    "ConcurrentTaskRunner",
    "DaskTaskRunner",
    "ProcessPoolTaskRunner",
    "ThreadPoolTaskRunner",
]
