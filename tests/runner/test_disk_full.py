"""A full disk at every phase of a run: the run fails with one line that says the
disk is full, ML Metadata stays consistent, and once there is space again the
next command leaves nothing RUNNING and the next run picks up.

The penguin pipeline's root and its SQLite store live on a small tmpfs. Each
step pauses a run at a fault point, fills the disk to a given number of free
bytes, and lets the run go on. The steps go down the pipeline, so each one also
shows the component the previous step broke completing. Some steps disable
mlpipe's free-space check (MLPIPE_MIN_FREE_BYTES=0), so that ML Metadata's own
SQLite write really fails mid-transaction, as it did before the fix.
"""
from __future__ import annotations

import os

import pytest

from pipeline.metadata import SqliteConfig
from pipeline.metadata.store import MetadataStore
from tests.e2e.helpers import mlpipe
from tests.support import disk, store_check
from tests.support.paused_run import run_paused

pytestmark = pytest.mark.slow

UNCHECKED = {"MLPIPE_MIN_FREE_BYTES": "0"}
# (fault point, free bytes left, environment): down the pipeline, every phase.
STEPS = [("ExampleGen:executor", 0, {}),
         ("StatisticsGen:record", 100_000, {}),
         ("SchemaGen:start", 700_000, {}),
         ("Transform:publish", 0, {}),
         ("Trainer:record", 100_000, UNCHECKED),
         ("Evaluator:record", 40_000, UNCHECKED),
         ("Pusher:executor", 300_000, UNCHECKED),
         ("Pusher:pushed", 0, {})]


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    base = tmp_path_factory.mktemp("disk-full")
    with disk.tmpfs(base / "disk", size="32m") as mount:
        root = mount / "root"
        run_args = ["run", "--root", str(root)]
        steps = []
        for point, free, env in STEPS:
            failed = run_paused(run_args, point, base / "sync",
                                lambda: disk.fill(mount, free), env)
            problems_while_full = store_check.problems(str(root / "metadata.sqlite"))
            disk.unfill(mount)
            listed = mlpipe("runs", "--root", str(root))
            steps.append((point, failed, problems_while_full, listed,
                          store_check.running_executions(str(root / "metadata.sqlite"))))
        final = mlpipe(*run_args)
        store = MetadataStore(SqliteConfig(str(root / "metadata.sqlite")))
        serving = root / "serving" / "penguin"
        served = sorted(n for n in os.listdir(serving) if n.isdigit())
        recorded = sorted(str(r.properties["pushed_version"]) for r in store.runs("penguin")
                          if "pushed_version" in r.properties)
        yield steps, final, served, recorded, store_check.problems(str(root / "metadata.sqlite"))


def test_each_full_disk_fails_the_run_with_one_line_that_says_so(sweep):
    steps, *_ = sweep
    for point, failed, *_ in steps:
        output = failed.stdout + failed.stderr
        assert failed.returncode == 1, (point, output)
        assert "Traceback" not in output, (point, output)
        assert "disk" in output and "full" in output, (point, output)
        errors = failed.stderr.strip().splitlines()
        assert len(errors) <= 1 and all(e.startswith("mlpipe: error:") for e in errors), errors


def test_the_store_is_consistent_while_the_disk_is_still_full(sweep):
    steps, *_ = sweep
    assert {point: problems for point, _, problems, *_ in steps if problems} == {}


def test_once_there_is_space_nothing_is_left_running(sweep):
    steps, *_ = sweep
    for point, _, _, listed, running in steps:
        assert listed.returncode == 0, (point, listed.stderr)
        assert "RUNNING" not in listed.stdout, (point, listed.stdout)
        assert running == [], point


def test_the_next_run_completes_and_serves_only_recorded_versions(sweep):
    _, final, served, recorded, problems = sweep
    assert final.returncode == 0, final.stdout + final.stderr
    assert problems == []
    assert served == recorded and len(served) == 1
