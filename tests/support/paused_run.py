"""Runs `mlpipe` in a child process that pauses at a fault point (see
`pipeline.faults`), lets the test act there (fill the disk, ...), then lets it go on."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

REACH_TIMEOUT_SECONDS = 600


def run_paused(args: list[str], point: str, sync_dir: Path, at_pause: Callable[[], None],
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`mlpipe *args`, paused at `point` while `at_pause()` runs. Fails if the run
    ends without reaching the point."""
    sync_dir.mkdir(parents=True, exist_ok=True)
    for leftover in sync_dir.iterdir():
        leftover.unlink()
    env = {**os.environ, **(env or {}), "MLPIPE_FAULT": f"{point}:pause",
           "MLPIPE_FAULT_DIR": str(sync_dir), "PYTHONWARNINGS": "ignore"}
    process = subprocess.Popen([sys.executable, "-m", "pipeline", *args], env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + REACH_TIMEOUT_SECONDS
    while not (sync_dir / "reached").exists():
        if process.poll() is not None or time.time() > deadline:
            process.kill()
            out, err = process.communicate()
            raise AssertionError(f"the run never reached {point}:\n{out}\n{err}")
        time.sleep(0.05)
    try:
        at_pause()
    finally:
        (sync_dir / "go").touch()
    out, err = process.communicate(timeout=REACH_TIMEOUT_SECONDS)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)
