"""`cauce migrate`: turn a Prefect project into a cauce one.

- `names.py`: which cauce name a Prefect module or name becomes.
- `imports.py`: the libcst pass that rewrites a source's Prefect imports (and
  `prefect.x` attribute uses) and lists every Prefect name the source uses.
- `report.py`: which of those names cauce does not have, and what to do instead.
- `prefect_yaml.py`: prefect.yaml's deployments as cauce.yaml entries.
- `profiles.py`: Prefect's profiles.toml as cauce profiles (PREFECT_* -> CAUCE_*).
- `logging_yaml.py`: a Prefect logging YAML as one with cauce's handlers and loggers.
- `project.py`: the files of a folder, each rewritten, as diffs or written.
- `prefect_server.py` and `server_objects.py`: `--from-server`, a running Prefect
  server's pools, deployments and variables read, then created in cauce.

Only this package and the CLI import libcst, so `import cauce` never pays for it.
"""
