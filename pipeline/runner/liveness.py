"""Which recorded runs are really running: a run records the host and process
that run it, and a RUNNING run whose process is gone from this host is marked
ABANDONED by the next command that looks (a killed process records nothing).
SIGTERM and Ctrl-C are turned into exceptions, so that the run records them."""
from __future__ import annotations

import os
import signal
import socket

from pipeline.metadata.store import MetadataStore


class Terminated(BaseException):
    """The process got SIGTERM. A BaseException, like KeyboardInterrupt, so that an
    executor's `except Exception` does not swallow it."""


def _raise_terminated(signum, frame) -> None:
    raise Terminated("terminated (SIGTERM)")


def handle_sigterm() -> None:
    """Turns SIGTERM into `Terminated` in this (main) thread."""
    signal.signal(signal.SIGTERM, _raise_terminated)


def runner_identity() -> dict[str, object]:
    """What a run records about the process that runs it."""
    return {"runner_host": socket.gethostname(), "runner_pid": os.getpid()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def mark_abandoned(store: MetadataStore, pipeline_name: str | None = None) -> list[str]:
    """Marks RUNNING runs of this host whose process is gone ABANDONED; returns their ids.
    Runs of other hosts are left as they are: their processes cannot be seen from here."""
    host, gone = socket.gethostname(), []
    for run in store.runs(pipeline_name):
        pid = run.properties.get("runner_pid")
        if run.status != "RUNNING" or run.properties.get("runner_host") != host or not pid:
            continue
        if not _alive(int(pid)):
            store.abandon_run(run.run_id, f"abandoned: the process that ran it (pid {pid} on "
                                          f"{host}) ended without recording an outcome")
            gone.append(run.run_id)
    return gone
