"""The shared log file: several processes append and rotate without losing or mixing lines."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from pathlib import Path

from cauce.logging.file_handler import SharedRotatingFileHandler


def _lines(folder: Path, name: str) -> list[str]:
    lines: list[str] = []
    for path in sorted(folder.glob(f"{name}*")):
        if not path.name.endswith(".lock"):
            lines.extend(path.read_text(encoding="utf-8").splitlines())
    return lines


def test_rotates_at_max_bytes_and_keeps_backup_count(tmp_path: Path) -> None:
    handler = SharedRotatingFileHandler(tmp_path / "run.log", max_bytes=200, backup_count=2)
    logger = logging.getLogger("test.file_handler.rotation")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        for i in range(30):
            logger.warning("line %02d %s", i, "x" * 20)
    finally:
        logger.removeHandler(handler)
        handler.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [".run.log.lock", "run.log", "run.log.1", "run.log.2"]
    for path in tmp_path.glob("run.log*"):
        if path.suffix != ".lock":
            assert path.stat().st_size <= 200
    newest = (tmp_path / "run.log").read_text().splitlines()
    assert newest[-1] == f"line 29 {'x' * 20}"


def test_processes_writing_one_file_lose_and_mix_nothing(tmp_path: Path) -> None:
    script = tmp_path / "writer.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import logging, sys
            from pathlib import Path
            from cauce.logging.file_handler import SharedRotatingFileHandler

            handler = SharedRotatingFileHandler(
                Path({str(tmp_path / "shared.log")!r}), max_bytes=20_000, backup_count=1000
            )
            logger = logging.getLogger("writer")
            logger.addHandler(handler)
            for i in range(1500):
                logger.warning("process %s line %04d %s", sys.argv[1], i, "y" * 40)
            """
        )
    )
    writers = [
        subprocess.Popen([sys.executable, str(script), str(n)], stderr=subprocess.PIPE)
        for n in range(4)
    ]
    for writer in writers:
        _, stderr = writer.communicate(timeout=120)
        assert writer.returncode == 0, stderr.decode()
    lines = _lines(tmp_path, "shared.log")
    expected = {f"process {n} line {i:04d} {'y' * 40}" for n in range(4) for i in range(1500)}
    assert len(lines) == len(expected)
    assert set(lines) == expected
    assert len(list(tmp_path.glob("shared.log.*"))) > 5  # it really rotated, many times
