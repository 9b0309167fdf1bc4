"""ExampleValidator executor: `Split-<name>/SchemaDiff.pb` anomalies per split."""
from __future__ import annotations

import tensorflow_data_validation as tfdv
from tensorflow_metadata.proto.v0 import anomalies_pb2

from components.common import splits
from components.example_validator.component import (ExampleValidatorInputs,
                                                    ExampleValidatorOutputs,
                                                    ExampleValidatorParams)
from pipeline import fs
from pipeline.dsl import ExecutionContext, ExecutorOutcome


def describe(split: str, anomalies: anomalies_pb2.Anomalies) -> list[str]:
    """One line per anomalous feature: the split, the feature, what was expected
    and what was found (TFDV's own descriptions)."""
    lines = []
    for feature, info in sorted(anomalies.anomaly_info.items()):
        reasons = "; ".join(f"{r.short_description}: {r.description}" for r in info.reason) \
            or info.description
        lines.append(f"{split}: feature {feature!r}: {reasons}")
    if anomalies.HasField("dataset_anomaly_info"):
        info = anomalies.dataset_anomaly_info
        lines.append(f"{split}: dataset: " + "; ".join(r.description for r in info.reason))
    return lines


def execute(inputs: ExampleValidatorInputs, outputs: ExampleValidatorOutputs,
            params: ExampleValidatorParams, context: ExecutionContext) -> ExecutorOutcome:
    schema = tfdv.load_schema_text(inputs.schema.schema_file)
    split_names = [s for s in inputs.statistics.split_names if s not in params.exclude_splits]
    problems: list[str] = []
    for split in split_names:
        stats = tfdv.load_stats_binary(inputs.statistics.statistics_file(split))
        anomalies = tfdv.validate_statistics(stats, schema)
        fs.makedirs(splits.split_dir(outputs.anomalies.uri, split))
        fs.write_bytes(outputs.anomalies.anomalies_file(split), anomalies.SerializeToString())
        problems.extend(describe(split, anomalies))
        outputs.anomalies.set(f"num_anomalies_{split}", len(anomalies.anomaly_info))
    outputs.anomalies.split_names = split_names
    outputs.anomalies.set("span", int(inputs.statistics.get("span", 0) or 0))
    outputs.anomalies.set("has_anomalies", int(bool(problems)))
    if not problems:
        return ExecutorOutcome(summary="no anomalies")
    report = "data anomalies found:\n  " + "\n  ".join(problems)
    if params.fail_on_anomalies:
        return ExecutorOutcome(summary=f"{len(problems)} anomalies", halt_reason=report
                               + "\nFix the data, or update the schema if the change is "
                               "expected (or set fail_on_anomalies=False to only warn).")
    context.log.warning(report)
    return ExecutorOutcome(summary=f"{len(problems)} anomalies (warnings only)")
