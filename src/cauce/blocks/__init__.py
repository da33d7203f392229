"""Blocks: typed configuration (credentials, settings) saved in the store under a name and
loaded by flows, as Prefect 3's `prefect.blocks`: `Block` in core.py, `Secret` in system.py.
"""
