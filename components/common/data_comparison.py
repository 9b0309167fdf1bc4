"""TFDV's comparators between two datasets' statistics, shared by drift (a new span
against the data that trained the model serving) and skew (serving requests
against that same training data): the schema annotated with a comparator per
feature, and the distances TFDV measured."""
from __future__ import annotations

import enum
from typing import Mapping

from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2

_MEASURES = {anomalies_pb2.DriftSkewInfo.Measurement.L_INFTY: "L-infinity",
             anomalies_pb2.DriftSkewInfo.Measurement.JENSEN_SHANNON_DIVERGENCE:
                 "Jensen-Shannon divergence"}


class Comparison(enum.Enum):
    """Which of TFDV's comparators: between spans, or between training and serving."""

    DRIFT = "drift_comparator"
    SKEW = "skew_comparator"

    @property
    def verdict(self) -> str:
        """The key of a measurement's verdict: "drifted" or "skewed"."""
        return "drifted" if self is Comparison.DRIFT else "skewed"


def is_categorical(feature: schema_pb2.Feature) -> bool:
    """Strings, or integers with a domain: compared by L-infinity distance."""
    return (feature.type == schema_pb2.BYTES or feature.HasField("domain")
            or feature.HasField("string_domain"))


def with_comparators(schema: schema_pb2.Schema, comparison: Comparison, default_threshold: float,
                     thresholds: Mapping[str, float] | None = None,
                     skip_features: tuple[str, ...] = ()) -> schema_pb2.Schema:
    """A copy of the schema with a comparator on every feature not skipped:
    categorical ones by L-infinity distance, numeric ones by Jensen-Shannon
    divergence; the threshold from `thresholds` by name, else the default."""
    annotated = schema_pb2.Schema()
    annotated.CopyFrom(schema)
    for feature in annotated.feature:
        if feature.name in skip_features:
            continue
        threshold = (thresholds or {}).get(feature.name, default_threshold)
        comparator = getattr(feature, comparison.value)
        (comparator.infinity_norm if is_categorical(feature)
         else comparator.jensen_shannon_divergence).threshold = threshold
    return annotated


def distances(anomalies: anomalies_pb2.Anomalies, comparison: Comparison
              ) -> dict[str, dict[str, object]]:
    """{feature: {"measure", "distance", "threshold", "drifted" (or "skewed")}} as TFDV
    measured them."""
    measured = {}
    for info in anomalies.drift_skew_info:
        measurements = (info.drift_measurements if comparison is Comparison.DRIFT
                        else info.skew_measurements)
        for measurement in measurements:
            measured[".".join(info.path.step)] = {
                "measure": _MEASURES.get(measurement.type, "unknown"),
                "distance": round(measurement.value, 6), "threshold": measurement.threshold,
                comparison.verdict: measurement.value > measurement.threshold}
    return measured


def exceeded(measured: dict[str, dict[str, object]], comparison: Comparison) -> list[str]:
    """The features whose distance passed their threshold, by name."""
    return sorted(name for name, m in measured.items() if m[comparison.verdict])


def describe(measured: dict[str, dict[str, object]], names: list[str]) -> str:
    """"island 0.412 > 0.3, body_mass_g 0.350 > 0.3"."""
    return ", ".join(f"{name} {measured[name]['distance']:.3f} > {measured[name]['threshold']}"
                     for name in names)
