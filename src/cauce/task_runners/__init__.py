"""Task runners: where submitted task runs execute.

`TaskRunner` is what every runner is, as Prefect's base class: annotate with it, check
`isinstance(runner, TaskRunner)`, or subclass one of the runners here.
"""

from cauce.task_runners.base import TaskRunner
from cauce.task_runners.dask import DaskTaskRunner
from cauce.task_runners.process_pool import ProcessPoolTaskRunner
from cauce.task_runners.thread_pool import ThreadPoolTaskRunner

# Prefect 2's name for the thread pool runner.
ConcurrentTaskRunner = ThreadPoolTaskRunner

__all__ = [
    "ConcurrentTaskRunner",
    "DaskTaskRunner",
    "ProcessPoolTaskRunner",
    "TaskRunner",
    "ThreadPoolTaskRunner",
]
