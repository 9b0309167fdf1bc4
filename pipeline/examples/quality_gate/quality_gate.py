"""A user-written component: a data-quality gate on missing values.

It is what a user writes in their own project, beside their pipeline file: a
typed spec (inputs, outputs, parameters) and a plain executor function. The
compiler ships this file inside the compiled pipeline, so the stock image runs
it on Kubeflow without it being installed there.
"""
from __future__ import annotations

import dataclasses
import json

from pipeline import fs
from pipeline.dsl import (Artifact, Component, ComponentSpec, ExampleStatistics, ExecutionContext,
                          ExecutorOutcome)

STATISTICS_FILE = "FeatureStats.pb"
REPORT_FILE = "missing_fractions.json"


class DataQualityReport(Artifact):
    """The missing-value fraction of every feature in every split checked."""

    TYPE_NAME = "DataQualityReport"


@dataclasses.dataclass(frozen=True)
class GateInputs:
    statistics: ExampleStatistics


@dataclasses.dataclass(frozen=True)
class GateOutputs:
    report: DataQualityReport


@dataclasses.dataclass(frozen=True)
class GateParams:
    max_missing_fraction: float = 0.05
    splits: tuple[str, ...] = ("train", "eval")


def missing_fractions(statistics_file: str) -> dict[str, float]:
    """Feature name: fraction of examples where it is missing, from TFDV's statistics."""
    from tensorflow_metadata.proto.v0 import statistics_pb2

    statistics = statistics_pb2.DatasetFeatureStatisticsList()
    statistics.ParseFromString(fs.read_bytes(statistics_file))
    fractions = {}
    for dataset in statistics.datasets:
        for feature in dataset.features:
            stats = feature.num_stats if feature.HasField("num_stats") else feature.string_stats
            common = stats.common_stats
            total = common.num_missing + common.num_non_missing
            name = ".".join(feature.path.step) or feature.name
            fractions[name] = common.num_missing / total if total else 0.0
    return fractions


def execute(inputs: GateInputs, outputs: GateOutputs, params: GateParams,
            context: ExecutionContext) -> ExecutorOutcome:
    report = {split: missing_fractions(fs.join(inputs.statistics.split_uri(split), STATISTICS_FILE))
              for split in params.splits}
    fs.write_text(fs.join(outputs.report.uri, REPORT_FILE), json.dumps(report, indent=1, sort_keys=True))
    failing = sorted(f"{split}/{feature}={fraction:.3f}" for split, fractions in report.items()
                     for feature, fraction in fractions.items()
                     if fraction > params.max_missing_fraction)
    worst = max(f for fractions in report.values() for f in fractions.values())
    outputs.report.set("worst_missing_fraction", worst)
    outputs.report.set("passed", int(not failing))
    if failing:
        return ExecutorOutcome(summary=f"too many missing values: {', '.join(failing)}",
                               halt_reason=f"features missing more than "
                                           f"{params.max_missing_fraction:.1%} of their values: "
                                           f"{', '.join(failing)}")
    return ExecutorOutcome(summary=f"every feature is present in at least "
                                   f"{1 - params.max_missing_fraction:.1%} of examples "
                                   f"(worst: {worst:.1%} missing)")


class DataQualityGate(Component):
    """Stops the pipeline when a feature misses too many values in any split.

    Example:
        gate = DataQualityGate(statistics_gen.outputs.statistics, max_missing_fraction=0.05)
        # list it before Transform: what follows a gate waits for it
        Pipeline("mine", root, [example_gen, statistics_gen, gate, schema_gen, ...])
    """

    SPEC = ComponentSpec("DataQualityGate", GateInputs, GateOutputs, GateParams,
                         executor=execute, can_halt=True)

    def __init__(self, statistics, *, max_missing_fraction: float = 0.05,
                 splits: tuple[str, ...] = ("train", "eval"), id: str | None = None,
                 enable_cache: bool = True):
        super().__init__(id=id, inputs={"statistics": statistics},
                         params=GateParams(max_missing_fraction, tuple(splits)),
                         enable_cache=enable_cache)
