"""Evaluator executor: TFMA evaluation, then the blessing decision."""
from __future__ import annotations

import tensorflow_model_analysis as tfma

from components.common import model_analysis, tfma_columns
from components.common.autograph import exempt_libraries
from components.evaluator import serving_limits
from components.evaluator.component import (EvaluatorInputs, EvaluatorOutputs, EvaluatorParams,
                                            MetricThreshold)
from pipeline import fs
from pipeline.dsl import ExecutionContext, ExecutorOutcome

CANDIDATE = "candidate"
BASELINE = "baseline"


def _threshold(spec: MetricThreshold, with_baseline: bool) -> tfma.MetricThreshold | None:
    threshold = tfma.MetricThreshold()
    bounds = {}
    if spec.lower_bound is not None:
        bounds["lower_bound"] = {"value": spec.lower_bound}
    if spec.upper_bound is not None:
        bounds["upper_bound"] = {"value": spec.upper_bound}
    if bounds:
        threshold.value_threshold.CopyFrom(tfma.GenericValueThreshold(**bounds))
    if with_baseline and spec.max_decrease is not None:
        direction = (tfma.MetricDirection.HIGHER_IS_BETTER if spec.higher_is_better
                     else tfma.MetricDirection.LOWER_IS_BETTER)
        allowed = -spec.max_decrease if spec.higher_is_better else spec.max_decrease
        # TFMA's absolute change bound is strict; nudge so "no decrease" admits a tie.
        allowed += -1e-10 if spec.higher_is_better else 1e-10
        threshold.change_threshold.CopyFrom(tfma.GenericChangeThreshold(
            direction=direction, absolute={"value": allowed}))
    return threshold if (bounds or threshold.HasField("change_threshold")) else None


def build_eval_config(params: EvaluatorParams, with_baseline: bool) -> tfma.EvalConfig:
    """The TFMA EvalConfig for the candidate (and baseline) model."""
    def model_spec(name: str, is_baseline: bool) -> tfma.ModelSpec:
        return model_analysis.model_spec(name, params.label_key, is_baseline,
                                         params.signature_name,
                                         params.preprocessing_function_names, params.model_type)

    specs = [model_spec(CANDIDATE, False)] + ([model_spec(BASELINE, True)] if with_baseline else [])
    thresholds = {t.metric: t for t in params.thresholds}
    metric_names = list(dict.fromkeys([*params.metrics, *thresholds, "ExampleCount"]))
    metric_configs = []
    for name in metric_names:
        config = tfma.MetricConfig(class_name=name)
        threshold = _threshold(thresholds[name], with_baseline) if name in thresholds else None
        if threshold is not None and thresholds[name].per_slice:
            config.threshold.CopyFrom(threshold)
        elif threshold is not None:
            config.per_slice_thresholds.append(tfma.PerSliceMetricThreshold(
                slicing_specs=[tfma.SlicingSpec()], threshold=threshold))
        metric_configs.append(config)
    slicing = [tfma.SlicingSpec()] + [tfma.SlicingSpec(feature_keys=list(s)) for s in params.slice_by]
    return tfma.EvalConfig(model_specs=specs, metrics_specs=[tfma.MetricsSpec(metrics=metric_configs)],
                           slicing_specs=slicing)


def _model_dirs(inputs: EvaluatorInputs) -> dict[str, str]:
    """Each model spec's name -> the SavedModel folder evaluated under it."""
    dirs = {CANDIDATE: inputs.model.serving_model_uri}
    if inputs.baseline_model is not None:
        dirs[BASELINE] = inputs.baseline_model.serving_model_uri
    return dirs


def _shared_models(model_dirs: dict[str, str], config: tfma.EvalConfig) -> list:
    # The EvalConfig's spec of each name says whether it is the baseline.
    return [tfma.default_eval_shared_model(model_dir, eval_config=config, model_name=name)
            for name, model_dir in model_dirs.items()]


def slice_metrics(output_uri: str) -> dict[str, dict[str, float]]:
    """{slice name: {metric: value}} for the candidate model; change-against-baseline
    values appear as "<metric>_diff"."""
    return model_analysis.slice_metrics(output_uri, CANDIDATE)


def _bound_text(threshold) -> str:
    if threshold.HasField("change_threshold"):
        change = threshold.change_threshold
        relation = ">=" if change.direction == tfma.MetricDirection.HIGHER_IS_BETTER else "<="
        return f"change vs baseline {relation} {change.absolute.value:+.4g}"
    bounds = threshold.value_threshold
    parts = []
    if bounds.HasField("lower_bound"):
        parts.append(f">= {bounds.lower_bound.value:g}")
    if bounds.HasField("upper_bound"):
        parts.append(f"<= {bounds.upper_bound.value:g}")
    return " and ".join(parts)


def validation_failures(output_uri: str) -> tuple[bool, list[str]]:
    """(all thresholds met, a readable line per failed threshold)."""
    result = tfma.load_validation_result(output_uri)
    failures = []
    for per_slice in result.metric_validations_per_slice:
        where = model_analysis.slice_name(per_slice.slice_key)
        for failure in per_slice.failures:
            value = failure.metric_value.double_value.value
            shown = (f"change vs baseline {value:+.4f}" if failure.metric_key.is_diff
                     else f"= {value:.4f}")
            failures.append(f"{failure.metric_key.name} {shown} on {where} fails "
                            f"{_bound_text(failure.metric_threshold)}"
                            + (f" ({failure.message})" if failure.message else ""))
    if result.missing_thresholds:
        failures.append("no metric threshold to bless by (TFMA's missing_thresholds); give the "
                        "Evaluator a MetricThreshold")
    for missing in result.missing_slices:
        failures.append(f"slice {missing} had no examples")
    return result.validation_ok and not failures, failures


def _record_blessing(inputs: EvaluatorInputs, outputs: EvaluatorOutputs, ok: bool, reason: str) -> None:
    fs.makedirs(outputs.blessing.uri)
    outputs.blessing.mark(ok)
    outputs.blessing.set("reason", reason)
    outputs.blessing.set("current_model", inputs.model.uri)
    outputs.blessing.set("current_model_id", int(inputs.model.id or 0))
    if inputs.baseline_model is not None:  # TFX leaves both out without a baseline
        outputs.blessing.set("baseline_model", inputs.baseline_model.uri)
        outputs.blessing.set("baseline_model_id", int(inputs.baseline_model.id or 0))


def _decision_text(ok: bool, failures: list[str], params: EvaluatorParams,
                   overall: dict[str, float], baseline_id: int | None,
                   operational: list[str]) -> str:
    if not ok:
        return "NOT blessed: " + "; ".join(failures)
    gates = []
    for t in params.thresholds:
        name = model_analysis.metric_named(t.metric, overall)
        gate = f"{name}={overall.get(name, float('nan')):.4f}"
        if t.lower_bound is not None:
            gate += f" >= {t.lower_bound}"
        if t.upper_bound is not None:
            gate += f" <= {t.upper_bound}"
        if baseline_id is not None and t.max_decrease is not None:
            gate += f", change vs model #{baseline_id} {overall.get(name + '_diff', 0.0):+.4f}"
        gates.append(gate)
    gates += operational
    against = f"against baseline model #{baseline_id}" if baseline_id else "first model: value thresholds only"
    return f"blessed ({against}): " + "; ".join(gates)


def execute(inputs: EvaluatorInputs, outputs: EvaluatorOutputs, params: EvaluatorParams,
            context: ExecutionContext) -> ExecutorOutcome:
    exempt_libraries()  # TFMA updates Keras metrics batch by batch: 5 s at 200k rows
    config = build_eval_config(params, inputs.baseline_model is not None)
    models = _model_dirs(inputs)
    read = model_analysis.read_examples(inputs.examples.uri, (params.eval_split,),
                                        tfma_columns.feature_columns(config, models))
    with context.beam_pipeline() as pipeline:
        model_analysis.evaluate(pipeline, read, _shared_models(models, config), config,
                                outputs.evaluation.uri)
    metrics = slice_metrics(outputs.evaluation.uri)
    overall = metrics.get("Overall", {})
    for name, value in overall.items():
        outputs.evaluation.set(f"{outputs.evaluation.METRIC_PREFIX}{name}", float(value))
    ok, failures = validation_failures(outputs.evaluation.uri)
    operational = []
    if params.serving_limits is not None:
        figures = serving_limits.profile(inputs.model.serving_model_uri, inputs.examples.uri, params)
        for name, value in figures.as_properties(serving_limits.PROPERTY_PREFIX).items():
            outputs.evaluation.set(name, value)
        failures += serving_limits.failures(figures, params.serving_limits)
        ok = ok and not failures
        operational = serving_limits.passed(figures, params.serving_limits)
    baseline_id = inputs.baseline_model.id if inputs.baseline_model is not None else None
    reason = _decision_text(ok, failures, params, overall, baseline_id, operational)
    _record_blessing(inputs, outputs, ok, reason)
    slices = "; ".join(f"{s}: " + ", ".join(f"{m}={v:.3f}" for m, v in sorted(vals.items())
                                            if not m.endswith("_diff"))
                       for s, vals in sorted(metrics.items()))
    return ExecutorOutcome(summary=f"{reason} | {slices}")
