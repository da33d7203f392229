"""Run logging: the run logger, the terminal format and the handler that records log lines."""
