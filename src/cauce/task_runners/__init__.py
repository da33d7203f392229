"""Task runners: where submitted task runs execute."""

from cauce.task_runners.thread_pool import ThreadPoolTaskRunner

__all__ = ["ThreadPoolTaskRunner"]
