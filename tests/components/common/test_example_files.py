"""example_files: tf.data reads the records, tfx-bsl's decoder decodes them; the record
batches are TFExampleRecord's."""
from __future__ import annotations

import apache_beam as beam
import pyarrow as pa
import pytest
from tfx_bsl.public import tfxio

from components.common.example_files import MAX_BATCH_ROWS, ExampleDecoder, read_examples
from pipeline.dsl import ExecutionContext
from tests.support.numbered_examples import batch_sizes, write_varied_examples

ROWS = 20_000


def _table(read: beam.PTransform, tmp) -> pa.Table:
    """Every batch `read` yields, as one table sorted by "x"."""
    tmp.mkdir(parents=True, exist_ok=True)
    out = str(tmp / "batches.arrow")
    context = ExecutionContext("p", "r", "c", str(tmp / "tmp"))

    def write(batches: list[pa.RecordBatch]) -> None:
        table = pa.concat_tables([pa.Table.from_batches([b]) for b in batches], promote=True)
        with pa.OSFile(out, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
    with context.beam_pipeline() as pipeline:
        _ = pipeline | read | beam.combiners.ToList() | beam.Map(write)
    table = pa.ipc.open_file(out).read_all()
    order = pa.compute.sort_indices(pa.compute.list_flatten(table.column("x")))
    return table.take(order).combine_chunks()


@pytest.fixture(scope="module")
def two_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("varied")
    write_varied_examples(str(folder / "a.gz"), ROWS)
    write_varied_examples(str(folder / "b.gz"), 10)
    return folder


def test_batches_equal_tfexamplerecords(two_files, tmp_path):
    pattern = str(two_files / "*.gz")
    ours = _table(read_examples(pattern, ExampleDecoder()), tmp_path / "ours")
    theirs = _table(tfxio.TFExampleRecord(file_pattern=pattern).BeamSource(), tmp_path / "theirs")
    assert ours.num_rows == ROWS + 10
    assert ours.equals(theirs)
    assert ours.column("s").null_count == theirs.column("s").null_count > 0  # missing: null
    assert pa.compute.sum(pa.compute.list_value_length(ours.column("f"))).as_py() > 0


def test_batches_hold_at_most_max_batch_rows_and_files_are_not_mixed(two_files, tmp_path):
    sizes = batch_sizes(read_examples([str(two_files / "a.gz"), str(two_files / "b.gz")],
                                      ExampleDecoder()), tmp_path)
    assert sorted(sizes) == sorted([MAX_BATCH_ROWS, MAX_BATCH_ROWS,
                                    ROWS - 2 * MAX_BATCH_ROWS, 10])


def test_no_file_names_the_pattern(tmp_path):
    with pytest.raises(FileNotFoundError, match="no TFRecord files match .*nothing-here"):
        read_examples(str(tmp_path / "nothing-here" / "*.gz"), ExampleDecoder())


def test_raw_records_column_equals_tfexamplerecords(two_files, tmp_path):
    """What TFMA reads: the decoded features and the serialized examples, in small batches."""
    pattern = str(two_files / "*.gz")
    decoder = ExampleDecoder(raw_record_column="__raw_record__")
    ours = _table(read_examples(pattern, decoder, max_batch_rows=1000), tmp_path / "ours")
    theirs = _table(tfxio.TFExampleRecord(file_pattern=pattern,
                                          raw_record_column_name="__raw_record__").BeamSource(),
                    tmp_path / "theirs")
    assert ours.column_names[-1] == "__raw_record__"
    assert ours.equals(theirs)


def test_only_the_columns_asked_for_then_the_raw_records(two_files, tmp_path):
    decoder = ExampleDecoder(raw_record_column="__raw_record__", columns=("x", "s"))
    table = _table(read_examples(str(two_files / "b.gz"), decoder), tmp_path)
    assert sorted(table.column_names[:-1]) == ["s", "x"]
    assert table.column_names[-1] == "__raw_record__" and table.num_rows == 10


def test_with_no_column_kept_the_raw_records_still_give_the_rows(two_files, tmp_path):
    decoder = ExampleDecoder(raw_record_column="__raw_record__", columns=("absent",))
    assert batch_sizes(read_examples(str(two_files / "b.gz"), decoder), tmp_path) == [10]
