"""Loading a deployment's flow for one run, as Prefect's runner does.

The run's process works in the deployment's source folder: it is the working
directory and on `sys.path` for the whole run (so `open("datos.csv")` and
`import helpers` work as they do from `python flow.py`), and the flow's module is
registered in `sys.modules`. A git source is cloned once per deployment source under
CAUCE_HOME and pulled before each run, under a lock on that clone, so two runs
starting together never pull the same folder at once.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cauce.deployments.apply import is_git_url
from cauce.deployments.from_code import (
    FlowSource,
    clone_or_pull,
    entrypoint_file,
    git_clone_folder,
    import_flow,
)
from cauce.schemas.deployments import Deployment

if TYPE_CHECKING:
    from cauce.flows import Flow

_LOCK_WAIT_SECONDS = 600.0


def load_flow_for_run(deployment: Deployment) -> Flow[..., Any]:
    """The deployment's flow, this process now working in its source folder."""
    source = deployment.source
    if is_git_url(source):
        with _locked(git_clone_folder(source, deployment.branch)):
            folder = clone_or_pull(source, deployment.branch)
    else:
        folder = Path(source).resolve()
    file = entrypoint_file(folder, deployment.entrypoint)
    os.chdir(folder)
    for path in dict.fromkeys([str(folder), str(file.parent)]):
        if path not in sys.path:
            sys.path.insert(0, path)
    flow = import_flow(file, deployment.entrypoint)
    flow.source = FlowSource(source, deployment.entrypoint, deployment.branch)
    return flow


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on `folder`'s lock file (beside it) while in the block."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.with_name(folder.name + ".lock"), "a+b") as lock_file:
        _acquire(lock_file.fileno())
        try:
            yield
        finally:
            _release(lock_file.fileno())


def _acquire(descriptor: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        deadline = time.monotonic() + _LOCK_WAIT_SECONDS
        while True:
            try:
                msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    else:
        import fcntl

        fcntl.flock(descriptor, fcntl.LOCK_EX)


def _release(descriptor: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        os.lseek(descriptor, 0, os.SEEK_SET)
        msvcrt.locking(descriptor, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(descriptor, fcntl.LOCK_UN)
