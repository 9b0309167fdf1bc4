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
    `model_type` is TFMA's ("tf_generic" by default, see common/model_loading.py)."""

    label_key: str
    thresholds: tuple[MetricThreshold, ...] = ()
    metrics: tuple[str, ...] = ()
    slice_by: tuple[tuple[str, ...], ...] = ()
    eval_split: str = "eval"
    signature_name: str = model_loading.SIGNATURE_NAME
    preprocessing_function_names: tuple[str, ...] = model_loading.PREPROCESSING_FUNCTION_NAMES
    model_type: str = model_loading.MODEL_TYPE


class Evaluator(Component):
    """TFMA metrics of the model on the eval split, overall and per slice, and the
    blessing: value thresholds, and change thresholds against a baseline model,
    by default the newest blessed one of the pipeline (`LatestBlessedModel()`);
    `baseline_model=ServingModelSource()` compares with the model serving instead.

    Example:
        Evaluator(example_gen.outputs.examples, trainer.outputs.model, label_key="species_xf",
                  thresholds=[MetricThreshold("SparseCategoricalAccuracy", lower_bound=0.9,
                                              max_decrease=0.0)],
                  slice_by=[("island",)])
    """

    SPEC = ComponentSpec("Evaluator", EvaluatorInputs, EvaluatorOutputs, EvaluatorParams,
                         executor="components.evaluator.executor:execute", uses_beam=True)

    def __init__(self, examples, model, *, label_key: str,
                 thresholds: Sequence[MetricThreshold] = (), metrics: Sequence[str] = (),
                 slice_by: Sequence[Sequence[str]] = (), compare_to_latest_blessed: bool = True,
                 baseline_model=None, id: str | None = None,
                 enable_cache: bool = True):
        params = EvaluatorParams(label_key, tuple(thresholds), tuple(metrics),
                                 tuple(tuple(s) for s in slice_by))
        baseline = baseline_model or (LatestBlessedModel() if compare_to_latest_blessed else None)
        super().__init__(id=id, inputs={"examples": examples, "model": model,
                                        "baseline_model": baseline},
                         params=params, enable_cache=enable_cache)
