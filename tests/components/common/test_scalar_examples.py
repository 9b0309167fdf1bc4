"""The declared-kinds decoder gives tfx-bsl's record batches, column for column, for
examples written as ExampleGen writes them; a record of another kind fails, naming it."""
from __future__ import annotations

import pyarrow as pa
import pytest
import tensorflow as tf

from components.common.example_files import ExampleDecoder, serialized_batches
from components.common.scalar_examples import (FeatureKind, ScalarExampleDecoder,
                                               declare_kinds, declared_kinds)
from components.example_gen.executor import encode_batch, feature_kind, write_records
from pipeline.dsl import Examples

ROWS = 100


def _table() -> pa.Table:
    """A mix the decoders must keep apart: values of every kind, missing values here
    and there, a column missing in the first 25 rows only, one missing everywhere."""
    def sometimes(value, i: int, every: int):
        return None if i % every == 0 else value
    return pa.table({
        "count": [sometimes(i - 50, i, 7) for i in range(ROWS)],
        "ratio": [sometimes(i / 3.0, i, 5) for i in range(ROWS)],
        "name": [sometimes(["", "ü", "abc"][i % 3], i, 4) for i in range(ROWS)],
        "flag": [sometimes(i % 2 == 0, i, 3) for i in range(ROWS)],
        "late": [None if i < 25 else float(i) for i in range(ROWS)],
        "never": pa.nulls(ROWS, pa.string()),
    })


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[str, dict[str, FeatureKind]]:
    table = _table()
    path = str(tmp_path_factory.mktemp("scalar") / "examples.gz")
    records = [r for batch in table.to_batches(max_chunksize=30) for r in encode_batch(batch)]
    write_records(path, records)
    return path, {field.name: feature_kind(field.type) for field in table.schema}


@pytest.mark.parametrize("batch_rows", [10, 25, ROWS])
def test_batches_equal_tfx_bsls_decoder(written, batch_rows):
    path, kinds = written
    fast, tfx_bsl = ScalarExampleDecoder(kinds)(), ExampleDecoder()()
    batches = list(serialized_batches(path, batch_rows))
    assert len(batches) == -(-ROWS // batch_rows)
    for records in batches:
        expected, got = tfx_bsl(records), fast(records)
        assert got.schema == expected.schema
        assert got.equals(expected), (got.to_pydict(), expected.to_pydict())
    first = fast(batches[0])
    assert first.schema.field("never").type == pa.null()
    assert first.schema.field("name").type == pa.large_list(pa.large_binary())


def test_a_record_of_another_kind_fails_naming_the_feature(written):
    path, kinds = written
    decode = ScalarExampleDecoder({**kinds, "count": FeatureKind.FLOAT})()
    with pytest.raises(tf.errors.InvalidArgumentError, match="count"):
        decode(next(serialized_batches(path)))


def test_declared_kinds_round_trip_through_the_artifact():
    examples = Examples(uri="/nowhere")
    assert declared_kinds(examples) is None
    declare_kinds(examples, {"b": FeatureKind.BYTES, "a": FeatureKind.INT64})
    assert declared_kinds(examples) == {"a": FeatureKind.INT64, "b": FeatureKind.BYTES}
    declare_kinds(examples, {})
    assert declared_kinds(examples) is None
