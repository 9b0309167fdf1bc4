"""`mlpipe component`: the single-component entrypoint any orchestrator can call,
with input and output locations given on the command line."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from pipeline.metadata import SqliteConfig
from pipeline.metadata.store import MetadataStore
from tests.e2e.helpers import mlpipe

pytestmark = pytest.mark.slow


def test_components_run_one_at_a_time_and_chain_through_ml_metadata(tmp_path):
    root, out = str(tmp_path / "root"), tmp_path / "out"
    examples, statistics = str(out / "examples"), str(out / "statistics")
    first = mlpipe("component", "penguin", "--root", root, "--id", "ExampleGen",
                   "--run-id", "run-7", "--output", f"examples={examples}")
    assert first.returncode == 0, first.stdout + first.stderr
    second = mlpipe("component", "penguin", "--root", root, "--id", "StatisticsGen",
                    "--run-id", "run-7", "--input", f"examples={examples}",
                    "--output", f"statistics={statistics}")
    assert second.returncode == 0, second.stdout + second.stderr
    assert os.path.isfile(os.path.join(statistics, "Split-train", "FeatureStats.pb"))
    store = MetadataStore(SqliteConfig(os.path.join(root, "metadata.sqlite")))
    executions = store.executions("run-7")
    assert [(e.component_id, e.state) for e in executions] == [("ExampleGen", "COMPLETE"),
                                                               ("StatisticsGen", "COMPLETE")]
    assert store.artifact_by_uri(statistics).TYPE_NAME == "ExampleStatistics"


def test_an_input_nobody_recorded_is_a_clear_error(tmp_path):
    completed = mlpipe("component", "penguin", "--root", str(tmp_path), "--id", "StatisticsGen",
                       "--run-id", "run-8", "--input", f"examples={tmp_path / 'nowhere'}",
                       "--output", f"statistics={tmp_path / 'stats'}")
    assert completed.returncode == 2
    assert "StatisticsGen input 'examples': no published artifact at" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_a_task_whose_key_matches_reuses_the_outputs_unless_told_not_to(tmp_path):
    root = str(tmp_path / "root")

    def example_gen(run_id: str, *flags: str):
        output = str(tmp_path / run_id / "examples")
        completed = mlpipe("component", "penguin", "--root", root, "--id", "ExampleGen",
                           "--run-id", run_id, "--output", f"examples={output}", *flags)
        assert completed.returncode == 0, completed.stdout + completed.stderr
        return output

    example_gen("run-1")
    cached_path = example_gen("run-2")
    example_gen("run-3", "--no-cache")
    store = MetadataStore(SqliteConfig(os.path.join(root, "metadata.sqlite")))
    states = [store.executions(r)[0].state for r in ("run-1", "run-2", "run-3")]
    assert states == ["COMPLETE", "CACHED", "COMPLETE"]
    assert not os.path.exists(cached_path)  # nothing written: its consumers find run-1's output
    reused = store.run_output(store.start_run("penguin", "run-2", {}), "ExampleGen", "examples")
    assert reused.uri == str(tmp_path / "run-1" / "examples")


def _paused_task(tmp_path, action: str) -> subprocess.Popen:
    """ExampleGen as a Kubeflow task, stopped by a fault point inside its execution."""
    env = {**os.environ, "MLPIPE_FAULT": f"ExampleGen:executor:{action}",
           "MLPIPE_FAULT_DIR": str(tmp_path), "MLPIPE_HEARTBEAT_SECONDS": "0.2"}
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", "component", "penguin", "--root",
         str(tmp_path / "root"), "--id", "ExampleGen", "--run-id", "run-9", "--output",
         f"examples={tmp_path / 'examples'}"], env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_a_canceled_task_records_its_run_canceled(tmp_path):
    task = _paused_task(tmp_path, "pause")
    deadline = time.time() + 120
    while not (tmp_path / "reached").exists():
        assert task.poll() is None and time.time() < deadline
        time.sleep(0.05)
    task.send_signal(signal.SIGTERM)  # what Kubernetes sends a pod of a canceled run
    _, stderr = task.communicate(timeout=60)
    assert task.returncode == 143, stderr
    store = MetadataStore(SqliteConfig(str(tmp_path / "root" / "metadata.sqlite")))
    assert store.runs("penguin")[0].status == "CANCELED"
    assert [e.state for e in store.executions("run-9")] == ["CANCELED"]


def test_a_killed_task_is_found_abandoned_once_its_heartbeat_stops(tmp_path):
    task = _paused_task(tmp_path, "kill")
    task.communicate(timeout=120)
    assert task.returncode == -signal.SIGKILL
    time.sleep(2.5)
    listed = mlpipe("runs", "penguin", "--root", str(tmp_path / "root"),
                    env={**os.environ, "MLPIPE_ABANDONED_AFTER_SECONDS": "2"})
    assert "ABANDONED" in listed.stdout, listed.stdout + listed.stderr
    store = MetadataStore(SqliteConfig(str(tmp_path / "root" / "metadata.sqlite")))
    [run] = store.runs("penguin")
    assert "no heartbeat from its Kubeflow task" in run.properties["message"]
    assert [e.state for e in store.executions("run-9")] == ["CANCELED"]


def test_a_task_after_one_that_ended_the_run_skips_itself_and_records_nothing(tmp_path):
    """As on Kubeflow after RetrainTrigger found no reason to retrain: the run is
    COMPLETE with `ended_by`; a later task starts, sees it, and exits 0."""
    from pipeline.kubeflow.task import ENDED_BY

    store = MetadataStore(SqliteConfig(str(tmp_path / "root" / "metadata.sqlite")))
    contexts = store.start_run("penguin", "run-10", {})
    store.update_run(contexts, {"status": "COMPLETE", ENDED_BY: "RetrainTrigger"})
    task = mlpipe("component", "penguin", "--root", str(tmp_path / "root"), "--id", "ExampleGen",
                  "--run-id", "run-10", "--output", f"examples={tmp_path / 'examples'}")
    assert task.returncode == 0, task.stdout + task.stderr
    assert "ExampleGen: skipped: RetrainTrigger ended the run" in task.stdout
    assert store.executions("run-10") == []
    assert store.runs("penguin")[0].status == "COMPLETE"
