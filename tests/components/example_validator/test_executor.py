"""ExampleValidator: anomalies stop the pipeline, naming split, feature, expected and found."""
from __future__ import annotations

from components.example_validator.component import (ExampleValidatorInputs,
                                                    ExampleValidatorOutputs,
                                                    ExampleValidatorParams)
from components.example_validator.executor import execute
from components.schema_gen.component import SchemaGenInputs, SchemaGenOutputs, SchemaGenParams
from components.schema_gen.executor import execute as schema_gen
from pipeline.dsl import ExampleAnomalies, Schema
from tests.components.schema_gen.test_executor import EVAL, TRAIN, write_split_stats
from tests.conftest import context, out_dir


def _validate(tmp_path, statistics, schema, **params):
    anomalies = ExampleAnomalies(uri=out_dir(tmp_path, "anomalies"))
    outcome = execute(ExampleValidatorInputs(statistics, schema),
                      ExampleValidatorOutputs(anomalies), ExampleValidatorParams(**params),
                      context(tmp_path))
    return anomalies, outcome


def test_clean_data_has_no_anomalies(penguin_artifacts, tmp_path):
    anomalies, outcome = _validate(tmp_path, penguin_artifacts["statistics"],
                                   penguin_artifacts["schema"])
    assert outcome.halt_reason is None
    assert anomalies.get("has_anomalies") == 0


def test_unexpected_values_stop_the_pipeline_with_a_clear_report(tmp_path):
    statistics = write_split_stats(tmp_path, {"train": TRAIN, "eval": EVAL})
    schema = Schema(uri=out_dir(tmp_path, "schema"))
    schema_gen(SchemaGenInputs(statistics), SchemaGenOutputs(schema), SchemaGenParams(),
               context(tmp_path))
    anomalies, outcome = _validate(tmp_path, statistics, schema)
    assert anomalies.get("has_anomalies") == 1
    assert anomalies.get("num_anomalies_train") == 0 and anomalies.get("num_anomalies_eval") >= 1
    assert "eval: feature 'island'" in outcome.halt_reason
    assert "Atlantis" in outcome.halt_reason
    with open(anomalies.anomalies_file("eval"), "rb") as handle:
        assert handle.read()


def test_anomalies_can_be_warnings_only(tmp_path):
    statistics = write_split_stats(tmp_path, {"train": TRAIN, "eval": EVAL})
    schema = Schema(uri=out_dir(tmp_path, "schema"))
    schema_gen(SchemaGenInputs(statistics), SchemaGenOutputs(schema), SchemaGenParams(),
               context(tmp_path))
    anomalies, outcome = _validate(tmp_path, statistics, schema, fail_on_anomalies=False)
    assert outcome.halt_reason is None and "warnings only" in outcome.summary
