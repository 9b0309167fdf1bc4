"""Where things go when the user does not say."""
from __future__ import annotations

import os


def default_root(pipeline_name: str) -> str:
    """`$MLPIPE_HOME/<pipeline>`, or `./mlpipe-output/<pipeline>`."""
    return os.path.join(os.environ.get("MLPIPE_HOME", "mlpipe-output"), pipeline_name)


def default_serving_dir(root: str) -> str:
    """Where Pusher puts models if the pipeline names no serving location."""
    return os.path.join(root, "serving")


MIN_FREE_BYTES = 1 << 20  # SQLite's journal and ML Metadata's largest write fit easily


def min_free_bytes() -> int:
    """Free space below which mlpipe writes neither outputs nor records:
    $MLPIPE_MIN_FREE_BYTES, or MIN_FREE_BYTES."""
    return int(os.environ.get("MLPIPE_MIN_FREE_BYTES", MIN_FREE_BYTES))


HEARTBEAT_SECONDS = 30.0
ABANDONED_AFTER_SECONDS = 600.0  # twenty missed heartbeats


def heartbeat_seconds() -> float:
    """How often a running process records that it is alive: $MLPIPE_HEARTBEAT_SECONDS."""
    return float(os.environ.get("MLPIPE_HEARTBEAT_SECONDS", HEARTBEAT_SECONDS))


def abandoned_after_seconds() -> float:
    """How long without a heartbeat before a RUNNING run of another machine counts as
    abandoned: $MLPIPE_ABANDONED_AFTER_SECONDS."""
    return float(os.environ.get("MLPIPE_ABANDONED_AFTER_SECONDS", ABANDONED_AFTER_SECONDS))
