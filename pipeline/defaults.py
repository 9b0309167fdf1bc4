"""Where things go when the user does not say."""
from __future__ import annotations

import os


def default_root(pipeline_name: str) -> str:
    """`$MLPIPE_HOME/<pipeline>`, or `./mlpipe-output/<pipeline>`."""
    return os.path.join(os.environ.get("MLPIPE_HOME", "mlpipe-output"), pipeline_name)


def default_serving_dir(root: str) -> str:
    """Where Pusher puts models if the pipeline names no serving location."""
    return os.path.join(root, "serving")
