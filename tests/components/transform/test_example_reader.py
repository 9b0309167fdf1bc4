"""ExampleReader: TFT gets the tensors TFExampleRecord would have given it."""
from __future__ import annotations

import apache_beam as beam
import numpy as np
import pyarrow as pa
import tensorflow as tf
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2
from tfx_bsl.public import tfxio
from tfx_bsl.tfxio import tensor_adapter

from components.transform.example_reader import ExampleReader
from pipeline.dsl import ExecutionContext
from tests.support.numbered_examples import write_varied_examples

ROWS = 20_000
SCHEMA = text_format.Parse('''
    feature { name: "x" type: INT }
    feature { name: "s" type: BYTES }
    feature { name: "f" type: FLOAT }
''', schema_pb2.Schema())


def _dense_by_row(read: beam.PTransform, config, tmp) -> dict[str, np.ndarray]:
    """Every feature's tensor over all batches, densified, rows in "x" order."""
    tmp.mkdir(parents=True, exist_ok=True)
    out = str(tmp / "batches.arrow")

    def write(batches: list[pa.RecordBatch]) -> None:
        table = pa.Table.from_batches(batches)
        with pa.OSFile(out, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
    with ExecutionContext("p", "r", "c", str(tmp / "tmp")).beam_pipeline() as pipeline:
        _ = pipeline | read | beam.combiners.ToList() | beam.Map(write)
    table = pa.ipc.open_file(out).read_all().combine_chunks()
    [batch] = table.to_batches(max_chunksize=table.num_rows)
    tensors = tensor_adapter.TensorAdapter(config).ToBatchTensors(batch)
    dense = {name: tf.sparse.to_dense(t, default_value=b"" if t.dtype == tf.string else 0)
             .numpy() if isinstance(t, tf.SparseTensor) else t.numpy()
             for name, t in tensors.items()}
    order = np.argsort(dense["x"][:, 0], kind="stable")
    return {name: values[order] for name, values in dense.items()}


def test_tensors_equal_tfexamplerecords(tmp_path):
    write_varied_examples(str(tmp_path / "data.gz"), ROWS)
    pattern = str(tmp_path / "data.gz")
    reader = ExampleReader.for_schema(SCHEMA)
    source = tfxio.TFExampleRecord(file_pattern=pattern, schema=SCHEMA)
    ours = _dense_by_row(reader.read(pattern), reader.tensor_adapter_config(), tmp_path / "o")
    theirs = _dense_by_row(source.BeamSource(), source.TensorAdapterConfig(), tmp_path / "t")
    assert sorted(ours) == sorted(theirs) == ["f", "s", "x"]
    for name in ours:
        assert ours[name].dtype == theirs[name].dtype
        np.testing.assert_array_equal(ours[name], theirs[name], err_msg=name)
    assert ours["f"].shape == (ROWS, 3)  # rows of 0-3 values: the widest sets the shape


def test_a_sparse_feature_keeps_tfexamplerecord():
    schema = schema_pb2.Schema()
    schema.CopyFrom(SCHEMA)
    text_format.Merge('sparse_feature { name: "pair" index_feature { name: "x" } '
                      'value_feature { name: "f" } }', schema)
    assert ExampleReader.for_schema(schema) is None
