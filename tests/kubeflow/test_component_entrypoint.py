"""`mlpipe component`: the single-component entrypoint any orchestrator can call,
with input and output locations given on the command line."""
from __future__ import annotations

import os

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
