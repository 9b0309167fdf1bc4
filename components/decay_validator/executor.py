"""DecayValidator executor: TFMA on the serving model and the new span, then the
comparison with the metric at blessing."""
from __future__ import annotations

import json

import tensorflow_model_analysis as tfma

from components.common import model_analysis, tfma_columns
from components.common.autograph import exempt_libraries
from components.decay_validator.component import (DecayValidatorInputs, DecayValidatorOutputs,
                                                  DecayValidatorParams)
from pipeline import fs
from pipeline.dsl import ExecutionContext, ExecutorOutcome, ModelEvaluation

SERVING = "serving"
DECAY_FILE = "decay.json"


def _eval_config(params: DecayValidatorParams) -> tfma.EvalConfig:
    spec = model_analysis.model_spec(SERVING, params.label_key, False, params.signature_name,
                                     params.preprocessing_function_names, params.model_type)
    metrics = [tfma.MetricConfig(class_name=name) for name in (params.metric, "ExampleCount")]
    return tfma.EvalConfig(model_specs=[spec], metrics_specs=[tfma.MetricsSpec(metrics=metrics)],
                           slicing_specs=[tfma.SlicingSpec()])


def _evaluate(inputs: DecayValidatorInputs, params: DecayValidatorParams, output_uri: str,
              context: ExecutionContext) -> dict[str, float]:
    """The serving model's overall metrics on the new span."""
    exempt_libraries()  # TFMA updates Keras metrics batch by batch
    config = _eval_config(params)
    model = tfma.default_eval_shared_model(inputs.serving_model.serving_model_uri,
                                           eval_config=config, model_name=SERVING)
    columns = tfma_columns.feature_columns(
        config, {SERVING: inputs.serving_model.serving_model_uri})
    read = model_analysis.read_examples(inputs.examples.uri, params.split_names, columns)
    with context.beam_pipeline() as pipeline:
        model_analysis.evaluate(pipeline, read, model, config, output_uri)
    return model_analysis.slice_metrics(output_uri, SERVING).get("Overall", {})


def _value_at_blessing(evaluation: ModelEvaluation | None, metric: str) -> float | None:
    if evaluation is None:
        return None
    metrics = evaluation.metrics
    name = model_analysis.metric_named(metric, metrics)
    return metrics.get(name)


def execute(inputs: DecayValidatorInputs, outputs: DecayValidatorOutputs,
            params: DecayValidatorParams, context: ExecutionContext) -> ExecutorOutcome:
    report = outputs.decay
    fs.makedirs(report.uri)
    span = int(inputs.examples.get("span", 0) or 0)
    report.set("span", span)
    report.set("decayed", 0)
    if inputs.serving_model is None:
        return _finish(report, "no model is serving yet: nothing to decay")
    overall = _evaluate(inputs, params, report.uri, context)
    name = model_analysis.metric_named(params.metric, overall)
    value, before = overall.get(name), _value_at_blessing(inputs.serving_evaluation, params.metric)
    report.set("metric", name)
    report.set("serving_model_id", int(inputs.serving_model.id or 0))
    report.set("num_examples", int(overall.get("example_count", 0)))
    if value is None:
        return _finish(report, f"TFMA measured no {params.metric} of the serving model")
    report.set("value", float(value))
    if before is None:
        return _finish(report, f"{name} {value:.4f} on span {span}; no value at blessing "
                               "to compare with")
    decrease = (before - value) if params.higher_is_better else (value - before)
    decayed = decrease > params.max_decrease
    report.set("value_at_blessing", float(before))
    report.set("decrease", float(decrease))
    report.set("max_decrease", params.max_decrease)
    report.set("decayed", int(decayed))
    verdict = (f"decay: {name} fell {decrease:.4f} > {params.max_decrease}" if decayed
               else f"no decay: {name} change {0.0 - decrease:+.4f} within {params.max_decrease}")
    return _finish(report, f"{verdict} ({before:.4f} at blessing, {value:.4f} on span {span})")


def _finish(report, summary: str) -> ExecutorOutcome:
    report.set("summary", summary)
    fs.write_text(fs.join(report.uri, DECAY_FILE), json.dumps(
        dict(sorted(report.custom_properties.items())), indent=2, default=str))
    return ExecutorOutcome(summary=summary)
