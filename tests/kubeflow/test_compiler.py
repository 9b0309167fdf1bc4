"""Compiling to a KFP v2 pipeline spec from the IR: golden YAML of both shipped
pipelines, kfp loading them, run parameters, and clear compile-time errors."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from kfp import components

from pipeline.dsl import Component, ComponentSpec, Pipeline
from pipeline.ir.build import CompileError, build_ir
from pipeline.kubeflow.compiler import compile_to_file
from pipeline.loader import compile_pipeline
from tests.e2e.helpers import mlpipe
from tests.runner.test_local import Behaviour
from tests.support.toy_ports import Nothing, SchemaPort

GOLDEN = Path(__file__).with_name("golden")
REPO = str(Path(__file__).resolve().parents[2])
TASKS = ["example-gen", "statistics-gen", "schema-gen", "example-validator", "transform",
         "trainer", "evaluator", "pusher"]
# Compiled with fixed locations, so the spec does not depend on where the repository is.
FIXED = {"root": "gs://mlpipe-bucket/{name}", "data_path": "gs://mlpipe-bucket/data/{name}.csv"}


def _without_repo(value):
    """Where the repository is checked out shows in shipped files' source paths."""
    if isinstance(value, dict):
        return {k: _without_repo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_repo(v) for v in value]
    return value.replace(REPO, "<repo>") if isinstance(value, str) else value


def compiled_text(name: str, tmp_path: Path) -> str:
    """The compiled spec with the checkout's path masked, one document per line-wrapped
    YAML (kfp's own wrapping depends on the length of the strings it wraps)."""
    options = {k: v.format(name=name) for k, v in FIXED.items()}
    output = tmp_path / f"{name}.yaml"
    compile_to_file(compile_pipeline(name, **options).ir, str(output))
    documents = [_without_repo(d) for d in yaml.safe_load_all(output.read_text())]
    return yaml.safe_dump_all(documents, sort_keys=True, width=100)


@pytest.mark.parametrize("name", ["penguin", "taxi"])
def test_spec_matches_the_golden_file(name, tmp_path, monkeypatch):
    monkeypatch.delenv("MLPIPE_IMAGE", raising=False)
    compiled = compiled_text(name, tmp_path)
    golden = GOLDEN / f"{name}.yaml"
    if os.environ.get("MLPIPE_UPDATE_GOLDEN"):
        golden.write_text(compiled)
    assert compiled == golden.read_text(), (
        f"the compiled {name} pipeline changed; if that is intended, rerun with "
        f"MLPIPE_UPDATE_GOLDEN=1 and review the diff of tests/kubeflow/golden/{name}.yaml")


def _task_ir(spec: dict, task: str) -> dict:
    constant = spec["root"]["dag"]["tasks"][task]["inputs"]["parameters"]["ir"]
    return json.loads(constant["runtimeValue"]["constant"])


def test_kfp_loads_the_golden_specs_with_one_task_per_component_and_the_ir_in_each():
    for name in ("penguin", "taxi"):
        pipeline = components.load_component_from_file(str(GOLDEN / f"{name}.yaml"))
        assert pipeline.name == name
    spec = yaml.safe_load((GOLDEN / "penguin.yaml").read_text())
    tasks = spec["root"]["dag"]["tasks"]
    assert sorted(tasks) == sorted(TASKS)
    assert tasks["trainer"]["inputs"]["artifacts"]["transform_graph"]["taskOutputArtifact"] == \
        {"outputArtifactKey": "transform_graph", "producerTask": "transform"}
    assert "example-validator" in tasks["transform"]["dependentTasks"]  # anomalies gate Transform
    parameters = spec["root"]["inputDefinitions"]["parameters"]
    assert {"root", "data_path", "serving_dir", "train_steps", "accuracy_threshold",
            "fail_on_anomalies", "use_cache"} <= set(parameters)
    assert parameters["train_steps"]["parameterType"] == "NUMBER_INTEGER"
    trainer = _task_ir(spec, "trainer")
    [node] = trainer["nodes"]
    assert node["params"]["train_steps"] == 400 and node["params"]["hyperparameters"]["hidden_units"] == 8
    [module] = trainer["files"].values()  # the module file travels inside the spec
    assert module["name"] == "model.py" and "def run_fn" in module["content"]
    assert "train_steps" in tasks["trainer"]["inputs"]["parameters"]
    assert "train_steps" not in tasks["pusher"]["inputs"]["parameters"]  # only what a task uses


def test_run_parameters_follow_create_pipeline_and_say_what_cannot_be_one():
    traced = compile_pipeline("penguin", root="/r")
    by_name = {p.name: p for p in traced.ir.parameters}
    assert by_name["root"].default == "/r" and by_name["train_steps"].default == 400
    serving = [b for b in by_name["root"].bindings if b.path[-1] == "serving_dir"]
    assert serving and serving[0].parts == ("", "/serving")  # <root>/serving follows the root
    assert "shipped inside the compiled pipeline" in traced.skipped["trainer_module_file"]


def test_an_argument_used_in_a_computation_is_not_a_run_parameter(tmp_path):
    path = tmp_path / "doubled.py"
    path.write_text(
        "from components import ExampleGen, StatisticsGen\n"
        "from pipeline.dsl import Pipeline\n"
        "RUN_PARAMETERS = ['top']\n"
        "def create_pipeline(root='out', top: int = 10):\n"
        "    gen = ExampleGen('x.csv')\n"
        "    stats = StatisticsGen(gen.outputs.examples, num_top_values=top * 2)\n"
        "    return Pipeline('doubled', root, [gen, stats])\n")
    completed = mlpipe("compile", str(path), "-o", str(tmp_path / "d.yaml"))
    assert completed.returncode == 2, completed.stderr
    assert "'top' cannot be a run parameter: it is used in a computation" in completed.stderr


class UnresolvedExecutor(Component):
    SPEC = ComponentSpec("Unresolved", Nothing, SchemaPort, Behaviour,
                         executor="tests.runner.test_local:no_such_function")

    def __init__(self):
        super().__init__(id=None, inputs={}, params=Behaviour())


def test_an_executor_that_does_not_resolve_fails_at_compile_time(tmp_path):
    with pytest.raises(CompileError, match=r"component Unresolved \(Unresolved\), executor: "
                                           r"module 'tests.runner.test_local' defines no "
                                           r"'no_such_function'"):
        build_ir(Pipeline("toy", str(tmp_path), [UnresolvedExecutor()]))


def test_ports_that_are_not_artifact_types_fail_at_compile_time(tmp_path):
    path = tmp_path / "bad_ports.py"
    path.write_text(
        "import dataclasses\n"
        "from pipeline.dsl import Component, ComponentSpec, Pipeline\n"
        "@dataclasses.dataclass(frozen=True)\n"
        "class In:\n"
        "    pass\n"
        "@dataclasses.dataclass(frozen=True)\n"
        "class Out:\n"
        "    report: str\n"
        "def execute(inputs, outputs, params, context):\n"
        "    pass\n"
        "class Report(Component):\n"
        "    SPEC = ComponentSpec('Report', In, Out, In, executor=execute)\n"
        "    def __init__(self):\n"
        "        super().__init__(id=None, inputs={}, params=In())\n"
        "def create_pipeline(root='out'):\n"
        "    return Pipeline('bad', root, [Report()])\n")
    completed = mlpipe("compile", str(path), "-o", str(tmp_path / "b.yaml"))
    assert completed.returncode == 2
    assert "Out.report: expected an Artifact subclass" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_a_pipeline_file_that_raises_is_one_line_naming_file_and_line(tmp_path):
    path = tmp_path / "raising.py"
    path.write_text("import os\n\nSETTING = os.environ['MLPIPE_NO_SUCH_VARIABLE']\n")
    completed = mlpipe("compile", str(path), "-o", str(tmp_path / "r.yaml"))
    assert completed.returncode == 2
    assert f"{path}:3: loading the pipeline file failed: KeyError" in completed.stderr
    assert "Traceback" not in completed.stderr and len(completed.stderr.strip().splitlines()) == 1
    verbose = mlpipe("-v", "compile", str(path), "-o", str(tmp_path / "r.yaml"))
    assert "Traceback" in verbose.stderr


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


def test_submit_to_an_unreachable_host_is_a_clear_error(tmp_path):
    completed = mlpipe("submit", str(GOLDEN / "penguin.yaml"), "--host", "http://127.0.0.1:9")
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
