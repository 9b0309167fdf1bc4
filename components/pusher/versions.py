"""Model versions in a serving folder: increasing, and never the same for two pushes.

A version is the push time in seconds, or one more than the newest version or
reservation if that is later. On a local or network disk a version is reserved
by exclusively creating `.version-<n>` beside the version folders (TF Serving
ignores names that are not numbers), so pushes in the same second, from other
processes or machines sharing the folder, each get their own. Reservations
are kept: a version whose push failed or was rolled back after its folder
appeared is never handed out again, so a version number always means one model.
"""
from __future__ import annotations

import os
import socket
import time

from pipeline import fs

RESERVATION_PREFIX = ".version-"


def _taken(model_dir: str) -> list[int]:
    if not fs.isdir(model_dir):
        return []
    names = fs.listdir(model_dir)
    reserved = [n[len(RESERVATION_PREFIX):] for n in names if n.startswith(RESERVATION_PREFIX)]
    return [int(n) for n in [*names, *reserved] if n.isdigit()]


def next_version(model_dir: str) -> int:
    """A version above every existing or reserved one."""
    return max([int(time.time()), *(v + 1 for v in _taken(model_dir))])


def reserve(model_dir: str) -> int:
    """A version no other push will use (local and network disks; an object store
    has no exclusive create, so there it is only `next_version`)."""
    fs.makedirs(model_dir)
    version = next_version(model_dir)
    if fs.is_remote(model_dir):
        return version
    while True:
        try:
            descriptor = os.open(os.path.join(model_dir, f"{RESERVATION_PREFIX}{version}"),
                                 os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            version += 1
            continue
        with os.fdopen(descriptor, "w") as handle:
            handle.write(f"{socket.gethostname()} {os.getpid()}\n")
        return version
