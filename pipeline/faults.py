"""Named points where tests inject real faults into a real run (never used otherwise).

A run passes through points named `<component id>:<phase>` (see `PHASES`, plus
the points executors name, such as `Pusher:pushed`). With the environment
variable MLPIPE_FAULT=<point>:<action>, the process acts when it reaches the
point:

- `kill`: SIGKILL itself, as a power loss or the OOM killer would;
- `pause`: create `$MLPIPE_FAULT_DIR/reached`, then wait until
  `$MLPIPE_FAULT_DIR/go` exists (a test does something meanwhile, e.g. fills
  the disk), then carry on.

Example: `MLPIPE_FAULT=Trainer:record:kill mlpipe run` dies after Trainer's
outputs are published and before ML Metadata records them.
"""
from __future__ import annotations

import os
import signal
import time

FAULT_ENV = "MLPIPE_FAULT"
FAULT_DIR_ENV = "MLPIPE_FAULT_DIR"
# Phases of every execution, in order: recorded RUNNING; staging prepared, executor
# about to run; executor done, outputs about to be published; published, about to be
# recorded in ML Metadata.
PHASES = ("start", "executor", "publish", "record")
_POLL_SECONDS = 0.05


def point(name: str) -> None:
    """Acts on MLPIPE_FAULT if it names this point; otherwise does nothing."""
    wanted = os.environ.get(FAULT_ENV)
    if not wanted or wanted.rsplit(":", 1)[0] != name:
        return
    action = wanted.rsplit(":", 1)[1]
    if action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif action == "pause":
        _pause(os.environ[FAULT_DIR_ENV])
    else:
        raise ValueError(f"{FAULT_ENV}={wanted!r}: the action must be kill or pause")


def _pause(folder: str) -> None:
    with open(os.path.join(folder, "reached"), "w"):
        pass
    while not os.path.exists(os.path.join(folder, "go")):
        time.sleep(_POLL_SECONDS)
