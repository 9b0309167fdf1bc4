"""Optional outputs a component's parameters switch off (Transform(materialize=False))."""
from __future__ import annotations

import dataclasses

import pytest

from components import ExampleGen, SchemaGen, StatisticsGen, Transform
from pipeline.dsl import Component, ComponentSpec, Examples, Pipeline
from pipeline.examples.penguin.pipeline import PREPROCESSING_FILE
from pipeline.ir.build import build_ir
from pipeline.ir.materialize import materialize


def _transform(materialize_examples: bool) -> tuple[list, Transform]:
    example_gen = ExampleGen("data.csv")
    schema_gen = SchemaGen(StatisticsGen(example_gen.outputs.examples).outputs.statistics)
    transform = Transform(example_gen.outputs.examples, schema_gen.outputs.schema,
                          module_file=PREPROCESSING_FILE, materialize=materialize_examples)
    return [example_gen, schema_gen, transform], transform


def test_an_omitted_output_says_why_when_asked_for():
    _, transform = _transform(materialize_examples=False)
    with pytest.raises(AttributeError, match="Transform has materialize=False; give the Trainer "
                                             "the raw examples"):
        _ = transform.outputs.transformed_examples
    assert [p.name for p in transform.output_ports] == ["transform_graph"]
    _, materialized = _transform(materialize_examples=True)
    assert [p.name for p in materialized.output_ports] == ["transform_graph",
                                                          "transformed_examples"]


def test_the_compiled_node_has_no_omitted_output_and_comes_back_without_it(tmp_path):
    components, _ = _transform(materialize_examples=False)
    ir = build_ir(Pipeline("p", str(tmp_path), [components[0], components[1].inputs[
        "statistics"].producer, components[1], components[2]]))
    [node] = [n for n in ir.nodes if n.id == "Transform"]
    assert node.outputs == {"transform_graph": "TransformGraph"}
    rebuilt = next(c for c in materialize(ir).components if c.id == "Transform")
    assert [p.name for p in rebuilt.output_ports] == ["transform_graph"]


@dataclasses.dataclass(frozen=True)
class _Outputs:
    examples: Examples


class _OmitsARequiredOutput(Component):
    SPEC = ComponentSpec("Broken", dataclasses.make_dataclass("I", []), _Outputs,
                         dataclasses.make_dataclass("P", []), executor="x:y")

    def omitted_outputs(self) -> dict[str, str]:
        return {"examples": "never"}


def test_only_optional_outputs_can_be_omitted():
    with pytest.raises(TypeError, match=r"only optional outputs can be omitted, not \['examples'\]"):
        _OmitsARequiredOutput(id=None, inputs={}, params=None)
