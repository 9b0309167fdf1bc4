"""A read-only pipeline root or serving folder: one line naming the path and what
to do, exit 1, the failure recorded where the store is writable, nothing left
RUNNING, and the next run with a writable path completes.

The read-only places are real read-only mounts (a tmpfs mounted `ro`): as root,
permission bits would not stop a write."""
from __future__ import annotations

import os

import pytest

from pipeline.metadata import SqliteConfig
from pipeline.metadata.store import MetadataStore
from tests.e2e.helpers import mlpipe
from tests.support import disk, store_check


def test_a_read_only_root_holding_the_store_is_one_line(tmp_path):
    with disk.tmpfs(tmp_path / "ro", size="1m", read_only=True) as read_only:
        failed = mlpipe("run", "--root", str(read_only / "penguin"))
    assert failed.returncode == 1
    assert "Traceback" not in failed.stdout + failed.stderr
    assert failed.stderr.strip().splitlines() == [
        f"mlpipe: error: cannot open ML Metadata at sqlite:{read_only}/penguin/metadata.sqlite: "
        f"OSError: [Errno 30] Read-only file system: '{read_only}/penguin'; the file system is "
        f"read-only: make it writable or choose another path"]


def test_a_read_only_root_with_the_store_elsewhere_is_recorded_failed(tmp_path):
    store_path = tmp_path / "store" / "metadata.sqlite"
    env = {**os.environ, "MLPIPE_MLMD_SQLITE": str(store_path)}
    with disk.tmpfs(tmp_path / "ro", size="1m", read_only=True) as read_only:
        failed = mlpipe("run", "--root", str(read_only), env=env)
    assert failed.returncode == 1
    [line] = failed.stderr.strip().splitlines()
    assert line.endswith(f"cannot write to the pipeline root {read_only} (Read-only file "
                         f"system): the file system is read-only: make it writable or choose "
                         f"another path"), line
    store = MetadataStore(SqliteConfig(str(store_path)))
    [run] = store.runs("penguin")
    assert run.status == "FAILED" and "Read-only file system" in run.properties["message"]
    assert store_check.problems(str(store_path)) == []


@pytest.mark.slow
def test_a_read_only_serving_folder_fails_pusher_with_one_line_and_rolls_nothing_out(tmp_path):
    root = tmp_path / "root"
    with disk.tmpfs(tmp_path / "ro", size="1m", read_only=True) as read_only:
        failed = mlpipe("run", "--root", str(root), "--serving-dir", str(read_only))
    assert failed.returncode == 1, failed.stdout + failed.stderr
    [pusher_line] = [line for line in failed.stdout.splitlines() if "] Pusher" in line
                     and "failed" in line]
    assert (f"OSError: [Errno 30] Read-only file system: '{read_only}/penguin'; the file system "
            f"is read-only: make it writable or choose another path") in pusher_line
    store = MetadataStore(SqliteConfig(str(root / "metadata.sqlite")))
    [run] = store.runs("penguin")
    assert run.status == "FAILED" and run.properties["message"].startswith("Pusher failed:")
    again = mlpipe("run", "--root", str(root), "--serving-dir", str(tmp_path / "serving"))
    assert again.returncode == 0, again.stdout + again.stderr
    assert store_check.problems(str(root / "metadata.sqlite")) == []
    assert store_check.running_executions(str(root / "metadata.sqlite")) == []
