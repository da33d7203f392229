"""Deployments from the project folder: find flows, read and write cauce.yaml, ...

`discovery` finds flow entrypoints by reading source (never importing it) and
checks hand-typed ones; `cauce_yaml` reads and writes the project file where
`cauce deploy` keeps its answers. Neither touches the database.
"""
