"""ExampleGen executor: CSV -> `Split-train/` and `Split-eval/` gzipped TFRecords (and
`Split-newest_span/` for a rolling window of spans)."""
from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from tfx_bsl.coders import example_coder

from components.common import splits
from components.common.scalar_examples import FeatureKind, declare_kinds
from components.example_gen import csv_reader
from components.example_gen.component import (ExampleGenInputs, ExampleGenOutputs,
                                              ExampleGenParams)
from components.example_gen.spans import SpanSelection
from pipeline import fs
from pipeline.dsl import ComponentError, ExecutionContext, ExecutorOutcome

_BATCH_ROWS = 50_000
_BUCKETS = 10_000
# Threads that encode a span's batches and write the splits. tfx-bsl's encoder and
# TensorFlow's record writer let go of the GIL, so they run beside the Python work of
# deciding each row's split.
_THREADS = 2


def feature_kind(arrow_type: pa.DataType) -> FeatureKind:
    """The tf.Example value list a column of this type is written as (to_list_array)."""
    if pa.types.is_boolean(arrow_type) or pa.types.is_integer(arrow_type):
        return FeatureKind.INT64
    if pa.types.is_floating(arrow_type):
        return FeatureKind.FLOAT
    return FeatureKind.BYTES


_KIND_TYPES = {FeatureKind.INT64: pa.int64(), FeatureKind.FLOAT: pa.float32(),
               FeatureKind.BYTES: pa.large_binary()}


def to_list_array(column: pa.ChunkedArray) -> pa.Array:
    """A scalar column as the list column tf.Example encoding needs; nulls stay null
    (an absent value), float64 narrows to float32, bool widens to int64."""
    values = column.combine_chunks()
    values = values.cast(_KIND_TYPES[feature_kind(values.type)])
    valid = values.is_valid().to_numpy(zero_copy_only=False)
    offsets = pa.array(np.concatenate([[0], valid.cumsum()]), pa.int32())
    mask = pa.array(~valid) if values.null_count else None
    return pa.ListArray.from_arrays(offsets, values.drop_null(), mask=mask)


def encode_batch(batch: pa.RecordBatch) -> list[bytes]:
    """Serialized tf.Examples, one per row."""
    columns = [to_list_array(pa.chunked_array([column])) for column in batch.columns]
    return example_coder.RecordBatchToExamples(
        pa.RecordBatch.from_arrays(columns, batch.schema.names))


def encode(table: pa.Table) -> list[bytes]:
    """Serialized tf.Examples, one per row, encoded in this thread."""
    return [example for batch in table.to_batches(max_chunksize=_BATCH_ROWS)
            for example in encode_batch(batch)]


def eval_rows(keys: list[bytes], eval_fraction: float) -> list[bool]:
    """Deterministic split: the same key always lands in the same split."""
    threshold = round(eval_fraction * _BUCKETS)
    blake2b, from_bytes = hashlib.blake2b, int.from_bytes
    return [from_bytes(blake2b(key, digest_size=8).digest(), "little") % _BUCKETS < threshold
            for key in keys]


def check_split_key(table: pa.Table, split_key: str | None) -> None:
    if split_key is not None and split_key not in table.schema.names:
        raise ComponentError(f"split_key {split_key!r} is not a column; columns are: "
                             f"{', '.join(table.schema.names)}")


def row_keys(table: pa.Table, split_key: str | None) -> list[bytes]:
    """What each row's split is decided by: the `split_key` column's value, or the
    whole row's values (not its serialized tf.Example, whose feature order varies)."""
    check_split_key(table, split_key)
    names = [split_key] if split_key is not None else table.schema.names
    as_text = [pc.fill_null(pc.cast(table.column(n), pa.string()), "\x00NA") for n in names]
    joined = pc.binary_join_element_wise(*as_text, "\x1f") if len(as_text) > 1 else as_text[0]
    return joined.cast(pa.binary()).to_pylist()


# gzip's fastest level: writing 1M penguin records takes a third of the time of the
# default level 6 (4.7 s against 13.4 s here), for files a third larger; any gzip
# reader reads them, as TFX's layout asks.
GZIP_LEVEL = 1


def write_records(path: str, records: list[bytes]) -> None:
    import tensorflow as tf

    fs.makedirs(fs.parent(path))
    options = tf.io.TFRecordOptions(compression_type="GZIP", compression_level=GZIP_LEVEL)
    with tf.io.TFRecordWriter(path, options=options) as writer:
        for record in records:
            writer.write(record)


def _read_span(files: list[str], params: ExampleGenParams) -> tuple[pa.Table, dict[str, list[bytes]]]:
    """One span's rows as a table and as serialized tf.Examples split train/eval."""
    table = csv_reader.read_all(files, params.column_types)
    check_split_key(table, params.split_key)
    with ThreadPoolExecutor(_THREADS) as pool:
        encoded = pool.map(encode_batch, table.to_batches(max_chunksize=_BATCH_ROWS))
        in_eval = eval_rows(row_keys(table, params.split_key), params.eval_fraction)
        examples = [example for batch in encoded for example in batch]
    by_split: dict[str, list[bytes]] = {splits.TRAIN: [], splits.EVAL: []}
    for to_eval, example in zip(in_eval, examples):
        by_split[splits.EVAL if to_eval else splits.TRAIN].append(example)
    return table, by_split


def _kinds(table: pa.Table) -> dict[str, FeatureKind]:
    return {field.name: feature_kind(field.type) for field in table.schema}


def _window_splits(window: list[tuple[SpanSelection, list[str]]], params: ExampleGenParams
                   ) -> tuple[pa.Table, dict[str, list[bytes]], dict[str, FeatureKind] | None]:
    """The newest span's table, the splits of the window (newest span first): every
    span's train rows, the newest span's eval rows, and for a rolling window (even one
    that found a single span so far) the newest span's train rows again as
    `newest_span`; and the features' kinds, None if the spans' kinds differ."""
    newest_table, newest = _read_span(window[0][1], params)
    kinds: dict[str, FeatureKind] | None = _kinds(newest_table)
    by_split = {splits.TRAIN: list(newest[splits.TRAIN]), splits.EVAL: newest[splits.EVAL]}
    for selection, files in window[1:]:
        table, older = _read_span(files, params)
        if table.schema.names != newest_table.schema.names:
            raise ComponentError(
                f"span {selection.span} has columns {table.schema.names} but span "
                f"{window[0][0].span} has {newest_table.schema.names}; spans of one rolling "
                f"window must share one schema (fix the data, or set rolling_window=1)")
        by_split[splits.TRAIN] += older[splits.TRAIN]
        if kinds != _kinds(table):
            kinds = None
    if params.rolling_window > 1:
        by_split[splits.NEWEST_SPAN] = newest[splits.TRAIN]
    return newest_table, by_split, kinds


def execute(inputs: ExampleGenInputs, outputs: ExampleGenOutputs, params: ExampleGenParams,
            context: ExecutionContext) -> ExecutorOutcome:
    window = csv_reader.input_files(params.input_path, params.span, params.rolling_window)
    table, by_split, kinds = _window_splits(window, params)
    total = sum(len(r) for s, r in by_split.items() if s != splits.NEWEST_SPAN)
    for split, records in by_split.items():
        if not records:
            raise ComponentError(f"{params.input_path}: the {split} split got no rows out of "
                                 f"{total}; add rows or change eval_fraction")
    _write_splits(outputs.examples.uri, by_split)
    selection = window[0][0]
    files = [f for _, span_files in window for f in span_files]
    _record(outputs.examples, selection, files, table, by_split)
    if kinds is not None:  # lets readers parse fast (components/common/scalar_examples.py)
        declare_kinds(outputs.examples, kinds)
    if params.rolling_window > 1:
        outputs.examples.set("spans", ",".join(str(s.span) for s, _ in window))
    span = f"span {selection.span}" + (f" version {selection.version}"
                                       if selection.version is not None else "")
    if params.rolling_window > 1:
        span += f" (window: spans {', '.join(str(s.span) for s, _ in reversed(window))})"
    return ExecutorOutcome(summary=f"{span}: {total} rows from {len(files)} file(s): "
                           + ", ".join(f"{s} {len(r)}" for s, r in by_split.items()))


def _write_splits(uri: str, by_split: dict[str, list[bytes]]) -> None:
    def write(split: str) -> None:
        write_records(fs.join(splits.split_dir(uri, split),
                              f"{splits.RECORD_FILE_PREFIX}-00000-of-00001.gz"), by_split[split])
    with ThreadPoolExecutor(_THREADS) as pool:
        list(pool.map(write, by_split))  # list(): raises the first write's error


def _record(artifact, selection: SpanSelection, files: list[str], table: pa.Table,
            by_split: dict[str, list[bytes]]) -> None:
    artifact.split_names = list(by_split)
    artifact.set("span", selection.span)
    # TFX's ExampleGen records these as custom properties too; its readers look there.
    artifact.custom_properties.update(span=selection.span, file_format=artifact.FILE_FORMAT,
                                      payload_format=artifact.PAYLOAD_FORMAT)
    if selection.version is not None:
        artifact.set("version", selection.version)
        artifact.custom_properties["version"] = selection.version
    artifact.set("input_paths", ",".join(fs.absolute(f) for f in files))
    artifact.set("input_fingerprint", csv_reader.fingerprint(files))
    artifact.set("columns", ",".join(table.schema.names))
    for split, records in by_split.items():
        artifact.set(f"num_rows_{split}", len(records))
