"""What `cauce worker install-service` and `cauce server install-service` share: the
environment baked into the service, and carrying out (or only printing) the plan
that workers/service_install.py made for this platform.

CAUCE_SERVICE_UNIT_DIR replaces the folder the unit or plist goes in, and
CAUCE_SERVICE_MANAGER the program run (systemctl, launchctl or nssm), so that a
test installs into a temporary folder with no root and no running systemd.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cauce.cli.errors import CliError
from cauce.cli.output import console

if TYPE_CHECKING:
    from rich.text import Text

    from cauce.workers.service_install import ServicePlan, ServiceSpec

UNIT_DIR_VARIABLE = "CAUCE_SERVICE_UNIT_DIR"
MANAGER_VARIABLE = "CAUCE_SERVICE_MANAGER"


def service_environment() -> tuple[dict[str, str], str, str | None]:
    """The variables the service runs with, CAUCE_HOME's value, and the account a
    system service runs as (None: root).

    CAUCE_HOME and the profile in use always; every other setting set in this
    environment too, except secrets, which a service file readable by all must not
    hold (a note says where to put them). Under sudo the service is the invoking
    user's: it runs as them, with their CAUCE_HOME unless one is given."""
    from cauce.settings.definitions import DEFINITIONS
    from cauce.settings.settings import resolve

    run_as, environ = _account()
    resolution = resolve(environ)
    home = str(resolution.values["CAUCE_HOME"].value)
    environment = {"CAUCE_HOME": home, "CAUCE_PROFILE": resolution.profile}
    for definition in DEFINITIONS:
        raw = environ.get(definition.env_name, "").strip()
        if not raw or definition.env_name in environment:
            continue
        if definition.secret is not None:
            _note(
                f"{definition.env_name} is not written into the service (it is a secret): "
                f"set it in profile {resolution.profile!r} with `cauce config set`."
            )
            continue
        environment[definition.env_name] = raw
    return environment, home, run_as


def _account() -> tuple[str | None, dict[str, str]]:
    # sudo sets SUDO_USER and (on most systems) HOME to root's: the CAUCE_HOME that
    # `~/.cauce` means is then the invoking user's, not root's.
    import getpass

    from cauce.settings.definitions import BY_ENV_NAME

    environ = dict(os.environ)
    sudo_user = environ.get("SUDO_USER", "").strip()
    if sudo_user and sudo_user != "root" and not environ.get("CAUCE_HOME", "").strip():
        default = BY_ENV_NAME["CAUCE_HOME"].default or "~/.cauce"
        environ["CAUCE_HOME"] = str(Path(default.replace("~", f"~{sudo_user}", 1)).expanduser())
    account = sudo_user or getpass.getuser()
    return (None if account == "root" else account), environ


def install_service(spec: ServiceSpec, *, print_only: bool, user: bool) -> None:
    """Write and enable the service for `spec`, or with `print_only` only show how."""
    from cauce.workers.service_install import install_plan, log_folder

    plan = install_plan(spec, sys.platform, user=user, unit_dir=_unit_dir(), manager=_manager())
    if sys.platform == "win32" and not print_only and not _has_manager("nssm"):
        _print_windows_without_nssm(spec, plan)
        return
    if print_only:
        _print_plan(plan)
        return
    folder = log_folder(spec, plan.platform)
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    if plan.path is not None and plan.content is not None:
        _write(plan.path, plan.content)
    for command in plan.commands_after:
        _run(command, plan.platform)
    where = plan.path if plan.path is not None else "nssm"
    console.print(_text(f"Installed and started service {spec.name} ({where})."))
    for note in plan.notes:
        _note(note)


def uninstall_service(spec: ServiceSpec, *, print_only: bool, user: bool) -> None:
    """Stop, disable and remove the service for `spec`, or with `print_only` only show how."""
    from cauce.workers.service_install import uninstall_plan

    plan = uninstall_plan(spec, sys.platform, user=user, unit_dir=_unit_dir(), manager=_manager())
    if print_only:
        _print_plan(plan)
        return
    if plan.path is not None and not plan.path.exists():
        raise CliError(f"no service file at {plan.path}: nothing to uninstall")
    for command in plan.commands_before:
        # Already stopped or disabled is fine: carry on and remove it.
        _run(command, plan.platform, may_fail=True)
    if plan.path is not None:
        plan.path.unlink()
    for command in plan.commands_after:
        _run(command, plan.platform)
    console.print(_text(f"Stopped and removed service {spec.name}."))


def _unit_dir() -> Path | None:
    unit_dir = os.environ.get(UNIT_DIR_VARIABLE, "").strip()
    return Path(unit_dir) if unit_dir else None


def _manager() -> str | None:
    return os.environ.get(MANAGER_VARIABLE, "").strip() or None


def _has_manager(default: str) -> bool:
    return _manager() is not None or shutil.which(default) is not None


def _print_plan(plan: ServicePlan) -> None:
    # The file alone on stdout, so that `--print > FILE` is the file; where it goes
    # and what would run after it on stderr.
    from cauce.workers.service_install import shown_command

    commands = [*plan.commands_before, *plan.commands_after]
    if plan.content is not None:
        assert plan.path is not None
        typer.echo(f"# would write {plan.path}, then run:", err=True)
        console.print(_text(plan.content), end="", soft_wrap=True)
        for command in commands:
            typer.echo(shown_command(command, plan.platform), err=True)
        return
    if plan.path is not None:
        console.print(_text(f"# would remove {plan.path}, with:"))
    for command in commands:
        console.print(_text(shown_command(command, plan.platform)), soft_wrap=True)


def _print_windows_without_nssm(spec: ServiceSpec, plan: ServicePlan) -> None:
    from cauce.workers.service_install import sc_install_commands, shown_command

    console.print(
        _text("# nssm is not on PATH: nothing was installed. Get it from https://nssm.cc and run:")
    )
    for command in plan.commands_after:
        console.print(_text(shown_command(command, plan.platform)), soft_wrap=True)
    console.print(
        _text(
            "# sc.exe alone sets no folder or environment, and stops python.exe after 30 s "
            "(error 1053) unless a service wrapper runs it; for such a wrapper:"
        ),
        soft_wrap=True,
    )
    for command in sc_install_commands(spec):
        console.print(_text(shown_command(command, plan.platform)), soft_wrap=True)


def _write(path: Path, content: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    except OSError as exc:
        hint = " (run with sudo, or use --user)" if isinstance(exc, PermissionError) else ""
        raise CliError(f"cannot write {path}: {exc.strerror or exc}{hint}") from None


def _run(command: list[str], platform: str, *, may_fail: bool = False) -> None:
    from cauce.workers.service_install import shown_command

    shown = shown_command(command, platform)
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise CliError(f"cannot run `{shown}`: {exc.strerror or exc}") from None
    if done.returncode == 0:
        return
    said = (done.stderr or done.stdout).strip().splitlines()
    reason = f"exit status {done.returncode}" + (f": {said[-1]}" if said else "")
    if not may_fail:
        raise CliError(f"`{shown}` failed ({reason})")
    _note(f"`{shown}`: {reason}; carrying on.")


def _note(line: str) -> None:
    typer.secho(f"cauce: {line}", err=True, fg="yellow")


def _text(line: str) -> Text:
    from rich.text import Text

    return Text(line)
