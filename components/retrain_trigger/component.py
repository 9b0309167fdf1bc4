"""RetrainTrigger: decides, from the evidence of this run, whether to retrain, and
ends the run (successfully) when there is no reason to."""
from __future__ import annotations

import dataclasses
import enum

from pipeline.dsl import (Artifact, Component, ComponentSpec, DecayReport, ExampleAnomalies,
                          PushedModel)
from pipeline.dsl.channel import ServingModel, ServingSkew


class RetrainPolicy(enum.Enum):
    """When a new span retrains the model."""

    ALWAYS = "always"  # every new span (TFX's periodic training)
    ON_DRIFT_OR_DECAY = "on_drift_or_decay"  # only with a reason, or no model serving yet
    NEVER = "never"  # monitor only


class RetrainDecision(Artifact):
    """Whether a run retrains and why: `retrain` (1 or 0), `policy`, `reasons` (one
    line) and `evidence` (JSON: the drifted features and their distances, and the
    decay figures)."""

    TYPE_NAME = "RetrainDecision"


@dataclasses.dataclass(frozen=True)
class RetrainTriggerInputs:
    drift: ExampleAnomalies | None = None  # a DriftValidator's report
    decay: DecayReport | None = None  # a DecayValidator's report
    skew: ExampleAnomalies | None = None  # the newest `mlpipe skew` report on the serving model
    serving_model: PushedModel | None = None  # the model now serving, if any


@dataclasses.dataclass(frozen=True)
class RetrainTriggerOutputs:
    decision: RetrainDecision


@dataclasses.dataclass(frozen=True)
class RetrainTriggerParams:
    policy: RetrainPolicy = RetrainPolicy.ON_DRIFT_OR_DECAY


def policy_named(name: str | RetrainPolicy) -> RetrainPolicy:
    """The policy of a setting such as "on_drift_or_decay"; ValueError naming the choices."""
    try:
        return RetrainPolicy(name)
    except ValueError:
        choices = ", ".join(repr(p.value) for p in RetrainPolicy)
        raise ValueError(f"retrain={name!r}: expected one of {choices}") from None


class RetrainTrigger(Component):
    """Retrains when the policy says so: always, never, or (the default) only when
    the drift report names drifted features, the decay report says the serving
    model's metric fell too far, the newest `mlpipe skew` check of the serving
    model found skew, or no model is serving yet. Without a
    reason it ends the run there, COMPLETE, and nothing after it runs; the
    decision and its evidence are recorded either way.

    Example:
        drift = DriftValidator(statistics, schema, baseline_statistics=ServingModelStatistics())
        decay = DecayValidator(example_gen.outputs.examples, label_key="species_xf")
        trigger = RetrainTrigger(drift.outputs.drift, decay=decay.outputs.decay,
                                 policy="on_drift_or_decay")
    """

    SPEC = ComponentSpec("RetrainTrigger", RetrainTriggerInputs, RetrainTriggerOutputs,
                         RetrainTriggerParams, can_halt=True,
                         executor="components.retrain_trigger.executor:execute")

    def __init__(self, drift=None, *, decay=None,
                 policy: str | RetrainPolicy = RetrainPolicy.ON_DRIFT_OR_DECAY,
                 id: str | None = None, enable_cache: bool = True):
        super().__init__(id=id, inputs={"drift": drift, "decay": decay, "skew": ServingSkew(),
                                        "serving_model": ServingModel()},
                         params=RetrainTriggerParams(policy_named(policy)),
                         enable_cache=enable_cache)
