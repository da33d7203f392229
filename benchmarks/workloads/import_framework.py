"""import_time: a fresh interpreter importing the framework and nothing else."""

import cauce  # noqa: F401
