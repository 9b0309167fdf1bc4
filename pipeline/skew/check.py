"""One `mlpipe skew` check: the serving requests' statistics against the training
statistics of the model serving, recorded in ML Metadata as a SkewCheck
execution (inputs: the PushedModel serving, its schema and training statistics;
outputs: the requests' statistics and the skew report)."""
from __future__ import annotations

import dataclasses
import json
import tempfile

from pipeline import fs
from pipeline.dsl import ExampleAnomalies, ExampleStatistics, Pipeline, Schema
from pipeline.dsl.context import ExecutionContext
from pipeline.metadata import resolvers
from pipeline.metadata.store import MetadataStore
from pipeline.skew import serving_data, statistics
from pipeline.skew.serving_data import DataFormat, ServingDataError
from pipeline.skew.statistics import SkewThresholds

CHECK_TYPE = resolvers.SKEW_CHECK
SPLIT = "serving"
TRAINING_SPLIT = "train"


@dataclasses.dataclass(frozen=True)
class SkewResult:
    """What one check found; `failed` when a feature skewed or the requests broke the schema."""

    execution_id: int
    report: ExampleAnomalies
    distances: dict[str, dict[str, object]]
    skewed: list[str]
    anomalies: list[str]
    num_requests: int
    serving_version: str | None

    @property
    def failed(self) -> bool:
        return bool(self.skewed or self.anomalies)


@dataclasses.dataclass(frozen=True)
class _Serving:
    """The model serving and what it was trained with, as ML Metadata has them."""

    pushed: object
    schema: Schema
    training_statistics: ExampleStatistics


def _serving(store: MetadataStore, pipeline_name: str) -> _Serving:
    pushed = resolvers.serving_model(store, pipeline_name)
    if pushed is None:
        raise ServingDataError(f"no model of {pipeline_name!r} is serving yet (nothing pushed "
                               f"in {store.config.describe()}); run the pipeline first")
    schema = resolvers.nearest_upstream(store, pushed.id, Schema.TYPE_NAME)
    training = resolvers.serving_model_statistics(store, pipeline_name)
    if schema is None or training is None:
        raise ServingDataError(f"the serving push #{pushed.id} has no schema or training "
                               f"statistics upstream in ML Metadata (were they garbage-collected?)")
    return _Serving(pushed, schema, training)


def check_skew(store: MetadataStore, pipeline: Pipeline, path: str, thresholds: SkewThresholds,
               label_names: tuple[str, ...] = ()) -> SkewResult:
    """Checks the serving requests at `path` and records the check; ServingDataError
    (nothing recorded) if they are not requests of the serving model."""
    import tensorflow_data_validation as tfdv

    serving = _serving(store, pipeline.name)
    schema = tfdv.load_schema_text(serving.schema.schema_file)
    labels = serving_data.labels(schema, label_names)
    schema = statistics.serving_schema(schema, labels)
    files = serving_data.serving_files(path)
    work = tempfile.mkdtemp(prefix="mlpipe-skew-")
    try:
        if serving_data.data_format(files) is DataFormat.CSV:
            records = [fs.join(work, "requests.gz")]
            serving_data.csv_as_records(files, schema, labels, records[0])
        else:
            records = files
        context = ExecutionContext(pipeline.name, "", CHECK_TYPE, work, pipeline.beam_args)
        stats_file = fs.join(work, "FeatureStats.pb")
        try:
            computed = statistics.compute(records, stats_file, context)
        except Exception as error:  # unreadable records: say which files
            raise ServingDataError(f"{path}: could not read the requests as TFRecord files of "
                                   f"tf.Examples ({type(error).__name__}: "
                                   f"{str(error).splitlines()[0][:300]})") from None
        serving_data.check_features(statistics.feature_names(computed), schema, labels, path)
        training = tfdv.load_stats_binary(
            serving.training_statistics.statistics_file(TRAINING_SPLIT))
        anomalies = statistics.validate(computed, training, schema, thresholds)
        return _record(store, pipeline, path, serving, stats_file, anomalies,
                       computed.datasets[0].num_examples)
    finally:
        fs.rmtree(work)


def _record(store: MetadataStore, pipeline: Pipeline, path: str, serving: _Serving,
            stats_file: str, anomalies, num_requests: int) -> SkewResult:
    """Publishes the statistics and the report under `<root>/SkewCheck/<output>/<id>`
    and records them as the check's outputs; a failure marks the check FAILED."""
    from components.common import data_comparison
    from components.common.data_comparison import Comparison

    measured = data_comparison.distances(anomalies, Comparison.SKEW)
    skewed = data_comparison.exceeded(measured, Comparison.SKEW)
    lines = statistics.anomaly_lines(anomalies)
    inputs = {resolvers.SKEW_SERVING_INPUT: serving.pushed, "schema": serving.schema,
              "baseline_statistics": serving.training_statistics}
    execution_id = store.start_check(pipeline.name, CHECK_TYPE, inputs,
                                     {"serving_data": fs.absolute(path)})
    try:
        folder = lambda output: fs.join(pipeline.root, CHECK_TYPE, output, str(execution_id))
        stats = ExampleStatistics(uri=folder("statistics"))
        report = ExampleAnomalies(uri=folder("skew"))
        for artifact in (stats, report):
            artifact.split_names = [SPLIT]
            fs.makedirs(artifact.split_uri(SPLIT))
        fs.write_bytes(stats.statistics_file(SPLIT), fs.read_bytes(stats_file))
        fs.write_bytes(report.anomalies_file(SPLIT), anomalies.SerializeToString())
        for name, value in {"skewed": int(bool(skewed)), "skewed_features": ",".join(skewed),
                            "skew_distances": json.dumps(measured, sort_keys=True),
                            "schema_anomalies": "\n".join(lines), "num_requests": num_requests,
                            "serving_data": fs.absolute(path),
                            "serving_version": serving.pushed.get("pushed_version") or ""}.items():
            report.set(name, value)
        store.complete_execution(execution_id, {"statistics": stats, resolvers.SKEW_OUTPUT: report},
                                 {})
    except BaseException as error:
        store.fail_execution(execution_id, f"{type(error).__name__}: {error}", {})
        raise
    return SkewResult(execution_id, report, measured, skewed, lines, num_requests,
                      str(serving.pushed.get("pushed_version") or "") or None)
