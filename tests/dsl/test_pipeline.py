"""Pipeline definitions: ordering, and clear errors for inconsistent graphs."""
from __future__ import annotations

import pytest

from components import ExampleGen, SchemaGen, StatisticsGen
from pipeline.dsl import Pipeline, PipelineDefinitionError
from pipeline.dsl.channel import Channel
from pipeline.dsl.artifact import Model
from pipeline.dsl.metadata_config import MetadataConfigError
from pipeline.metadata.store import MetadataStore


def test_components_are_ordered_producers_first(tmp_path):
    gen = ExampleGen("data.csv")
    stats = StatisticsGen(gen.outputs.examples)
    schema = SchemaGen(stats.outputs.statistics)
    p = Pipeline("p", str(tmp_path), [schema, stats, gen])
    assert [c.id for c in p.components] == ["ExampleGen", "StatisticsGen", "SchemaGen"]
    assert p.metadata.path == str(tmp_path / "metadata.sqlite")


def test_input_from_component_outside_the_pipeline_is_rejected(tmp_path):
    gen = ExampleGen("data.csv")
    stats = StatisticsGen(gen.outputs.examples)
    with pytest.raises(PipelineDefinitionError, match="ExampleGen, which is not in the pipeline"):
        Pipeline("p", str(tmp_path), [stats])


def test_duplicate_ids_are_rejected(tmp_path):
    with pytest.raises(PipelineDefinitionError, match="unique"):
        Pipeline("p", str(tmp_path), [ExampleGen("a.csv"), ExampleGen("b.csv")])


def test_cycle_is_reported_with_its_path(tmp_path):
    gen = ExampleGen("data.csv")
    a = StatisticsGen(gen.outputs.examples, id="A")
    b = StatisticsGen(gen.outputs.examples, id="B")
    # Rewire by hand into a cycle A -> B -> A (the constructors cannot express one).
    a.inputs["examples"] = Channel(b, "statistics", a.inputs["examples"].artifact_type)
    b.inputs["examples"] = Channel(a, "statistics", b.inputs["examples"].artifact_type)
    with pytest.raises(PipelineDefinitionError, match="cycle: .*A.*B.*A|cycle: .*B.*A.*B"):
        Pipeline("p", str(tmp_path), [gen, a, b])


def test_wrong_artifact_type_is_rejected():
    gen = ExampleGen("data.csv")
    wrong = Channel(gen, "model", Model)
    with pytest.raises(TypeError, match="expects Examples"):
        StatisticsGen(wrong)


def test_missing_required_input_is_rejected():
    with pytest.raises(ValueError, match="'statistics' .* is required"):
        SchemaGen(None)


def test_unknown_output_name_lists_the_known_ones():
    with pytest.raises(AttributeError, match="outputs are: examples"):
        _ = ExampleGen("data.csv").outputs.exmaples


def test_bad_parameters_fail_at_definition_time():
    with pytest.raises(ValueError, match="eval_fraction"):
        ExampleGen("data.csv", eval_fraction=1.5)
    with pytest.raises(ValueError, match="column_types"):
        ExampleGen("data.csv", column_types={"x": "double"})


def test_bucket_root_needs_a_metadata_store_outside_the_bucket(monkeypatch):
    for name in ("MLPIPE_MLMD_HOST", "MLPIPE_MLMD_GRPC_HOST", "MLPIPE_MLMD_SQLITE"):
        monkeypatch.delenv(name, raising=False)
    unconfigured = Pipeline("p", "gs://bucket/root", [ExampleGen("gs://bucket/data.csv")])
    with pytest.raises(MetadataConfigError, match="MLPIPE_MLMD_SQLITE"):
        MetadataStore(unconfigured.metadata)
    monkeypatch.setenv("MLPIPE_MLMD_SQLITE", "/var/mlpipe/metadata.sqlite")
    p = Pipeline("p", "gs://bucket/root", [ExampleGen("gs://bucket/data.csv")])
    assert p.root == "gs://bucket/root"
    assert p.metadata.path == "/var/mlpipe/metadata.sqlite"
