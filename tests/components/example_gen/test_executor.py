"""ExampleGen on small CSVs: the split layout, missing values, determinism, bad input."""
from __future__ import annotations

import glob

import pytest
import tensorflow as tf

from components.common.scalar_examples import FeatureKind, declared_kinds
from components.example_gen.component import ExampleGenInputs, ExampleGenOutputs, ExampleGenParams
from components.example_gen.executor import execute
from pipeline.dsl import ComponentError, Examples
from tests.conftest import (PENGUIN_CSV, bad_penguin_csv, context, out_dir, read_penguin_rows,
                            write_csv)

TYPES = {"species": "string", "island": "string", "bill_length_mm": "float",
         "flipper_length_mm": "int", "year": "int"}


def _run(tmp_path, path: str, name: str = "examples", **params) -> Examples:
    examples = Examples(uri=out_dir(tmp_path, name))
    execute(ExampleGenInputs(), ExampleGenOutputs(examples), ExampleGenParams(path, **params),
            context(tmp_path))
    return examples


def _records(examples: Examples, split: str) -> list[tf.train.Example]:
    files = glob.glob(f"{examples.uri}/Split-{split}/*.gz")
    return [tf.train.Example.FromString(r.numpy())
            for r in tf.data.TFRecordDataset(files, compression_type="GZIP")]


def test_writes_tfx_split_layout_with_row_counts_and_fingerprint(tmp_path):
    examples = _run(tmp_path, PENGUIN_CSV)
    assert examples.split_names == ["train", "eval"]
    train, evaluation = _records(examples, "train"), _records(examples, "eval")
    assert len(train) + len(evaluation) == 344
    assert examples.get("num_rows_train") == len(train) and examples.get("num_rows_eval") == len(evaluation)
    assert 0.1 < len(evaluation) / 344 < 0.3
    assert len(str(examples.get("input_fingerprint"))) == 64
    assert examples.get("span") == 0


def test_declares_each_columns_kind_for_fast_readers(tmp_path):
    examples = _run(tmp_path, PENGUIN_CSV)
    kinds = declared_kinds(examples)
    assert list(kinds) == sorted(str(examples.get("columns")).split(","))
    assert (kinds["species"], kinds["bill_length_mm"], kinds["year"]) == (
        FeatureKind.BYTES, FeatureKind.FLOAT, FeatureKind.INT64)


def test_na_and_empty_fields_are_missing_not_strings(tmp_path):
    header, rows = read_penguin_rows()
    rows = [["Adelie", "Dream", "NA", "", "190", "3500", "NA", str(2000 + i)] for i in range(30)]
    examples = _run(tmp_path, write_csv(tmp_path / "na.csv", header, rows), eval_fraction=0.5)
    example = (_records(examples, "train") + _records(examples, "eval"))[0]
    features = example.features.feature
    for name in ("bill_length_mm", "bill_depth_mm", "sex"):
        assert features[name].WhichOneof("kind") is None, name  # absent value, not "NA"
    assert features["flipper_length_mm"].int64_list.value == [190]
    assert features["island"].bytes_list.value == [b"Dream"]


def test_split_is_deterministic_and_follows_the_split_key(tmp_path):
    first = _run(tmp_path, PENGUIN_CSV, name="a")
    second = _run(tmp_path, PENGUIN_CSV, name="b")
    assert first.get("num_rows_eval") == second.get("num_rows_eval")
    by_island = _run(tmp_path, PENGUIN_CSV, name="c", split_key="island", eval_fraction=0.4)
    train_islands = {e.features.feature["island"].bytes_list.value[0] for e in _records(by_island, "train")}
    eval_islands = {e.features.feature["island"].bytes_list.value[0] for e in _records(by_island, "eval")}
    assert train_islands.isdisjoint(eval_islands)


def test_reads_every_csv_of_a_folder(tmp_path):
    header, rows = read_penguin_rows()
    write_csv(tmp_path / "in" / "a.csv", header, rows[:200])
    write_csv(tmp_path / "in" / "b.csv", header, rows[200:])
    examples = _run(tmp_path, str(tmp_path / "in"), column_types=TYPES)
    assert examples.get("num_rows_train") + examples.get("num_rows_eval") == 344


@pytest.mark.parametrize("case, expected", [
    ("missing", r"no such file or folder"),
    ("empty", r"empty.csv: the file is empty"),
    ("header_only", r"header_only.csv: the file has a header but no data rows"),
    ("renamed_column", r"column 'bill_length_mm' is missing; the header has: .*bill_length_mm_renamed"),
    ("text_in_numeric", r"column 'flipper_length_mm' should hold int values but line 3 has 'long'"),
    ("ragged", r"ragged.csv: line 3 has 3 field\(s\) but the header has 8"),
])
def test_bad_input_names_file_column_and_problem(tmp_path, case, expected):
    column = "flipper_length_mm" if case == "text_in_numeric" else "bill_length_mm"
    path = bad_penguin_csv(tmp_path, case, column, value="long", row=1)
    with pytest.raises(ComponentError, match=expected):
        _run(tmp_path, path, column_types=TYPES)


def test_a_byte_order_mark_is_read_as_spreadsheet_programs_write_it(tmp_path):
    header, rows = read_penguin_rows()
    path = tmp_path / "with_bom.csv"
    write_csv(path, header, rows)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    examples = _run(tmp_path, str(path), column_types=TYPES)
    assert examples.get("columns").split(",")[0] == "species"
    assert examples.get("num_rows_train") + examples.get("num_rows_eval") == 344
