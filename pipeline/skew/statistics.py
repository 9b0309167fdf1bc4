"""TFDV's part of `mlpipe skew`: statistics of the serving requests, the SERVING
environment's schema validation, and the skew comparators against the training
statistics of the model serving."""
from __future__ import annotations

import dataclasses
from typing import Mapping

import tensorflow_data_validation as tfdv
from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2, statistics_pb2

from components.common import data_comparison
from components.common.example_files import ExampleDecoder, read_examples
from components.common.data_comparison import Comparison
from pipeline.dsl.context import ExecutionContext
from pipeline.skew.serving_data import SERVING_ENVIRONMENT

TRAINING_ENVIRONMENT = "TRAINING"


@dataclasses.dataclass(frozen=True)
class SkewThresholds:
    """Per feature, the distance above which serving skews from training (L-infinity
    for categorical features, Jensen-Shannon divergence for numeric ones);
    `skip_features` are not compared."""

    default: float
    by_feature: Mapping[str, float]
    skip_features: tuple[str, ...] = ()


def serving_schema(schema: schema_pb2.Schema, label_names: tuple[str, ...]) -> schema_pb2.Schema:
    """A copy of the schema with TRAINING and SERVING environments, the labels kept
    out of SERVING (as a schema that declares them already has it)."""
    annotated = schema_pb2.Schema()
    annotated.CopyFrom(schema)
    for environment in (TRAINING_ENVIRONMENT, SERVING_ENVIRONMENT):
        if environment not in annotated.default_environment:
            annotated.default_environment.append(environment)
    for feature in annotated.feature:
        if feature.name in label_names and SERVING_ENVIRONMENT not in feature.not_in_environment:
            feature.not_in_environment.append(SERVING_ENVIRONMENT)
    return annotated


def compute(record_files: list[str], output_file: str, context: ExecutionContext
            ) -> statistics_pb2.DatasetFeatureStatisticsList:
    """TFDV statistics of serialized tf.Examples (gzipped files by their .gz name)."""
    read = read_examples(record_files, ExampleDecoder())
    with context.beam_pipeline() as pipeline:
        _ = (pipeline | "Read" >> read
             | "Statistics" >> tfdv.GenerateStatistics(tfdv.StatsOptions())
             | "Write" >> tfdv.WriteStatisticsToBinaryFile(output_file))
    return tfdv.load_stats_binary(output_file)


def feature_names(statistics: statistics_pb2.DatasetFeatureStatisticsList) -> set[str]:
    return {".".join(f.path.step) or f.name for f in statistics.datasets[0].features}


def _without(statistics: statistics_pb2.DatasetFeatureStatisticsList, names: set[str]
             ) -> statistics_pb2.DatasetFeatureStatisticsList:
    kept = statistics_pb2.DatasetFeatureStatisticsList()
    kept.CopyFrom(statistics)
    for dataset in kept.datasets:
        features = [f for f in dataset.features if (".".join(f.path.step) or f.name) not in names]
        del dataset.features[:]
        dataset.features.extend(features)
    return kept


def validate(serving: statistics_pb2.DatasetFeatureStatisticsList,
             training: statistics_pb2.DatasetFeatureStatisticsList,
             schema: schema_pb2.Schema, thresholds: SkewThresholds) -> anomalies_pb2.Anomalies:
    """The serving statistics' anomalies in the SERVING environment, with TFDV's skew
    measurements against the training statistics (`drift_skew_info`). The labels
    are left out of the training side: serving has none to compare."""
    anomalies = tfdv.validate_statistics(serving, schema, environment=SERVING_ENVIRONMENT)
    compared = data_comparison.with_comparators(schema, Comparison.SKEW, thresholds.default,
                                                thresholds.by_feature, thresholds.skip_features)
    labels = {f.name for f in schema.feature if SERVING_ENVIRONMENT in f.not_in_environment}
    skew = tfdv.validate_statistics(_without(training, labels), compared,
                                    environment=SERVING_ENVIRONMENT, serving_statistics=serving)
    anomalies.drift_skew_info.extend(skew.drift_skew_info)
    return anomalies


def anomaly_lines(anomalies: anomalies_pb2.Anomalies) -> list[str]:
    """"feature: description" per schema anomaly of the serving data."""
    return [f"{name}: {info.description or info.short_description}"
            for name, info in sorted(anomalies.anomaly_info.items())]
