"""This machine's name, and whether a process on it is still alive: how a run whose
process was killed (`kill -9`, a machine switched off) is told from one still running."""

from __future__ import annotations

import functools
import os
import socket
import sys


@functools.cache
def this_host() -> str:
    """The name runs and workers record as where they run."""
    return socket.gethostname()


def process_is_gone(pid: int) -> bool:
    """Whether `pid`, recorded as a run's process on this machine, no longer runs (this
    process itself is never gone)."""
    return pid != os.getpid() and not process_is_alive(pid)


def process_is_alive(pid: int) -> bool:
    """Whether process `pid` exists on this machine (a zombie counts as gone)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _windows_process_is_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: alive
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    # A killed child that its parent has not reaped yet: dead for our purposes.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] == "Z"
    except OSError:
        return False


def _windows_process_is_alive(pid: int) -> bool:
    import ctypes

    synchronize, still_active = 0x00100000 | 0x1000, 259  # SYNCHRONIZE | QUERY_LIMITED_INFO
    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined,unused-ignore]
    handle = kernel32.OpenProcess(synchronize, False, pid)
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        return bool(code.value == still_active)
    finally:
        kernel32.CloseHandle(handle)
