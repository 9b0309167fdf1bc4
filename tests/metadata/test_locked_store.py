"""A store another process holds locked (an SQLite write transaction left open, a
backup tool): the command waits for ML Metadata's retries, then says so in one
line and exits 1; once the lock is released, everything works."""
from __future__ import annotations

import sqlite3

import pytest

from pipeline.metadata import SqliteConfig
from pipeline.metadata.store import MetadataStore
from tests.e2e.helpers import mlpipe

pytestmark = pytest.mark.slow  # ML Metadata retries for about 20 s before it gives up


def test_a_locked_store_is_one_line_and_works_once_released(tmp_path):
    path = tmp_path / "metadata.sqlite"
    MetadataStore(SqliteConfig(str(path))).start_run("penguin", "run-1", {})
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        locked = mlpipe("runs", "--root", str(tmp_path))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert locked.returncode == 1
    assert locked.stderr.strip().splitlines() == [
        f"mlpipe: error: cannot open ML Metadata at sqlite:{path}: RuntimeError: Concurrent "
        f"writes aborted after max number of retries.; another process holds the store's lock: "
        f"wait for it, or stop it, and retry"]
    released = mlpipe("runs", "--root", str(tmp_path))
    assert released.returncode == 0 and "run-1" in released.stdout
