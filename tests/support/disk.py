"""Real small disks for failure tests: a tmpfs mounted for the test (root only),
filled to a chosen number of free bytes, or mounted read-only."""
from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

FILLER = ".filler"


@contextlib.contextmanager
def tmpfs(path: Path, size: str = "64m", read_only: bool = False) -> Iterator[Path]:
    """A tmpfs at `path` for the duration; skips the test where mounting is impossible."""
    path.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (",ro" if read_only else "")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


def remount_read_only(path: Path) -> None:
    """Makes a mounted tmpfs read-only, keeping what it holds."""
    subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True)


def free_bytes(path: Path) -> int:
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize


def fill(path: Path, leave: int) -> None:
    """Writes a filler file so that about `leave` bytes stay free on `path`'s disk."""
    with open(path / FILLER, "ab") as handle:
        remaining = free_bytes(path) - leave
        block = b"\0" * (1 << 20)
        while remaining > 0:
            chunk = block[:min(len(block), remaining)]
            handle.write(chunk)
            handle.flush()
            remaining -= len(chunk)


def unfill(path: Path) -> None:
    (path / FILLER).unlink(missing_ok=True)
