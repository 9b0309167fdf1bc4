"""The operational gates of the blessing, on the model a real penguin run trained:
its latency percentiles and size are measured as a server runs it and recorded,
and a bound it passes keeps it from being blessed, with the figure named."""
from __future__ import annotations

import pytest

from components.evaluator.component import (EvaluatorInputs, EvaluatorOutputs, EvaluatorParams,
                                            MetricThreshold, ServingLimits)
from components.evaluator.executor import execute
from pipeline.dsl import ModelBlessing, ModelEvaluation
from pipeline.examples.penguin import pipeline as penguin
from pipeline.metadata import resolvers
from tests.conftest import context, out_dir

ACCURACY = MetricThreshold(penguin.ACCURACY, lower_bound=0.9)


@pytest.fixture(scope="module")
def model(penguin_runs):
    return resolvers.serving_model_source(penguin_runs.store(), "penguin")


def _evaluate(tmp_path, model, examples, limits: ServingLimits):
    evaluation = ModelEvaluation(uri=out_dir(tmp_path, "evaluation"))
    blessing = ModelBlessing(uri=out_dir(tmp_path, "blessing"))
    outcome = execute(EvaluatorInputs(examples, model), EvaluatorOutputs(evaluation, blessing),
                      EvaluatorParams(penguin.LABEL_KEY, thresholds=(ACCURACY,),
                                      serving_limits=limits),
                      context(tmp_path))
    return evaluation, blessing, outcome


def test_figures_are_recorded_and_bounds_met_are_in_the_reason(tmp_path, model, penguin_artifacts):
    evaluation, blessing, _ = _evaluate(tmp_path, model, penguin_artifacts["examples"],
                                        penguin.SERVING_LIMITS)
    figures = {k: v for k, v in evaluation.custom_properties.items() if k.startswith("serving:")}
    assert 0 < figures["serving:p50_ms"] <= figures["serving:p95_ms"] <= figures["serving:p99_ms"]
    assert 0 < figures["serving:batch_p50_ms"] <= figures["serving:batch_p99_ms"]
    assert figures["serving:batch_size"] == 64 and figures["serving:requests"] == 200
    assert 0.05 < figures["serving:model_size_mb"] < 10
    assert blessing.blessed, blessing.reason
    assert f"p99 latency {figures['serving:p99_ms']:.3g} ms <= 25" in blessing.reason
    assert f"model size {figures['serving:model_size_mb']:.3g} MB <= 10" in blessing.reason


def test_a_model_too_big_is_not_blessed_and_the_reason_names_figure_and_bound(
        tmp_path, model, penguin_artifacts):
    evaluation, blessing, outcome = _evaluate(tmp_path, model, penguin_artifacts["examples"],
                                              ServingLimits(max_model_size_mb=0.01))
    size = evaluation.get("serving:model_size_mb")
    assert not blessing.blessed and blessing.get("blessed") == 0
    assert blessing.reason == (f"NOT blessed: model size {size:.3g} MB > 0.01 MB "
                               f"(max_model_size_mb)")
    assert outcome.summary.startswith("NOT blessed: model size")


def test_a_model_too_slow_is_not_blessed_and_the_reason_names_figure_and_bound(
        tmp_path, model, penguin_artifacts):
    evaluation, blessing, _ = _evaluate(
        tmp_path, model, penguin_artifacts["examples"],
        ServingLimits(max_p99_latency_ms=0.001, max_batch_p99_latency_ms=0.001, requests=20))
    p99, batch = evaluation.get("serving:p99_ms"), evaluation.get("serving:batch_p99_ms")
    assert not blessing.blessed
    assert f"p99 latency {p99:.3g} ms > 0.001 ms (max_p99_latency_ms)" in blessing.reason
    assert f"batch p99 latency {batch:.3g} ms > 0.001 ms (max_batch_p99_latency_ms)" in \
        blessing.reason


@pytest.mark.parametrize("settings, message", [
    ({"max_p99_latency_ms": 0}, "max_p99_latency_ms must be positive, got 0"),
    ({"max_model_size_mb": -1.0}, "max_model_size_mb must be positive, got -1.0"),
    ({"batch_size": 0}, "batch_size must be at least 1, got 0")])
def test_bad_limits_are_refused_with_the_value(settings, message):
    with pytest.raises(ValueError, match=message):
        ServingLimits(**settings)
