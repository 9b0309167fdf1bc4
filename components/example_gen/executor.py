"""ExampleGen executor: CSV -> `Split-train/` and `Split-eval/` gzipped TFRecords (and
`Split-newest_span/` for a rolling window of spans)."""
from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from tfx_bsl.coders import example_coder

from components.common import splits
from components.example_gen import csv_reader
from components.example_gen.component import (ExampleGenInputs, ExampleGenOutputs,
                                              ExampleGenParams)
from components.example_gen.spans import SpanSelection
from pipeline import fs
from pipeline.dsl import ComponentError, ExecutionContext, ExecutorOutcome

_BATCH_ROWS = 50_000
_BUCKETS = 10_000


def to_list_array(column: pa.ChunkedArray) -> pa.Array:
    """A scalar column as the list column tf.Example encoding needs; nulls stay null
    (an absent value), float64 narrows to float32, bool widens to int64."""
    values = column.combine_chunks()
    if pa.types.is_boolean(values.type) or pa.types.is_integer(values.type):
        values = values.cast(pa.int64())
    elif pa.types.is_floating(values.type):
        values = values.cast(pa.float32())
    else:
        values = values.cast(pa.large_binary())
    valid = values.is_valid().to_numpy(zero_copy_only=False)
    offsets = pa.array(np.concatenate([[0], valid.cumsum()]), pa.int32())
    mask = pa.array(~valid) if values.null_count else None
    return pa.ListArray.from_arrays(offsets, values.drop_null(), mask=mask)


def encode(table: pa.Table) -> list[bytes]:
    """Serialized tf.Examples, one per row."""
    examples: list[bytes] = []
    for batch in table.to_batches(max_chunksize=_BATCH_ROWS):
        columns = [to_list_array(pa.chunked_array([batch.column(i)])) for i in range(batch.num_columns)]
        examples.extend(example_coder.RecordBatchToExamples(
            pa.RecordBatch.from_arrays(columns, batch.schema.names)))
    return examples


def is_eval(key: bytes, eval_fraction: float) -> bool:
    """Deterministic split: the same key always lands in the same split."""
    bucket = int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "little") % _BUCKETS
    return bucket < round(eval_fraction * _BUCKETS)


def row_keys(table: pa.Table, split_key: str | None) -> list[bytes]:
    """What each row's split is decided by: the `split_key` column's value, or the
    whole row's values (not its serialized tf.Example, whose feature order varies)."""
    if split_key is not None and split_key not in table.schema.names:
        raise ComponentError(f"split_key {split_key!r} is not a column; columns are: "
                             f"{', '.join(table.schema.names)}")
    names = [split_key] if split_key is not None else table.schema.names
    as_text = [pc.fill_null(pc.cast(table.column(n), pa.string()), "\x00NA") for n in names]
    joined = pc.binary_join_element_wise(*as_text, "\x1f") if len(as_text) > 1 else as_text[0]
    return [v.encode() for v in joined.to_pylist()]


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
    by_split: dict[str, list[bytes]] = {splits.TRAIN: [], splits.EVAL: []}
    for key, example in zip(row_keys(table, params.split_key), encode(table)):
        by_split[splits.EVAL if is_eval(key, params.eval_fraction) else splits.TRAIN].append(example)
    return table, by_split


def _window_splits(window: list[tuple[SpanSelection, list[str]]], params: ExampleGenParams
                   ) -> tuple[pa.Table, dict[str, list[bytes]]]:
    """The newest span's table, and the splits of the window (newest span first):
    every span's train rows, the newest span's eval rows, and for a rolling window
    (even one that found a single span so far) the newest span's train rows again
    as `newest_span`."""
    newest_table, newest = _read_span(window[0][1], params)
    by_split = {splits.TRAIN: list(newest[splits.TRAIN]), splits.EVAL: newest[splits.EVAL]}
    for selection, files in window[1:]:
        table, older = _read_span(files, params)
        if table.schema.names != newest_table.schema.names:
            raise ComponentError(
                f"span {selection.span} has columns {table.schema.names} but span "
                f"{window[0][0].span} has {newest_table.schema.names}; spans of one rolling "
                f"window must share one schema (fix the data, or set rolling_window=1)")
        by_split[splits.TRAIN] += older[splits.TRAIN]
    if params.rolling_window > 1:
        by_split[splits.NEWEST_SPAN] = newest[splits.TRAIN]
    return newest_table, by_split


def execute(inputs: ExampleGenInputs, outputs: ExampleGenOutputs, params: ExampleGenParams,
            context: ExecutionContext) -> ExecutorOutcome:
    window = csv_reader.input_files(params.input_path, params.span, params.rolling_window)
    table, by_split = _window_splits(window, params)
    total = sum(len(r) for s, r in by_split.items() if s != splits.NEWEST_SPAN)
    for split, records in by_split.items():
        if not records:
            raise ComponentError(f"{params.input_path}: the {split} split got no rows out of "
                                 f"{total}; add rows or change eval_fraction")
        write_records(fs.join(splits.split_dir(outputs.examples.uri, split),
                                   f"{splits.RECORD_FILE_PREFIX}-00000-of-00001.gz"), records)
    selection = window[0][0]
    files = [f for _, span_files in window for f in span_files]
    _record(outputs.examples, selection, files, table, by_split)
    if params.rolling_window > 1:
        outputs.examples.set("spans", ",".join(str(s.span) for s, _ in window))
    span = f"span {selection.span}" + (f" version {selection.version}"
                                       if selection.version is not None else "")
    if params.rolling_window > 1:
        span += f" (window: spans {', '.join(str(s.span) for s, _ in reversed(window))})"
    return ExecutorOutcome(summary=f"{span}: {total} rows from {len(files)} file(s): "
                           + ", ".join(f"{s} {len(r)}" for s, r in by_split.items()))


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
