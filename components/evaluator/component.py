"""Evaluator: TFMA metrics, overall and per slice; thresholds decide the blessing."""
from __future__ import annotations

import dataclasses
from typing import Sequence

from components.common import model_loading
from pipeline.dsl import (Component, ComponentSpec, Examples, LatestBlessedModel, Model,
                          ModelBlessing, ModelEvaluation)

@dataclasses.dataclass(frozen=True)
class MetricThreshold:
    """A TFMA metric (by class name, e.g. "SparseCategoricalAccuracy") and its gates.

    `lower_bound`/`upper_bound` gate the value; `max_decrease` (for metrics where
    higher is better) gates the change against the baseline model: 0.0 means
    "no worse than the model now blessed". Gates apply to the overall metric;
    `per_slice=True` applies them to every slice as well (TFMA's plain
    `threshold`), which small or one-class slices easily fail.
    """

    metric: str
    lower_bound: float | None = None
    upper_bound: float | None = None
    max_decrease: float | None = None
    higher_is_better: bool = True
    per_slice: bool = False


@dataclasses.dataclass(frozen=True)
class ServingLimits:
    """Operational bounds of the blessing, beside the TFMA thresholds: the model is
    loaded as a server loads it and timed on eval examples (`requests` single-example
    calls and `batch_requests` calls of `batch_size`, after a warm-up), and a model
    whose p99 latency or SavedModel size (MB, 10^6 bytes) passes a bound is not
    blessed. Bounds left None are measured and recorded, not enforced."""

    max_p99_latency_ms: float | None = None
    max_batch_p99_latency_ms: float | None = None
    max_model_size_mb: float | None = None
    batch_size: int = 64
    requests: int = 200
    batch_requests: int = 20

    def __post_init__(self) -> None:
        for name in ("max_p99_latency_ms", "max_batch_p99_latency_ms", "max_model_size_mb"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"ServingLimits.{name} must be positive, got {value}")
        for name in ("batch_size", "requests", "batch_requests"):
            if getattr(self, name) < 1:
                raise ValueError(f"ServingLimits.{name} must be at least 1, got "
                                 f"{getattr(self, name)}")


@dataclasses.dataclass(frozen=True)
class EvaluatorInputs:
    examples: Examples
    model: Model
    baseline_model: Model | None = None


@dataclasses.dataclass(frozen=True)
class EvaluatorOutputs:
    evaluation: ModelEvaluation
    blessing: ModelBlessing


@dataclasses.dataclass(frozen=True)
class EvaluatorParams:
    """`label_key` is read from the model's `transform_features` output when
    `preprocessing_function_names` names it, else from the raw examples.
    `model_type` is TFMA's ("tf_generic" by default, see common/model_loading.py).
    `serving_limits` adds latency and size bounds to the blessing (None: not measured)."""

    label_key: str
    thresholds: tuple[MetricThreshold, ...] = ()
    metrics: tuple[str, ...] = ()
    slice_by: tuple[tuple[str, ...], ...] = ()
    eval_split: str = "eval"
    signature_name: str = model_loading.SIGNATURE_NAME
    preprocessing_function_names: tuple[str, ...] = model_loading.PREPROCESSING_FUNCTION_NAMES
    model_type: str = model_loading.MODEL_TYPE
    serving_limits: ServingLimits | None = None


class Evaluator(Component):
    """TFMA metrics of the model on the eval split, overall and per slice, and the
    blessing: value thresholds, and change thresholds against a baseline model,
    by default the newest blessed one of the pipeline (`LatestBlessedModel()`);
    `baseline_model=ServingModelSource()` compares with the model serving instead.

    Example:
        Evaluator(example_gen.outputs.examples, trainer.outputs.model, label_key="species_xf",
                  thresholds=[MetricThreshold("SparseCategoricalAccuracy", lower_bound=0.9,
                                              max_decrease=0.0)],
                  slice_by=[("island",)],
                  serving_limits=ServingLimits(max_p99_latency_ms=50, max_model_size_mb=20))
    """

    SPEC = ComponentSpec("Evaluator", EvaluatorInputs, EvaluatorOutputs, EvaluatorParams,
                         executor="components.evaluator.executor:execute", uses_beam=True)

    def __init__(self, examples, model, *, label_key: str,
                 thresholds: Sequence[MetricThreshold] = (), metrics: Sequence[str] = (),
                 slice_by: Sequence[Sequence[str]] = (), compare_to_latest_blessed: bool = True,
                 baseline_model=None, serving_limits: ServingLimits | None = None,
                 id: str | None = None, enable_cache: bool = True):
        params = EvaluatorParams(label_key, tuple(thresholds), tuple(metrics),
                                 tuple(tuple(s) for s in slice_by),
                                 serving_limits=serving_limits)
        baseline = baseline_model or (LatestBlessedModel() if compare_to_latest_blessed else None)
        super().__init__(id=id, inputs={"examples": examples, "model": model,
                                        "baseline_model": baseline},
                         params=params, enable_cache=enable_cache)
