"""TFMA pieces shared by the components that evaluate models (Evaluator, and
DecayValidator on the model serving): model specs, the example source, and
reading the metrics TFMA wrote."""
from __future__ import annotations

import contextlib
from typing import Iterator

import apache_beam as beam
import tensorflow_model_analysis as tfma
from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions, StandardOptions
from tensorflow_model_analysis.evaluators import metrics_plots_and_validations_evaluator

from components.common import example_files, splits
from components.common.model_loading import (MODEL_TYPE, PREPROCESSING_FUNCTION_NAMES,
                                             SIGNATURE_NAME)
from pipeline.dsl import ComponentError
from pipeline.dsl.in_process_beam import runs_in_process

# Rows per record batch fed to TFMA. TFMA splits each batch into per-example extracts
# and holds them until they are combined, so memory grows with the batch while speed
# does not: at 200k eval rows, batches of 8,192 (tfx-bsl's byte-size batching, which the
# other components use) peaked at 1,249 MiB, 2,048 at 1,054 MiB, 1,024 at 903 MiB.
# Not 1,000: TFMA calls the serving signature positionally, TensorFlow first fails to
# bind that and writes the batch into its error message, and numpy writes out every
# element of an array of up to 1,000 (summarizing larger ones). That took 6% of the
# Evaluator's time: 50.7 s at 1,000 rows, 46.1 s at 1,024.
ANALYSIS_BATCH_SIZE = 1024


def model_spec(name: str, label_key: str, is_baseline: bool = False,
               signature_name: str = SIGNATURE_NAME,
               preprocessing_function_names: tuple[str, ...] = PREPROCESSING_FUNCTION_NAMES,
               model_type: str = MODEL_TYPE) -> tfma.ModelSpec:
    """TFMA's spec of one model, by the name its metrics are keyed with."""
    return tfma.ModelSpec(name=name, signature_name=signature_name, model_type=model_type,
                          label_key=label_key, is_baseline=is_baseline,
                          preprocessing_function_names=list(preprocessing_function_names))


def read_examples(examples_uri: str, split_names: tuple[str, ...],
                  columns: tuple[str, ...] | None = None) -> beam.PTransform:
    """Reads the splits as TFMA takes them: record batches of ANALYSIS_BATCH_SIZE rows
    of the features in `columns` (None: all; see tfma_columns.feature_columns), with the
    serialized examples in tfma.ARROW_INPUT_COLUMN. Raises FileNotFoundError naming the
    folder of a split without files."""
    patterns = []
    for split in split_names:
        splits.record_files(examples_uri, split)
        patterns.append(splits.record_pattern(examples_uri, split))
    return example_files.read_examples(
        patterns, example_files.ExampleDecoder(raw_record_column=tfma.ARROW_INPUT_COLUMN,
                                               columns=columns),
        max_batch_rows=ANALYSIS_BATCH_SIZE)


def evaluate(pipeline: beam.Pipeline, read: beam.PTransform, eval_shared_model,
             eval_config: tfma.EvalConfig, output_path: str) -> None:
    """Adds to `pipeline` the read of the examples and TFMA's evaluation of them, which
    writes its results to `output_path`. Raises ComponentError for the DirectRunner's
    threads (see _check_threads)."""
    _check_threads(pipeline.options)
    with _slice_fanout(pipeline.options):
        _ = (pipeline | "Read" >> read
             | "Evaluate" >> tfma.ExtractEvaluateAndWriteResults(
                 eval_shared_model=eval_shared_model, eval_config=eval_config,
                 output_path=output_path))


def _check_threads(options: PipelineOptions) -> None:
    """TFMA's Keras metrics race in the DirectRunner's threads: with two, the mean
    squared error of 300 fixed rows came out 0.3132 or 0.3465 in 2 of 9 runs instead
    of 0.3317, on Beam 2.61 and TFMA 0.47.1."""
    direct = options.view_as(DirectOptions)
    if (options.view_as(StandardOptions).runner in (None, "DirectRunner")
            and direct.direct_running_mode == "multi_threading"
            and direct.direct_num_workers != 1):
        raise ComponentError(
            f"TFMA's metrics come out wrong on the DirectRunner's threads "
            f"(--direct_running_mode=multi_threading, --direct_num_workers="
            f"{direct.direct_num_workers}): threads update the same Keras metric objects. "
            f"Use --direct_running_mode=multi_processing for several workers")


def one_worker(options: PipelineOptions) -> bool:
    """Whether the pipeline runs on one worker in this process (the DirectRunner's
    default; mlpipe's too, see ExecutionContext.beam_pipeline)."""
    return runs_in_process(options) and options.view_as(DirectOptions).direct_num_workers == 1


@contextlib.contextmanager
def _slice_fanout(options: PipelineOptions) -> Iterator[None]:
    """TFMA combines each slice's metrics with Beam's hot-key fanout of 8: partial
    combines of one slice go to up to 8 keys, to be merged again, so that a hot slice
    (Overall holds every example) is not merged by one worker alone. On one worker the
    fanout is only cost, an extra DoFn and window per example and slice: at 200k eval
    rows the Evaluator took 41-44 s without it against 44-53 s with, and 76 MiB less.
    TFMA reads the fanout from a module constant when it builds its transforms, so it is
    turned off for that while on one worker."""
    module = metrics_plots_and_validations_evaluator
    name = "_COMBINE_PER_SLICE_KEY_HOT_KEY_FANOUT"
    if not one_worker(options) or not hasattr(module, name):
        yield
        return
    fanout = getattr(module, name)
    setattr(module, name, None)
    try:
        yield
    finally:
        setattr(module, name, fanout)


def slice_name(slice_key) -> str:
    """"Overall", or "island=Biscoe" (several keys joined by commas)."""
    parts = []
    for key in slice_key.single_slice_keys:
        kind = key.WhichOneof("kind")
        value = getattr(key, kind) if kind else ""
        parts.append(f"{key.column}={value.decode() if isinstance(value, bytes) else value}")
    return ",".join(parts) or "Overall"


def slice_metrics(output_uri: str, model_name: str) -> dict[str, dict[str, float]]:
    """{slice name: {metric: value}} of one model in TFMA's output at `output_uri`;
    change-against-baseline values appear as "<metric>_diff"."""
    table: dict[str, dict[str, float]] = {}
    for per_slice in tfma.load_metrics(output_uri):
        name = slice_name(per_slice.slice_key)
        for entry in per_slice.metric_keys_and_values:
            if entry.key.model_name not in ("", model_name) or not entry.value.HasField("double_value"):
                continue
            metric = entry.key.name + ("_diff" if entry.key.is_diff else "")
            table.setdefault(name, {})[metric] = entry.value.double_value.value
    return table


def metric_named(class_name: str, values: dict[str, float]) -> str:
    """The key of TFMA metric class `class_name` ("SparseCategoricalAccuracy") among
    `values` ("sparse_categorical_accuracy"), or `class_name` itself if absent."""
    return next((m for m in values if m.replace("_", "") == class_name.lower()), class_name)
