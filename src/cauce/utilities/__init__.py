"""Helpers under Prefect's `prefect.utilities` names, so imports from there keep working."""
