"""Evaluator: thresholds become TFMA value and change thresholds."""
from __future__ import annotations

import tensorflow_model_analysis as tfma

from components.evaluator.component import EvaluatorParams, MetricThreshold
from components.evaluator.executor import build_eval_config

PARAMS = EvaluatorParams(label_key="label", slice_by=(("island",),), thresholds=(
    MetricThreshold("SparseCategoricalAccuracy", lower_bound=0.9, max_decrease=0.0),))


def _metric(config, name):
    return next(m for m in config.metrics_specs[0].metrics if m.class_name == name)


def _overall_threshold(config, name):
    [per_slice] = _metric(config, name).per_slice_thresholds
    assert [list(s.feature_keys) for s in per_slice.slicing_specs] == [[]]  # overall only
    return per_slice.threshold


def test_first_run_has_value_thresholds_only():
    config = build_eval_config(PARAMS, with_baseline=False)
    assert [s.name for s in config.model_specs] == ["candidate"]
    threshold = _overall_threshold(config, "SparseCategoricalAccuracy")
    assert threshold.value_threshold.lower_bound.value == 0.9
    assert not threshold.HasField("change_threshold")
    assert [list(s.feature_keys) for s in config.slicing_specs] == [[], ["island"]]


def test_with_a_baseline_no_decrease_is_allowed():
    config = build_eval_config(PARAMS, with_baseline=True)
    assert [(s.name, s.is_baseline) for s in config.model_specs] == [("candidate", False),
                                                                     ("baseline", True)]
    change = _overall_threshold(config, "SparseCategoricalAccuracy").change_threshold
    assert -1e-9 < change.absolute.value < 0
    assert change.direction == tfma.MetricDirection.HIGHER_IS_BETTER


def test_per_slice_thresholds_apply_to_every_slice():
    params = EvaluatorParams(label_key="label", slice_by=(("island",),), thresholds=(
        MetricThreshold("AUC", lower_bound=0.8, per_slice=True),))
    metric = _metric(build_eval_config(params, with_baseline=False), "AUC")
    assert metric.threshold.value_threshold.lower_bound.value == 0.8
    assert not metric.per_slice_thresholds
