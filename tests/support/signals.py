"""Child processes that a test stops with SIGINT, as a user's Ctrl-C would.

A process started in the background by a non-interactive shell (nohup, `cmd &`)
has SIGINT ignored, its children inherit that, and Python then installs no
KeyboardInterrupt handler: Ctrl-C tests would hang. Passed as `preexec_fn`, this
gives the child SIGINT's default disposition back before it starts Python.
"""
from __future__ import annotations

import signal


def default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
