"""Compiling to a KFP v2 pipeline spec: the golden YAML, kfp loading it, clear errors."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from kfp import components

from pipeline.kubeflow.compiler import CompileError, compile_to_file
from pipeline.loader import load_pipeline
from tests.e2e.helpers import mlpipe

GOLDEN = Path(__file__).with_name("golden") / "penguin.yaml"
TASKS = ["example-gen", "statistics-gen", "schema-gen", "example-validator", "transform",
         "trainer", "evaluator", "pusher"]


def _compile(tmp_path) -> str:
    output = str(tmp_path / "penguin.yaml")
    compile_to_file(load_pipeline("penguin"), "penguin", output)
    return output


def test_penguin_spec_matches_the_golden_file(tmp_path):
    compiled = Path(_compile(tmp_path)).read_text()
    if os.environ.get("MLPIPE_UPDATE_GOLDEN"):
        GOLDEN.write_text(compiled)
    assert compiled == GOLDEN.read_text(), (
        "the compiled penguin pipeline changed; if that is intended, rerun with "
        "MLPIPE_UPDATE_GOLDEN=1 and review the diff of tests/kubeflow/golden/penguin.yaml")


def test_kfp_loads_the_golden_spec_with_one_task_per_component():
    pipeline = components.load_component_from_file(str(GOLDEN))
    assert pipeline.name == "penguin"
    spec = yaml.safe_load(GOLDEN.read_text())
    tasks = spec["root"]["dag"]["tasks"]
    assert sorted(tasks) == sorted(TASKS)
    assert tasks["trainer"]["inputs"]["artifacts"]["transform_graph"]["taskOutputArtifact"] == \
        {"outputArtifactKey": "transform_graph", "producerTask": "transform"}
    assert "example-validator" in tasks["transform"]["dependentTasks"]  # anomalies gate Transform
    assert set(spec["root"]["inputDefinitions"]["parameters"]) == {"root", "data_path", "serving_dir"}


def test_unknown_component_type_is_a_compile_error(tmp_path):
    from tests.runner.test_local import Writer
    from pipeline.dsl import Pipeline

    pipeline = Pipeline("toy", str(tmp_path), [Writer()])
    with pytest.raises(CompileError, match="no Kubeflow component for Writer"):
        compile_to_file(pipeline, "toy.py", str(tmp_path / "toy.yaml"))


def test_cli_compile_of_a_pipeline_with_a_cycle_fails_cleanly(tmp_path):
    path = tmp_path / "cyclic_pipeline.py"
    path.write_text(
        "from components import ExampleGen, StatisticsGen\n"
        "from pipeline.dsl import Channel, Pipeline\n"
        "def create_pipeline(root=None):\n"
        "    gen = ExampleGen('x.csv')\n"
        "    a = StatisticsGen(gen.outputs.examples, id='A')\n"
        "    b = StatisticsGen(gen.outputs.examples, id='B')\n"
        "    a.inputs['examples'] = Channel(b, 'statistics', gen.outputs.examples.artifact_type)\n"
        "    b.inputs['examples'] = Channel(a, 'statistics', gen.outputs.examples.artifact_type)\n"
        "    return Pipeline('cyclic', root or 'out', [gen, a, b])\n")
    completed = mlpipe("compile", str(path), "--target", "kubeflow", "-o", str(tmp_path / "c.yaml"))
    assert completed.returncode == 2
    assert "the pipeline has a cycle" in completed.stderr and "Traceback" not in completed.stderr


def test_cli_compile_of_a_pipeline_with_a_missing_input_fails_cleanly(tmp_path):
    path = tmp_path / "broken_pipeline.py"
    path.write_text(
        "from components import ExampleGen, StatisticsGen\n"
        "from pipeline.dsl import Pipeline\n"
        "def create_pipeline(root=None):\n"
        "    gen = ExampleGen('x.csv')\n"
        "    return Pipeline('broken', root or 'out', [StatisticsGen(gen.outputs.examples)])\n")
    completed = mlpipe("compile", str(path), "-o", str(tmp_path / "b.yaml"))
    assert completed.returncode == 2
    assert "ExampleGen, which is not in the pipeline" in completed.stderr


def test_submit_to_an_unreachable_host_is_a_clear_error(tmp_path):
    completed = mlpipe("submit", str(GOLDEN), "--host", "http://127.0.0.1:9")
    assert completed.returncode == 3
    assert "could not submit" in completed.stderr and "127.0.0.1:9" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_cli_compile_takes_a_bucket_root_as_the_default_root(tmp_path):
    """Compiling needs no metadata store, so a bucket root needs none configured here."""
    output = tmp_path / "penguin.yaml"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLPIPE_MLMD_")}
    completed = mlpipe("compile", "--root", "gs://bucket/penguin", "-o", str(output), env=env)
    assert completed.returncode == 0, completed.stderr
    parameters = yaml.safe_load(output.read_text())["root"]["inputDefinitions"]["parameters"]
    assert parameters["root"]["defaultValue"] == "gs://bucket/penguin"
