"""Four runs at once on one store and one serving folder, pushing together: all
complete, each push gets its own version, each version is named by exactly one
PushedModel, and the store is consistent.

The four runs are held at Pusher (a fault point that pauses) until all four are
there, then let go at the same instant, so their pushes land in the same second
(or, at worst, across one second boundary)."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from pipeline.metadata import SqliteConfig
from pipeline.metadata.store import MetadataStore
from tests.e2e.helpers import mlpipe
from tests.support import store_check

pytestmark = pytest.mark.slow

RUNS = 4


def test_four_runs_pushing_together_get_four_versions_all_recorded(tmp_path):
    root, serving = tmp_path / "root", tmp_path / "serving"
    first = mlpipe("run", "--root", str(root), "--serving-dir", str(tmp_path / "first"))
    assert first.returncode == 0, first.stdout + first.stderr
    syncs = [tmp_path / f"sync-{i}" for i in range(RUNS)]
    processes = []
    for sync in syncs:  # everything cached but Pusher (a new serving folder)
        sync.mkdir()
        env = {**os.environ, "MLPIPE_FAULT": "Pusher:executor:pause", "MLPIPE_FAULT_DIR": str(sync)}
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "pipeline", "run", "--root", str(root), "--serving-dir",
             str(serving)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    deadline = time.time() + 300
    while not all((s / "reached").exists() for s in syncs):
        ended = [p.communicate() for p in processes if p.poll() is not None]
        assert not ended, f"a run ended before reaching Pusher: {ended}"
        assert time.time() < deadline, "the runs did not all reach Pusher within 300 s"
        time.sleep(0.05)
    for sync in syncs:
        (sync / "go").touch()
    outputs = [p.communicate(timeout=300) for p in processes]
    assert [p.returncode for p in processes] == [0] * RUNS, outputs
    versions = sorted(n for n in os.listdir(serving / "penguin") if n.isdigit())
    assert len(versions) == RUNS and int(versions[-1]) - int(versions[0]) <= RUNS
    store = MetadataStore(SqliteConfig(str(root / "metadata.sqlite")))
    recorded = sorted(str(r.properties["pushed_version"]) for r in store.runs("penguin")
                      if str(r.properties.get("pushed_destination", "")).startswith(str(serving)))
    assert recorded == versions
    assert [r.status for r in store.runs("penguin")] == ["COMPLETE"] * (RUNS + 1)
    assert store_check.problems(str(root / "metadata.sqlite")) == []
    assert not [n for n in os.listdir(serving / "penguin") if n.startswith(".tmp-")]
