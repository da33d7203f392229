"""Baseline for import_time: an interpreter that imports nothing."""
