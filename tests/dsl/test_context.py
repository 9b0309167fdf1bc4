"""ExecutionContext.beam_pipeline: the Beam settings every data component shares."""
from __future__ import annotations

import json

import apache_beam as beam
import tensorflow as tf
from tfx_bsl.public import tfxio

from pipeline.dsl import ExecutionContext

ROWS = 20_000


def _write_examples(path: str) -> None:
    with tf.io.TFRecordWriter(path, tf.io.TFRecordOptions(compression_type="GZIP")) as writer:
        for i in range(ROWS):
            feature = {"x": tf.train.Feature(int64_list=tf.train.Int64List(value=[i]))}
            writer.write(tf.train.Example(features=tf.train.Features(feature=feature))
                         .SerializeToString())


def test_record_batches_are_sized_by_bytes_not_capped_at_a_thousand_rows(tmp_path):
    _write_examples(str(tmp_path / "data.gz"))
    context = ExecutionContext("p", "r", "c", str(tmp_path / "tmp"))
    sizes_file = str(tmp_path / "sizes")
    with context.beam_pipeline() as pipeline:
        _ = (pipeline
             | tfxio.TFExampleRecord(file_pattern=str(tmp_path / "data.gz")).BeamSource()
             | beam.Map(lambda batch: batch.num_rows)
             | beam.combiners.ToList()
             | beam.Map(lambda sizes: open(sizes_file, "w").write(json.dumps(sorted(sizes)))))
    with open(sizes_file) as written:
        sizes = json.load(written)
    assert sum(sizes) == ROWS
    assert max(sizes) == 8192  # tfx-bsl's cap when batching by size (20 MiB of small records)
