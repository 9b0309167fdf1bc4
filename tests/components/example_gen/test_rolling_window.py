"""A rolling window of spans (TFX's RollingRange): the N newest spans up to the
selected one train together, the newest alone evaluates and is what drift is
measured on; a change to any span in the window changes the cache key."""
from __future__ import annotations

import pytest

from components.common import splits
from components.common.scalar_examples import declared_kinds
from components.example_gen.component import (ExampleGen, ExampleGenInputs, ExampleGenOutputs,
                                              ExampleGenParams)
from components.example_gen.csv_reader import input_fingerprint
from components.example_gen.executor import execute
from components.example_gen.spans import select_window
from pipeline.dsl import ComponentError, Examples
from tests.conftest import context, out_dir, read_penguin_rows, write_csv

HEADER, ROWS = read_penguin_rows()


@pytest.fixture
def pattern(tmp_path) -> str:
    """Spans 1, 2, 3 and 5 of 60, 70, 80 and 90 rows."""
    for span, (start, size) in {1: (0, 60), 2: (60, 70), 3: (130, 80), 5: (210, 90)}.items():
        write_csv(tmp_path / "data" / f"span-{span}" / "part.csv", HEADER,
                  ROWS[start:start + size])
    return str(tmp_path / "data" / "span-{SPAN}" / "*.csv")


def _ingest(tmp_path, pattern: str, **params) -> Examples:
    examples = Examples(uri=out_dir(tmp_path, "examples"))
    execute(ExampleGenInputs(), ExampleGenOutputs(examples), ExampleGenParams(pattern, **params),
            context(tmp_path))
    return examples


def test_the_window_is_the_newest_spans_up_to_the_selected_one(pattern):
    assert [s.span for s in select_window(pattern, None, 3)] == [5, 3, 2]
    assert [s.span for s in select_window(pattern, 2, 3)] == [2, 1]  # fewer exist: what there is
    assert [s.span for s in select_window(pattern, None, 1)] == [5]


def test_train_holds_the_window_eval_and_newest_span_the_newest_span_only(tmp_path, pattern):
    alone = _ingest(tmp_path / "alone", pattern)
    window = _ingest(tmp_path / "window", pattern, rolling_window=3)
    assert window.split_names == [splits.TRAIN, splits.EVAL, splits.NEWEST_SPAN]
    assert (window.get("span"), window.get("spans")) == (5, "5,3,2")
    assert window.get("num_rows_eval") == alone.get("num_rows_eval")
    assert window.get("num_rows_newest_span") == alone.get("num_rows_train")
    older = 70 + 80 - sum(_ingest(tmp_path / f"s{s}", pattern, span=s).get("num_rows_eval")
                          for s in (2, 3))
    assert window.get("num_rows_train") == alone.get("num_rows_train") + older
    assert alone.split_names == [splits.TRAIN, splits.EVAL] and alone.get("spans") is None


def test_kinds_are_declared_only_when_every_span_of_the_window_agrees(tmp_path, pattern):
    assert declared_kinds(_ingest(tmp_path / "agree", pattern, rolling_window=2)) is not None
    mass = HEADER.index("body_mass_g")
    rows = [row[:mass] + [row[mass] + ".5" if row[mass].isdigit() else row[mass]] + row[mass + 1:]
            for row in ROWS[130:210]]
    write_csv(tmp_path / "data" / "span-3" / "part.csv", HEADER, rows)  # floats, not ints
    assert declared_kinds(_ingest(tmp_path / "differ", pattern, rolling_window=2)) is None
    assert declared_kinds(_ingest(tmp_path / "alone", pattern, span=3)) is not None


def test_a_change_to_an_older_span_in_the_window_is_a_new_cache_key(tmp_path, pattern):
    params = ExampleGenParams(pattern, rolling_window=2)
    before = input_fingerprint(params)
    assert before.count("span=") == 2
    write_csv(tmp_path / "data" / "span-3" / "part.csv", HEADER, ROWS[130:200])
    assert input_fingerprint(params) != before
    assert input_fingerprint(ExampleGenParams(pattern)) == input_fingerprint(
        ExampleGenParams(pattern, rolling_window=1))


def test_spans_of_one_window_with_different_columns_are_refused_naming_both(tmp_path, pattern):
    write_csv(tmp_path / "data" / "span-3" / "part.csv", HEADER + ["tag"],
              [r + ["x"] for r in ROWS[130:210]])
    with pytest.raises(ComponentError, match=r"span 3 has columns .*'tag'.* but span 5 has"):
        _ingest(tmp_path, pattern, rolling_window=2)


def test_a_window_of_less_than_one_span_is_refused_with_the_value():
    with pytest.raises(ValueError, match="rolling_window must be at least 1 .*got 0"):
        ExampleGen("data/span-{SPAN}/*.csv", rolling_window=0)
