"""Which recorded runs are really running: a run records the host and process
that run it, and its heartbeat; a RUNNING run whose process is gone from this
host, or whose heartbeat stopped, is marked ABANDONED by the next command that
looks (a killed process records nothing).
SIGTERM and Ctrl-C are turned into exceptions, so that the run records them."""
from __future__ import annotations

import os
import signal
import socket
import time

from pipeline.defaults import abandoned_after_seconds, heartbeat_seconds
from pipeline.metadata.records import RunRecord
from pipeline.metadata.store import MetadataStore
from pipeline.runner.heartbeat import HEARTBEAT


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


def alive(pid: int) -> bool:
    """Whether a process with this pid runs on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def mark_abandoned(store: MetadataStore, pipeline_name: str | None = None,
                   now: float | None = None) -> list[str]:
    """Marks RUNNING runs whose process is gone ABANDONED (their RUNNING executions
    CANCELED); returns their ids. A run of this host is gone when its pid is; a run
    of another machine, or a Kubeflow run with a task running, when its heartbeat
    stopped longer ago than `abandoned_after_seconds()`."""
    now, gone = time.time() if now is None else now, []
    for run in store.runs(pipeline_name):
        reason = _why_dead(store, run, now) if run.status == "RUNNING" else None
        if reason:
            store.abandon_run(run.run_id, f"abandoned: {reason}")
            gone.append(run.run_id)
    return gone


def _why_dead(store: MetadataStore, run: RunRecord, now: float) -> str | None:
    """Why this RUNNING run cannot be running any more, or None if it may be."""
    host, pid = run.properties.get("runner_host"), run.properties.get("runner_pid")
    silent = now - float(run.properties.get(HEARTBEAT, run.started))
    beating = silent < abandoned_after_seconds()
    if pid and host == socket.gethostname():
        if not alive(int(pid)):
            return (f"the process that ran it (pid {pid} on {host}) ended without recording "
                    f"an outcome")
        if beating or HEARTBEAT not in run.properties:
            return None  # alive (a pid reused by another process would not beat)
    elif beating:
        return None
    elif not pid and not any(e.state == "RUNNING" for e in store.executions(run.run_id)):
        return None  # a Kubeflow run between two tasks: no process to hear from
    where = f"pid {pid} on {host}" if pid else "its Kubeflow task"
    return (f"no heartbeat from {where} for {silent:.0f}s (a run beats every "
            f"{heartbeat_seconds():.0f}s); it died without recording an outcome")
