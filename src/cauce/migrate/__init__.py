"""`cauce migrate`: turn a Prefect project into a cauce one.

- `names.py`: which cauce name a Prefect module or name becomes.
- `imports.py`: the libcst pass that rewrites a source's Prefect imports (and
  `prefect.x` attribute uses) and lists every Prefect name the source uses.
- `report.py`: which of those names cauce does not have, and what to do instead.
- `project.py`: the .py files under a folder, each rewritten, as diffs or written.

Only this package and the CLI import libcst, so `import cauce` never pays for it.
"""
