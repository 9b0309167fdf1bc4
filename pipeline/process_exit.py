"""Ending the `mlpipe` process without the interpreter's teardown.

Once TensorFlow is loaded, Python's own exit spends about 1.3 s (measured here,
2 cores) destroying TensorFlow, Beam and TFMA objects: nothing a user needs, since
ML Metadata commits each write and a run publishes its outputs before it ends.
"""
from __future__ import annotations

import logging
import os
import sys

# Loaded only by executors; their presence is what makes teardown slow.
HEAVY_MODULES = ("tensorflow",)


def exit_now(code: int) -> None:
    """Flushes logging and the standard streams, then ends the process with `code`
    at once (no atexit handlers, no destructors)."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def exit_process(code: int) -> None:
    """Ends the process with `code`: at once if a heavy library was loaded, else
    by the usual `sys.exit` (a fully cached run never loads TensorFlow)."""
    if any(name in sys.modules for name in HEAVY_MODULES):
        exit_now(code)
    sys.exit(code)
