"""Which Prefect names a project uses that cauce does not have, and what to do instead.

cauce's own modules decide: a name is supported when its cauce path imports (a
module) or is an attribute found from one, so the report shrinks by itself as
cauce grows. For what cauce will not have (Prefect Cloud and server features,
the integration packages and block types) `HINTS` says what to use instead.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from cauce.migrate.imports import Use

_INTEGRATION = (
    "{package} is a Prefect integration built on its own blocks, which cauce does not have: "
    "call the service's own Python client inside a task."
)

# Prefect name (a module or a name in one) -> what to do instead. The longest match wins.
HINTS: dict[str, str] = {
    "prefect.blocks": "This block type is not in cauce, which has Block and Secret "
    "(cauce.blocks.core, cauce.blocks.system): keep credentials in a Secret or in environment "
    "variables, and call the service's own Python client inside a task.",
    "prefect.filesystems": "Storage blocks are not in cauce: read and write files with pathlib "
    "(or fsspec for remote storage) inside a task.",
    "prefect.events": "cauce records events (cauce.events.emit_event, `cauce event ls`) but has "
    "no automations or triggers that act on them: react in a task, or in a flow's on_failure / "
    "on_completion hook.",
    "prefect.automations": "Automations are a Prefect server and Cloud feature cauce does not "
    "have: react to a run's end in a state-change hook.",
    "prefect.concurrency": "cauce has global concurrency limits (cauce.concurrency.sync and "
    ".asyncio: concurrency, rate_limit), not Prefect's v1 tag-based ones or leases.",
    "prefect.settings": "Prefect's settings do not apply (cauce.settings.get_current_settings "
    "reads cauce's): cauce reads CAUCE_* environment variables and profiles "
    "(`cauce config view`, `cauce profile`); `cauce migrate` converts a profile.",
    "prefect.server": "cauce's server is started with `cauce server start`; it has no Python API.",
    "prefect.testing": "cauce has no test harness: set CAUCE_HOME to a temporary folder in tests "
    "and runs go to a fresh embedded store.",
    "prefect.client": "This part of Prefect's client is not in cauce: script against "
    "cauce.get_client() (runs, states, deployment runs) or use `cauce flow-run ls` / `inspect`.",
    "prefect.client.schemas.schedules": "cauce has CronSchedule, IntervalSchedule and "
    "RRuleSchedule (for schedules= of serve, deploy and to_deployment); write other schedules "
    "in cauce.yaml (cron, interval or rrule, with a timezone) and create them with `cauce deploy`.",
    "prefect.deployments": "Describe deployments in cauce.yaml (`cauce deploy` writes it) and "
    "start a run with `cauce deployment run`.",
    "prefect.workers": "Start a worker with `cauce worker start --pool NAME`; custom worker "
    "types are not supported.",
    "prefect.infrastructure": "Prefect 2 infrastructure blocks: use a work pool and "
    "`cauce worker start` instead.",
    "prefect.docker": "cauce builds no images: run the worker where the code and its "
    "dependencies are installed.",
    "prefect.results": "Result storage blocks and serializers are not in cauce: results are "
    "pickled to local files.",
    "prefect.serializers": "Custom serializers are not in cauce: results are pickled to local "
    "files.",
    "prefect_dask": "cauce has DaskTaskRunner (cauce.task_runners, pip install 'cauce[dask]'); "
    "of prefect_dask, only it: use the Dask client directly for the rest.",
    "prefect_ray": "cauce has no Ray task runner: ThreadPoolTaskRunner (cauce.task_runners) "
    "runs submitted tasks in threads of this process.",
    "prefect_shell": "Run the command with subprocess.run inside a task.",
    "prefect_docker": "cauce starts no containers: run the worker where the flow's code and "
    "its dependencies are installed.",
    "prefect_kubernetes": "cauce starts no Kubernetes jobs: run the worker (`cauce worker start`) "
    "where the flow's code and its dependencies are installed.",
}


@dataclass(frozen=True)
class Finding:
    """One use of a Prefect name cauce does not have: where, and what to do instead."""

    path: Path
    line: int
    prefect_name: str
    advice: str


def findings(path: Path, uses: list[Use]) -> list[Finding]:
    """The uses in `path` that cauce does not support, one per line and name.

    A use reached from a name already reported (`Secret.load` after `import Secret`) is
    not repeated: the first line says what to do about both.
    """
    found: list[Finding] = []
    for use in uses:
        if any(use.prefect_name.startswith(f"{item.prefect_name}.") for item in found):
            continue
        advice = advice_for(use)
        if advice is not None:
            found.append(Finding(path, use.line, use.prefect_name, advice))
    return found


def advice_for(use: Use) -> str | None:
    """What to do instead of `use`, or None when cauce has its name."""
    if use.cauce_name is not None and _exists(use.cauce_name):
        return None
    hint = _hint(use.prefect_name)
    if hint is not None:
        return hint
    if use.cauce_name is None:
        return _INTEGRATION.format(package=use.prefect_name.partition(".")[0])
    last = use.cauce_name.rpartition(".")[2]
    if use.cauce_name != f"cauce.{last}" and _exists(f"cauce.{last}"):
        return f"cauce has it as cauce.{last}: import it from cauce instead."
    return f"cauce has no {use.cauce_name} (yet): this line fails until the use is replaced."


def _hint(prefect_name: str) -> str | None:
    parts = prefect_name.split(".")
    for end in range(len(parts), 0, -1):
        hint = HINTS.get(".".join(parts[:end]))
        if hint is not None:
            return hint
    return None


@functools.cache
def _exists(dotted: str) -> bool:
    """Whether cauce has `dotted`: modules are imported, other names looked up on them."""
    first, *rest = dotted.split(".")
    value: object = importlib.import_module(first)
    for index, part in enumerate(rest):
        try:
            value = getattr(value, part)
            continue
        except Exception:  # a lazy attribute can fail in any way: then it is missing
            if not isinstance(value, ModuleType):
                return False
        try:
            value = importlib.import_module(".".join([first, *rest[: index + 1]]))
        except ImportError:
            return False
    return True
