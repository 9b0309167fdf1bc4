"""The mlpipe process ends at once once TensorFlow is loaded, with its output flushed."""
from __future__ import annotations

import subprocess
import sys

import pytest

CHILD = """
import atexit, sys
if sys.argv[1] == "tensorflow":
    import tensorflow
atexit.register(lambda: print("TEARDOWN"))
print("buffered output", end="")
sys.stderr.write("buffered error")
from pipeline.process_exit import exit_process
exit_process(3)
"""


@pytest.mark.parametrize("loaded, teardown", [("tensorflow", False), ("nothing", True)])
def test_exit_skips_teardown_only_after_tensorflow_and_keeps_output(loaded, teardown):
    child = subprocess.run([sys.executable, "-c", CHILD, loaded], capture_output=True,
                           text=True, timeout=120)
    assert child.returncode == 3
    assert child.stdout.startswith("buffered output")
    assert child.stderr.endswith("buffered error")
    assert ("TEARDOWN" in child.stdout) is teardown
