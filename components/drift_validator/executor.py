"""DriftValidator executor: TFDV's drift comparators, the distances it measured,
and the verdict per feature, in an ExampleAnomalies artifact."""
from __future__ import annotations

import json

import tensorflow_data_validation as tfdv
from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2

from components.common import data_comparison, splits
from components.common.data_comparison import Comparison
from components.drift_validator.component import (DriftValidatorInputs, DriftValidatorOutputs,
                                                  DriftValidatorParams)
from pipeline import fs
from pipeline.dsl import ComponentError, ExecutionContext, ExecutorOutcome


def with_comparators(schema: schema_pb2.Schema, params: DriftValidatorParams) -> schema_pb2.Schema:
    """A copy of the schema with a drift comparator on every compared feature and
    the num-examples comparator."""
    annotated = data_comparison.with_comparators(schema, Comparison.DRIFT,
                                                 params.default_threshold, params.thresholds,
                                                 params.skip_features)
    counts = annotated.dataset_constraints.num_examples_drift_comparator
    counts.min_fraction_threshold = params.min_examples_fraction
    counts.max_fraction_threshold = 1.0 / params.min_examples_fraction
    return annotated


def _load_stats(statistics, split: str, role: str):
    if split not in statistics.split_names:
        raise ComponentError(f"the {role} statistics have no split {split!r} (they have "
                             f"{', '.join(statistics.split_names)}); set split= to one of those")
    return tfdv.load_stats_binary(statistics.statistics_file(split))


def execute(inputs: DriftValidatorInputs, outputs: DriftValidatorOutputs,
            params: DriftValidatorParams, context: ExecutionContext) -> ExecutorOutcome:
    report = outputs.drift
    report.split_names = [params.split]
    fs.makedirs(splits.split_dir(report.uri, params.split))
    if inputs.baseline_statistics is None:
        fs.write_bytes(report.anomalies_file(params.split), b"")
        report.set("drifted", 0)
        report.set("drift_distances", "{}")
        return ExecutorOutcome(summary="no baseline statistics (no model serving yet, or it "
                                       "was trained on this very data): nothing to compare")
    schema = with_comparators(tfdv.load_schema_text(inputs.schema.schema_file), params)
    anomalies = tfdv.validate_statistics(
        _load_stats(inputs.statistics, params.split, "new"), schema,
        previous_statistics=_load_stats(inputs.baseline_statistics, params.baseline_split,
                                        "baseline"))
    fs.write_bytes(report.anomalies_file(params.split), anomalies.SerializeToString())
    measured = data_comparison.distances(anomalies, Comparison.DRIFT)
    drifted = data_comparison.exceeded(measured, Comparison.DRIFT)
    count_drift = _count_drift(anomalies)
    report.set("drift_distances", json.dumps(measured, sort_keys=True))
    report.set("drifted_features", ",".join(drifted))
    report.set("num_examples_drift", count_drift)
    report.set("drifted", int(bool(drifted or count_drift)))
    report.set("span", int(inputs.statistics.get("span", 0) or 0))
    report.set("baseline_span", int(inputs.baseline_statistics.get("span", 0) or 0))
    return ExecutorOutcome(summary=_summary(measured, drifted, count_drift))


def _count_drift(anomalies: anomalies_pb2.Anomalies) -> str:
    """TFDV's description of a num-examples drift, or ""."""
    if not anomalies.HasField("dataset_anomaly_info"):
        return ""
    reasons = [r for r in anomalies.dataset_anomaly_info.reason
               if "COMPARATOR" in anomalies_pb2.AnomalyInfo.Type.Name(r.type)]
    return "; ".join(r.description for r in reasons)


def _summary(measured: dict[str, dict[str, object]], drifted: list[str], count_drift: str) -> str:
    if not drifted and not count_drift:
        largest = max(measured.items(), key=lambda item: item[1]["distance"], default=None)
        return "no drift" + (f" (largest: {largest[0]} {largest[1]['distance']:.3f})"
                             if largest else "")
    parts = [data_comparison.describe(measured, drifted)] if drifted else []
    return "drift: " + ", ".join(parts + ([count_drift] if count_drift else []))
