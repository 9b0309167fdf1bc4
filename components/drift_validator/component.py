"""DriftValidator: how far a new span's data moved from the data that trained the
serving model, measured with TFDV's drift comparators (TFX's DistributionValidator)."""
from __future__ import annotations

import dataclasses
from typing import Mapping

from pipeline.dsl import Component, ComponentSpec, ExampleAnomalies, ExampleStatistics, Schema

# Vertex AI Model Monitoring's default alert threshold for both distances.
DEFAULT_DRIFT_THRESHOLD = 0.3
# The new span's size may be this fraction of the baseline's, up to its inverse.
DEFAULT_MIN_EXAMPLES_FRACTION = 0.5


@dataclasses.dataclass(frozen=True)
class DriftValidatorInputs:
    statistics: ExampleStatistics
    schema: Schema
    baseline_statistics: ExampleStatistics | None = None  # none yet: nothing to drift from


@dataclasses.dataclass(frozen=True)
class DriftValidatorOutputs:
    drift: ExampleAnomalies


@dataclasses.dataclass(frozen=True)
class DriftValidatorParams:
    """Per feature, the distance above which it has drifted: L-infinity for
    categorical features, Jensen-Shannon divergence for numeric ones (`thresholds`
    by feature name, else `default_threshold`; features in `skip_features`, such as
    an id or the year, are not compared). The number of examples drifts when the
    new span has fewer than `min_examples_fraction` of the baseline's, or more than
    its inverse. `split` is the new data's split compared (`newest_span` with a
    rolling window), `baseline_split` the baseline's (its training data: `train`)."""

    default_threshold: float = DEFAULT_DRIFT_THRESHOLD
    thresholds: Mapping[str, float] | None = None
    skip_features: tuple[str, ...] = ()
    min_examples_fraction: float = DEFAULT_MIN_EXAMPLES_FRACTION
    split: str = "train"
    baseline_split: str = "train"

    def __post_init__(self) -> None:
        for name, value in {"default_threshold": self.default_threshold,
                            **{f"thresholds[{k!r}]": v for k, v in (self.thresholds or {}).items()}
                            }.items():
            if not 0.0 < value <= 1.0:
                raise ValueError(f"{name} must be in (0, 1], got {value}")
        if not 0.0 < self.min_examples_fraction <= 1.0:
            raise ValueError(f"min_examples_fraction must be in (0, 1], got "
                             f"{self.min_examples_fraction}")


class DriftValidator(Component):
    """Compares a span's statistics with a baseline's and records, per feature, the
    distance and whether it passed its threshold. Drift never stops the pipeline:
    it is a reason to retrain, recorded for whoever decides.

    Example:
        drift = DriftValidator(statistics_gen.outputs.statistics, schema_gen.outputs.schema,
                               baseline_statistics=earlier_statistics,
                               thresholds={"island": 0.2})
    """

    SPEC = ComponentSpec("DriftValidator", DriftValidatorInputs, DriftValidatorOutputs,
                         DriftValidatorParams,
                         executor="components.drift_validator.executor:execute")

    def __init__(self, statistics, schema, *, baseline_statistics=None,
                 default_threshold: float = DEFAULT_DRIFT_THRESHOLD,
                 thresholds: Mapping[str, float] | None = None,
                 skip_features: tuple[str, ...] = (),
                 min_examples_fraction: float = DEFAULT_MIN_EXAMPLES_FRACTION,
                 split: str = "train", baseline_split: str = "train", id: str | None = None,
                 enable_cache: bool = True):
        params = DriftValidatorParams(default_threshold, dict(thresholds) if thresholds else None,
                                      tuple(skip_features), min_examples_fraction, split,
                                      baseline_split)
        super().__init__(id=id, inputs={"statistics": statistics, "schema": schema,
                                        "baseline_statistics": baseline_statistics},
                         params=params, enable_cache=enable_cache)
