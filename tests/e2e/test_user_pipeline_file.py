"""`mlpipe run path/to/pipeline.py`: any pipeline file with a create_pipeline()."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pipeline.metadata import SqliteConfig
from pipeline.metadata.store import MetadataStore
from tests.e2e.helpers import mlpipe

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

USER_PIPELINE = textwrap.dedent('''
    """A user's own pipeline file: the penguin components under another name, with a
    smaller model and a lower bar."""
    from pipeline.examples.penguin.pipeline import create_pipeline as penguin_pipeline


    def create_pipeline(root=None, data_path=None, serving_dir=None, beam_args=()):
        pipeline = penguin_pipeline(root=root, data_path=data_path, serving_dir=serving_dir,
                                    beam_args=beam_args, accuracy_threshold=0.8, train_steps=200)
        pipeline.name = "my_penguins"
        return pipeline
''')


def test_a_pipeline_file_runs_end_to_end_and_is_listed(tmp_path):
    path = tmp_path / "my_pipeline.py"
    path.write_text(USER_PIPELINE)
    root = str(tmp_path / "root")
    completed = mlpipe("run", str(path), "--root", root)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "[8/8] Pusher" in completed.stdout and "Run my_penguins-" in completed.stdout
    assert "pushed:" in completed.stdout
    listed = mlpipe("runs", str(path), "--root", root)
    assert listed.returncode == 0 and "my_penguins-" in listed.stdout and "COMPLETE" in listed.stdout


def test_a_user_written_gate_stops_the_pipeline_and_says_why(tmp_path):
    pipeline_file = REPO / "pipeline" / "examples" / "quality_gate" / "pipeline.py"
    root = str(tmp_path / "gated")
    completed = mlpipe("run", str(pipeline_file), "--root", root,
                       "--param", "max_missing_fraction=0.01")
    assert completed.returncode == 1, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "DataQualityGate stopped the pipeline: features missing more than 1.0% of their " \
           "values: eval/sex=0.014, train/sex=0.036" in completed.stdout
    assert "[4/9] SchemaGen" not in completed.stdout  # nothing after the gate ran
    store = MetadataStore(SqliteConfig(f"{root}/metadata.sqlite"))
    [run] = store.runs("penguin_gated")
    assert run.status == "STOPPED"
    assert [e.component_id for e in store.executions(run.run_id)] == [
        "ExampleGen", "StatisticsGen", "DataQualityGate"]
