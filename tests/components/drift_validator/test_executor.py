"""DriftValidator on real statistics: the penguins as the baseline, a new span from
the same distribution, and a drifted one (island mix shifted, heavier birds)."""
from __future__ import annotations

import json

import pytest
from tensorflow_metadata.proto.v0 import anomalies_pb2

from components.drift_validator.component import (DriftValidatorInputs, DriftValidatorOutputs,
                                                  DriftValidatorParams)
from components.drift_validator.executor import execute
from components.example_gen.component import ExampleGenInputs, ExampleGenOutputs, ExampleGenParams
from components.example_gen.executor import execute as example_gen
from components.statistics_gen.component import (StatisticsGenInputs, StatisticsGenOutputs,
                                                 StatisticsGenParams)
from components.statistics_gen.executor import execute as statistics_gen
from pipeline import fs
from pipeline.dsl import ComponentError, ExampleAnomalies, Examples, ExampleStatistics
from tests.conftest import context, out_dir
from tests.support import penguin_spans


def _statistics(tmp, name: str, rows) -> ExampleStatistics:
    csv_path = penguin_spans.write_span(tmp / name, 1, rows)
    examples = Examples(uri=out_dir(tmp, f"{name}-examples"))
    example_gen(ExampleGenInputs(), ExampleGenOutputs(examples), ExampleGenParams(csv_path),
                context(tmp))
    statistics = ExampleStatistics(uri=out_dir(tmp, f"{name}-statistics"))
    statistics_gen(StatisticsGenInputs(examples), StatisticsGenOutputs(statistics),
                   StatisticsGenParams(), context(tmp))
    return statistics


@pytest.fixture(scope="module")
def spans(penguin_artifacts, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("drift")
    return {"same": _statistics(tmp, "same", penguin_spans.same_distribution()),
            "drifted": _statistics(tmp, "drifted", penguin_spans.drifted()),
            **penguin_artifacts}


def _validate(spans, tmp_path, new: str, baseline: str | None = "statistics", **params):
    report = ExampleAnomalies(uri=out_dir(tmp_path, "drift"))
    inputs = DriftValidatorInputs(spans[new], spans["schema"],
                                  spans[baseline] if baseline else None)
    outcome = execute(inputs, DriftValidatorOutputs(report),
                      DriftValidatorParams(skip_features=("year",), **params), context(tmp_path))
    return report, outcome


def test_a_span_from_the_same_distribution_does_not_drift(spans, tmp_path):
    report, outcome = _validate(spans, tmp_path, "same")
    assert report.get("drifted") == 0 and report.get("drifted_features") == ""
    measured = json.loads(report.get("drift_distances"))
    assert measured["island"]["measure"] == "L-infinity"
    assert measured["body_mass_g"]["measure"] == "Jensen-Shannon divergence"
    assert "year" not in measured
    assert all(m["distance"] < 0.3 for m in measured.values()), measured
    assert outcome.halt_reason is None and outcome.summary.startswith("no drift")


def test_a_shifted_island_mix_and_heavier_birds_drift_by_name(spans, tmp_path):
    report, outcome = _validate(spans, tmp_path, "drifted")
    assert report.get("drifted") == 1
    drifted = report.get("drifted_features").split(",")
    assert {"island", "body_mass_g"} <= set(drifted)
    measured = json.loads(report.get("drift_distances"))
    assert measured["body_mass_g"]["distance"] > 0.3 and measured["island"]["distance"] > 0.3
    assert outcome.halt_reason is None  # drift is a reason to retrain, not a failure
    assert "island" in outcome.summary and "body_mass_g" in outcome.summary
    anomalies = anomalies_pb2.Anomalies.FromString(fs.read_bytes(report.anomalies_file("train")))
    assert "island" in anomalies.anomaly_info  # TFDV's own Anomalies proto, as recorded


def test_a_threshold_per_feature_overrides_the_default(spans, tmp_path):
    report, _ = _validate(spans, tmp_path, "drifted", thresholds={"island": 0.99})
    assert "island" not in report.get("drifted_features").split(",")
    assert json.loads(report.get("drift_distances"))["island"]["threshold"] == 0.99


def test_without_a_baseline_there_is_nothing_to_compare(spans, tmp_path):
    report, outcome = _validate(spans, tmp_path, "drifted", baseline=None)
    assert report.get("drifted") == 0 and "no baseline" in outcome.summary


def test_bad_settings_and_splits_are_refused_with_the_value(spans, tmp_path):
    with pytest.raises(ValueError, match="default_threshold must be in \\(0, 1\\], got 1.5"):
        DriftValidatorParams(default_threshold=1.5)
    with pytest.raises(ComponentError, match="no split 'holdout'"):
        _validate(spans, tmp_path, "same", split="holdout")
    with pytest.raises(ComponentError, match="the baseline statistics have no split 'holdout'"):
        _validate(spans, tmp_path, "same", baseline_split="holdout")


def test_the_new_split_and_the_baselines_may_differ(spans, tmp_path):
    """A rolling window compares the newest span (its own split) with all the data
    that trained the serving model (the baseline's train split)."""
    report, _ = _validate(spans, tmp_path, "drifted", split="eval", baseline_split="train")
    assert report.get("drifted") == 1 and report.split_names == ["eval"]
    assert "island" in report.get("drifted_features").split(",")
