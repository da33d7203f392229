"""What an OS service for a worker (or the server) says, and where it goes.

A `ServiceSpec` holds what to run: a name, a command line, a folder, an
environment. `install_plan` turns it into a `ServicePlan` for one platform: the
file to write (a systemd unit on Linux, a launchd plist on macOS, none on
Windows) and the commands to run after writing it (`systemctl enable` and
`restart`, `launchctl load -w`, `nssm install` and `nssm set`); `uninstall_plan`
is the reverse. Everything here is pure and takes the platform as an argument, so the
Windows commands are rendered and checked on Linux; writing the file and running
the commands is the CLI's (cli/os_service.py).
"""

from __future__ import annotations

import plistlib
import re
import socket
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

WORKER_STOP_GRACE_SECONDS = 30
"""How long a stopped worker waits for its runs (`worker start --stop-grace`'s default)."""

# After the grace the worker stops its runs and reports them; the service manager
# must not kill it before that is done.
WORKER_STOP_TIMEOUT_SECONDS = WORKER_STOP_GRACE_SECONDS + 15
SERVER_STOP_TIMEOUT_SECONDS = 30

_SERVICE_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """What a service runs: its name, command line, folder and environment."""

    name: str
    """The unit's, plist's or Windows service's name, e.g. `cauce-worker-compras-prod`."""
    description: str
    command: tuple[str, ...]
    """The absolute interpreter first, then its arguments."""
    working_directory: str
    environment: Mapping[str, str] = field(default_factory=dict)
    stop_timeout_seconds: int = WORKER_STOP_TIMEOUT_SECONDS
    log_file: str | None = None
    """Where launchd and nssm write the output (systemd sends it to the journal)."""
    run_as: str | None = None
    """The account a system unit or launchd daemon runs as; None: root. (A Windows
    service runs as LocalSystem, as nssm's services do unless told otherwise.)"""


@dataclass(frozen=True, slots=True)
class ServicePlan:
    """What installing or uninstalling a service does on one platform, in order:
    `commands_before`, then write (install) or delete (uninstall) `path`, then
    `commands_after`. `path` is None on Windows, where nssm keeps the definition."""

    platform: str
    path: Path | None
    content: str | None
    commands_before: list[list[str]]
    commands_after: list[list[str]]
    notes: list[str] = field(default_factory=list)


def check_service_word(option: str, value: str) -> str:
    """`value` if it can be part of a service's name on every platform, else ValueError."""
    if not _SERVICE_WORD.fullmatch(value):
        raise ValueError(
            f"{option} {value!r}: a service's name may hold only letters, digits, '.', '_' "
            "and '-' (starting with a letter or digit, at most 100)"
        )
    return value


def worker_spec(
    pool: str,
    worker_name: str | None,
    *,
    python: str,
    working_directory: str,
    environment: Mapping[str, str],
    home: str,
    run_as: str | None = None,
) -> ServiceSpec:
    """The service for `cauce worker start --pool POOL --name NAME` run by `python`.

    Without a worker name the service is `cauce-worker-POOL` and the worker is named
    as `worker start` would name it; with one, `cauce-worker-POOL-NAME`, so that two
    workers of a pool can be services on one machine."""
    check_service_word("--pool", pool)
    name = f"cauce-worker-{pool}"
    if worker_name is not None:
        name = f"{name}-{check_service_word('--name', worker_name)}"
    worker = worker_name or f"{socket.gethostname()}-{pool}"
    return ServiceSpec(
        name=name,
        description=f"cauce worker {worker} on work pool {pool}",
        command=(python, "-m", "cauce.cli.main", "worker", "start", "--pool", pool)
        + ("--name", worker),
        working_directory=working_directory,
        environment=dict(environment),
        stop_timeout_seconds=WORKER_STOP_TIMEOUT_SECONDS,
        log_file=str(Path(home) / "logs" / f"{name}.log"),
        run_as=run_as,
    )


def server_spec(
    *,
    python: str,
    working_directory: str,
    environment: Mapping[str, str],
    home: str,
    run_as: str | None = None,
) -> ServiceSpec:
    """The service for `cauce server start` run by `python`."""
    return ServiceSpec(
        name="cauce-server",
        description="cauce server",
        command=(python, "-m", "cauce.cli.main", "server", "start"),
        working_directory=working_directory,
        environment=dict(environment),
        stop_timeout_seconds=SERVER_STOP_TIMEOUT_SECONDS,
        log_file=str(Path(home) / "logs" / "cauce-server.log"),
        run_as=run_as,
    )


def install_plan(
    spec: ServiceSpec,
    platform: str,
    *,
    user: bool,
    unit_dir: Path | None = None,
    manager: str | None = None,
) -> ServicePlan:
    """How to install `spec` on `platform` (a `sys.platform` value).

    `unit_dir` replaces the folder the file goes in and `manager` the program that
    is run (systemctl, launchctl, nssm), so that tests need no root and no systemd."""
    if platform == "win32":
        return ServicePlan(platform, None, None, [], nssm_install_commands(spec, manager))
    path = service_path(spec, platform, user=user, unit_dir=unit_dir)
    if platform == "darwin":
        launchctl = manager or "launchctl"
        plist = render_launchd_plist(spec, user=user)
        return ServicePlan(platform, path, plist, [], [[launchctl, "load", "-w", str(path)]])
    systemctl = [manager or "systemctl", *(["--user"] if user else [])]
    notes = []
    if user:
        notes.append(
            "A user service starts at boot only with lingering on: `loginctl enable-linger`."
        )
    return ServicePlan(
        platform,
        path,
        render_systemd_unit(spec, user=user),
        [],
        # restart, not `enable --now`: installing again over a running service must
        # start it with the new unit.
        [
            [*systemctl, "daemon-reload"],
            [*systemctl, "enable", f"{spec.name}.service"],
            [*systemctl, "restart", f"{spec.name}.service"],
        ],
        notes,
    )


def uninstall_plan(
    spec: ServiceSpec,
    platform: str,
    *,
    user: bool,
    unit_dir: Path | None = None,
    manager: str | None = None,
) -> ServicePlan:
    """How to stop, disable and remove what `install_plan` installed."""
    if platform == "win32":
        nssm = manager or "nssm"
        return ServicePlan(
            platform,
            None,
            None,
            [[nssm, "stop", spec.name]],
            [[nssm, "remove", spec.name, "confirm"]],
        )
    path = service_path(spec, platform, user=user, unit_dir=unit_dir)
    if platform == "darwin":
        launchctl = manager or "launchctl"
        return ServicePlan(platform, path, None, [[launchctl, "unload", "-w", str(path)]], [])
    systemctl = [manager or "systemctl", *(["--user"] if user else [])]
    return ServicePlan(
        platform,
        path,
        None,
        [[*systemctl, "disable", "--now", f"{spec.name}.service"]],
        [[*systemctl, "daemon-reload"]],
    )


def service_path(
    spec: ServiceSpec, platform: str, *, user: bool, unit_dir: Path | None = None
) -> Path:
    """Where the unit (Linux) or plist (macOS) of `spec` goes."""
    if platform == "darwin":
        folder = unit_dir or (
            Path.home() / "Library/LaunchAgents" if user else Path("/Library/LaunchDaemons")
        )
        return folder / f"{spec.name}.plist"
    folder = unit_dir or (
        Path.home() / ".config/systemd/user" if user else Path("/etc/systemd/system")
    )
    return folder / f"{spec.name}.service"


def render_systemd_unit(spec: ServiceSpec, *, user: bool) -> str:
    """The systemd unit that runs `spec` at boot and again whenever it exits."""
    variables = {**spec.environment, "PYTHONUNBUFFERED": "1"}
    environment = " ".join(_systemd_quoted(f"{k}={v}") for k, v in variables.items())
    # A user's systemd has no network-online.target to wait for.
    network = [] if user else ["Wants=network-online.target", "After=network-online.target"]
    lines = [
        "[Unit]",
        f"Description={spec.description}",
        *network,
        "",
        "[Service]",
        "Type=exec",
        f"ExecStart={' '.join(_systemd_quoted(word, in_command=True) for word in spec.command)}",
        # The rest of the line is the folder, spaces and all; only specifiers need escaping.
        f"WorkingDirectory={spec.working_directory.replace('%', '%%')}",
        *([f"User={spec.run_as}"] if spec.run_as and not user else []),
        # One line: tools that read units as INI files keep only the last of repeated keys.
        f"Environment={environment}",
        "Restart=always",
        "RestartSec=5",
        "KillSignal=SIGTERM",
        # SIGTERM to the worker only: it stops its runs' processes itself after its
        # grace; systemd kills what is left of the group when TimeoutStopSec is up.
        "KillMode=mixed",
        f"TimeoutStopSec={spec.stop_timeout_seconds}",
        "",
        "[Install]",
        f"WantedBy={'default.target' if user else 'multi-user.target'}",
    ]
    return "\n".join(lines) + "\n"


def render_launchd_plist(spec: ServiceSpec, *, user: bool) -> str:
    """The launchd plist that runs `spec` at load and keeps it running."""
    document: dict[str, object] = {
        "Label": spec.name,
        "ProgramArguments": list(spec.command),
        "WorkingDirectory": spec.working_directory,
        "EnvironmentVariables": {**spec.environment, "PYTHONUNBUFFERED": "1"},
        "RunAtLoad": True,
        "KeepAlive": True,
        "ExitTimeOut": spec.stop_timeout_seconds,
    }
    if spec.run_as and not user:
        document["UserName"] = spec.run_as
    if spec.log_file is not None:
        document["StandardOutPath"] = document["StandardErrorPath"] = spec.log_file
    return plistlib.dumps(document).decode("utf-8")


def nssm_install_commands(spec: ServiceSpec, nssm: str | None = None) -> list[list[str]]:
    """nssm's commands that register `spec` as a Windows service started at boot.

    Syntax from nssm.cc/usage: `nssm install <servicename> <application> [<options>]`,
    `nssm set <servicename> <parameter> <value>`."""
    program = nssm or "nssm"
    application, *options = spec.command

    def set_(parameter: str, *values: str) -> list[str]:
        return [program, "set", spec.name, parameter, *values]

    commands = [
        [program, "install", spec.name, application, *options],
        set_("Description", spec.description),
        set_("AppDirectory", spec.working_directory),
        set_("AppEnvironmentExtra", *_environment_pairs(spec), "PYTHONUNBUFFERED=1"),
        set_("Start", "SERVICE_AUTO_START"),
        set_("AppExit", "Default", "Restart"),
        # Ctrl-C is the worker's SIGTERM on Windows; nssm waits this long (ms) for it.
        set_("AppStopMethodConsole", str(spec.stop_timeout_seconds * 1000)),
    ]
    if spec.log_file is not None:
        commands += [set_("AppStdout", spec.log_file), set_("AppStderr", spec.log_file)]
    return [*commands, [program, "start", spec.name]]


def sc_install_commands(spec: ServiceSpec) -> list[list[str]]:
    """`sc.exe`'s commands for `spec`, shown when nssm is missing.

    sc.exe can set neither the folder nor the environment, and python.exe does not
    answer the service control manager, which stops it after 30 s (error 1053): they
    are shown so a user with a service wrapper of their own knows what to register."""
    command_line = subprocess.list2cmdline(spec.command)
    return [
        ["sc.exe", "create", spec.name, "binPath=", command_line, "start=", "auto"],
        ["sc.exe", "description", spec.name, spec.description],
        ["sc.exe", "failure", spec.name, "reset=", "86400", "actions=", "restart/5000"],
    ]


def shown_command(command: list[str], platform: str) -> str:
    """`command` as a user would type it in that platform's shell."""
    if platform == "win32":
        return subprocess.list2cmdline(command)
    import shlex

    return shlex.join(command)


def log_folder(spec: ServiceSpec, platform: str) -> Path | None:
    """The folder the service's log file goes in, which must exist before it starts."""
    if spec.log_file is None or platform not in ("win32", "darwin"):
        return None
    return Path(spec.log_file).parent


def _environment_pairs(spec: ServiceSpec) -> list[str]:
    return [f"{key}={value}" for key, value in spec.environment.items()]


def _systemd_quoted(word: str, *, in_command: bool = False) -> str:
    # Inside double quotes systemd reads C escapes; % starts a specifier everywhere
    # and $ a variable in ExecStart=.
    escaped = word.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
    if in_command:
        escaped = escaped.replace("$", "$$")
    return f'"{escaped}"'
