"""Helpers for testing flows, where Prefect users import them (`prefect.testing`)."""
