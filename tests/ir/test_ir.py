"""The compiled pipeline (IR): JSON round trips, shipped files and modules, run
parameters put in place, and clear errors for documents it cannot read."""
from __future__ import annotations

import json
import os
import textwrap

import pytest

from pipeline.code.user_code import CodeReferenceError, UserModule, install
from pipeline.ir.materialize import local_copy, materialize
from pipeline.ir.model import IRFormatError, PipelineIR
from pipeline.ir.node_slice import node_slice
from pipeline.ir.run_parameters import RunParameterError, apply_parameters
from pipeline.loader import compile_pipeline
from tests.e2e.helpers import mlpipe


@pytest.fixture(scope="module")
def penguin() -> PipelineIR:
    return compile_pipeline("penguin", root="/runs/penguin").ir


def test_the_ir_survives_json_and_materializes_what_was_compiled(penguin):
    again = PipelineIR.from_json(penguin.to_json())
    assert again == penguin
    pipeline = materialize(again)
    assert [c.id for c in pipeline.components] == [n.id for n in penguin.nodes]
    trainer = pipeline.component("Trainer")
    assert trainer.params.train_steps == 400 and trainer.params.hyperparameters["hidden_units"] == 8
    evaluator = pipeline.component("Evaluator")
    assert evaluator.params.thresholds[0].lower_bound == 0.9  # nested dataclasses come back typed
    assert pipeline.root == "/runs/penguin"


def test_run_parameters_land_where_create_pipeline_put_them(penguin):
    pipeline = materialize(penguin, {"root": "gs://bucket/p", "train_steps": "50"})
    assert pipeline.root == "gs://bucket/p"
    assert pipeline.component("Pusher").params.serving_dir == "gs://bucket/p/serving"
    assert pipeline.component("Trainer").params.train_steps == 50
    explicit = materialize(penguin, {"root": "gs://bucket/p", "serving_dir": "/srv/models"})
    assert explicit.component("Pusher").params.serving_dir == "/srv/models"  # set wins over derived


def test_bad_run_parameter_values_are_refused_with_the_value(penguin):
    with pytest.raises(RunParameterError, match="unknown run parameter 'trian_steps'"):
        apply_parameters(penguin, {"trian_steps": 5})
    with pytest.raises(RunParameterError, match="train_steps is of type int; 'many' is not"):
        apply_parameters(penguin, {"train_steps": "many"})
    with pytest.raises(RunParameterError, match="true or false, not 'perhaps'"):
        apply_parameters(penguin, {"fail_on_anomalies": "perhaps"})


def test_shipped_files_are_written_out_where_the_original_is_gone(penguin, tmp_path):
    [key] = penguin.node("Trainer").files.values()
    shipped = penguin.files[key]
    moved = shipped.__class__(shipped.name, str(tmp_path / "gone" / "model.py"), shipped.sha256,
                              shipped.content)
    copy = local_copy(moved)
    assert copy != moved.path and open(copy).read() == shipped.content
    assert local_copy(shipped) == shipped.path  # unchanged in place: used where it is


def test_a_node_slice_carries_only_its_files_and_parameters(penguin):
    part = node_slice(penguin, "Trainer")
    assert [n.id for n in part.nodes] == ["Trainer"] and len(part.files) == 1
    assert {p.name for p in part.parameters} >= {"train_steps"}
    assert "accuracy_threshold" not in {p.name for p in part.parameters}
    sliced = materialize(part, {"train_steps": 7}, only="Trainer")
    assert sliced.components[0].params.train_steps == 7


def test_a_shipped_module_that_differs_from_the_importable_one_is_an_error(tmp_path, monkeypatch):
    (tmp_path / "mlpipe_test_shipped.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(CodeReferenceError, match="differs from the one compiled"):
        install([UserModule("mlpipe_test_shipped", False, "VALUE = 2\n")])
    install([UserModule("mlpipe_test_shipped", False, "VALUE = 1\n")])  # the same: fine


def test_documents_that_are_not_a_compiled_pipeline_are_refused(tmp_path):
    with pytest.raises(IRFormatError, match="ir_version=None"):
        PipelineIR.from_dict({"pipeline": {}})
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"ir_version": 1, "pipeline": {"name": "x"}}))
    completed = mlpipe("run", str(broken))
    assert completed.returncode == 2
    assert "malformed compiled pipeline" in completed.stderr and "Traceback" not in completed.stderr
    missing = mlpipe("run", str(tmp_path / "nowhere.json"))
    assert missing.returncode == 2 and "cannot read the compiled pipeline" in missing.stderr


def test_a_component_written_in_the_pipeline_file_is_shipped_with_it(tmp_path):
    path = tmp_path / "inline_pipeline.py"
    path.write_text(textwrap.dedent('''
        import dataclasses
        from pipeline.dsl import Component, ComponentSpec, Pipeline, Schema

        @dataclasses.dataclass(frozen=True)
        class Nothing:
            pass

        @dataclasses.dataclass(frozen=True)
        class Out:
            schema: Schema

        def execute(inputs, outputs, params, context):
            open(outputs.schema.uri + "/schema.pbtxt", "w").close()

        class Inline(Component):
            SPEC = ComponentSpec("Inline", Nothing, Out, Nothing, executor=execute)

            def __init__(self):
                super().__init__(id=None, inputs={}, params=Nothing())

        def create_pipeline(root="out"):
            return Pipeline("inline", root, [Inline()])
    '''))
    ir = compile_pipeline(str(path)).ir
    [module] = ir.modules
    assert module.name == "mlpipe_pipeline_inline_pipeline" and "class Inline" in module.source
    assert ir.nodes[0].component == "mlpipe_pipeline_inline_pipeline:Inline"
    output = tmp_path / "inline.json"
    output.write_text(ir.to_json())
    os.remove(path)
    completed = mlpipe("run", str(output), "--param", f"root={tmp_path / 'root'}", cwd=str(tmp_path))
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "Inline  ran" in completed.stdout


def test_every_resolved_input_kind_has_a_resolver():
    from pipeline.dsl.channel import RESOLVED_SOURCES
    from pipeline.metadata.resolvers import RESOLVERS

    assert set(RESOLVED_SOURCES) == set(RESOLVERS)
