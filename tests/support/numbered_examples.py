"""Numbered tf.Examples in a gzipped TFRecord file, and the sizes of the record batches
a read of them yields: for tests of how records are batched."""
from __future__ import annotations

import json
from pathlib import Path

import apache_beam as beam
import tensorflow as tf

from pipeline.dsl import ExecutionContext


def write_numbered_examples(path: str, rows: int) -> None:
    """`rows` tf.Examples, each with one int64 feature "x" holding its row number."""
    with tf.io.TFRecordWriter(path, tf.io.TFRecordOptions(compression_type="GZIP")) as writer:
        for i in range(rows):
            feature = {"x": tf.train.Feature(int64_list=tf.train.Int64List(value=[i]))}
            writer.write(tf.train.Example(features=tf.train.Features(feature=feature))
                         .SerializeToString())


def batch_sizes(read: beam.PTransform, tmp: Path) -> list[int]:
    """The row counts of the record batches `read` yields, sorted, in a pipeline from
    ExecutionContext.beam_pipeline() (the settings every data component runs with)."""
    context = ExecutionContext("p", "r", "c", str(tmp / "tmp"))
    sizes_file = str(tmp / "sizes")
    with context.beam_pipeline() as pipeline:
        _ = (pipeline
             | read
             | beam.Map(lambda batch: batch.num_rows)
             | beam.combiners.ToList()
             | beam.Map(lambda sizes: open(sizes_file, "w").write(json.dumps(sorted(sizes)))))
    with open(sizes_file) as written:
        return json.load(written)


def varied_example(i: int) -> tf.train.Example:
    """Row i of a mix that decoding must keep apart: an int64 on every row, a string
    missing on every 7th, and a float list of 0-3 values (0: present but empty)."""
    feature = {"x": tf.train.Feature(int64_list=tf.train.Int64List(value=[i]))}
    if i % 7:
        feature["s"] = tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"abc"[i % 3:]]))
    feature["f"] = tf.train.Feature(float_list=tf.train.FloatList(value=[i / 3.0] * (i % 4)))
    return tf.train.Example(features=tf.train.Features(feature=feature))


def write_varied_examples(path: str, rows: int) -> None:
    """`rows` varied_example()s in a gzipped TFRecord file."""
    with tf.io.TFRecordWriter(path, tf.io.TFRecordOptions(compression_type="GZIP")) as writer:
        for i in range(rows):
            writer.write(varied_example(i).SerializeToString())
