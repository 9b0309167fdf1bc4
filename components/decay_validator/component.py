"""DecayValidator: how the model now serving does on a new span's labelled data,
measured with TFMA, against the same metric when it was blessed."""
from __future__ import annotations

import dataclasses

from components.common import model_loading
from pipeline.dsl import (Component, ComponentSpec, DecayReport, Examples, Model,
                          ModelEvaluation, ServingModelEvaluation, ServingModelSource)

# Accuracy may fall this much (absolute) below its value at blessing before it
# counts as decay: about two standard errors of accuracy on a few hundred examples.
DEFAULT_MAX_DECREASE = 0.05


@dataclasses.dataclass(frozen=True)
class DecayValidatorInputs:
    examples: Examples  # the new span, with labels
    serving_model: Model | None = None  # none yet: nothing can decay
    serving_evaluation: ModelEvaluation | None = None  # its evaluation at blessing


@dataclasses.dataclass(frozen=True)
class DecayValidatorOutputs:
    decay: DecayReport


@dataclasses.dataclass(frozen=True)
class DecayValidatorParams:
    """`metric` is a TFMA metric class name, measured on `split_names` of the new
    span (all of it by default: the serving model never saw any of it); it has
    decayed when it fell more than `max_decrease` below its value at blessing (or
    rose more, when `higher_is_better` is False). `label_key` and the model
    loading settings are the Evaluator's."""

    label_key: str
    metric: str = "SparseCategoricalAccuracy"
    max_decrease: float = DEFAULT_MAX_DECREASE
    higher_is_better: bool = True
    split_names: tuple[str, ...] = ("train", "eval")
    signature_name: str = model_loading.SIGNATURE_NAME
    preprocessing_function_names: tuple[str, ...] = model_loading.PREPROCESSING_FUNCTION_NAMES
    model_type: str = model_loading.MODEL_TYPE

    def __post_init__(self) -> None:
        if self.max_decrease < 0:
            raise ValueError(f"max_decrease must be >= 0, got {self.max_decrease}")
        if not self.split_names:
            raise ValueError("split_names must name at least one split, got ()")


class DecayValidator(Component):
    """Evaluates the model now serving (found through ML Metadata) on a new span
    and compares its metric with the value it had when it was blessed. Decay never
    stops the pipeline: it is a reason to retrain, recorded for whoever decides.

    Example:
        decay = DecayValidator(example_gen.outputs.examples, label_key="species_xf",
                               metric="SparseCategoricalAccuracy", max_decrease=0.05)
        trigger = RetrainTrigger(drift.outputs.drift, decay=decay.outputs.decay)
    """

    SPEC = ComponentSpec("DecayValidator", DecayValidatorInputs, DecayValidatorOutputs,
                         DecayValidatorParams, uses_beam=True,
                         executor="components.decay_validator.executor:execute")

    def __init__(self, examples, *, label_key: str, metric: str = "SparseCategoricalAccuracy",
                 max_decrease: float = DEFAULT_MAX_DECREASE, higher_is_better: bool = True,
                 split_names: tuple[str, ...] = ("train", "eval"), id: str | None = None,
                 enable_cache: bool = True):
        params = DecayValidatorParams(label_key, metric, max_decrease, higher_is_better,
                                      tuple(split_names))
        super().__init__(id=id, inputs={"examples": examples,
                                        "serving_model": ServingModelSource(),
                                        "serving_evaluation": ServingModelEvaluation()},
                         params=params, enable_cache=enable_cache)
