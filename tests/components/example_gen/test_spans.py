"""Input patterns with spans, versions and dates, as TFX's ExampleGen reads them."""
from __future__ import annotations

import pytest

from components.example_gen.component import ExampleGenInputs, ExampleGenOutputs, ExampleGenParams
from components.example_gen.csv_reader import input_fingerprint
from components.example_gen.executor import execute
from components.example_gen.spans import date_to_span, select
from pipeline.dsl import ComponentError, Examples
from tests.conftest import context, out_dir, read_penguin_rows, write_csv

HEADER, ROWS = read_penguin_rows()


def _span(folder, name: str, rows=ROWS[:60]) -> str:
    return write_csv(folder / name / "part.csv", HEADER, rows)


def test_the_newest_span_is_selected_unless_one_is_asked_for(tmp_path):
    for span in (1, 2, 10):
        _span(tmp_path, f"span-{span}")
    newest = select(str(tmp_path / "span-{SPAN}" / "*.csv"))
    assert (newest.span, newest.version) == (10, None)
    assert newest.paths == (str(tmp_path / "span-10" / "part.csv"),)
    assert select(str(tmp_path / "span-{SPAN}"), span=2).paths == (str(tmp_path / "span-2"),)


def test_a_width_matches_exactly_that_many_digits(tmp_path):
    for name in ("span-01", "span-02", "span-123"):
        _span(tmp_path, name)
    assert select(str(tmp_path / "span-{SPAN:2}" / "*.csv")).span == 2


def test_the_newest_version_of_the_chosen_span_wins(tmp_path):
    for name in ("span-1/v-1", "span-1/v-3", "span-2/v-1", "span-2/v-2"):
        _span(tmp_path, name)
    pattern = str(tmp_path / "span-{SPAN}" / "v-{VERSION}" / "*.csv")
    assert (select(pattern).span, select(pattern).version) == (2, 2)
    assert (select(pattern, span=1).span, select(pattern, span=1).version) == (1, 3)


def test_a_date_is_its_days_since_1970_as_in_tfx(tmp_path):
    for day in ("2026-11-24", "2026-11-25"):
        _span(tmp_path, day)
    chosen = select(str(tmp_path / "{YYYY}-{MM}-{DD}" / "*.csv"))
    assert chosen.span == date_to_span(2026, 11, 25) == 20782


@pytest.mark.parametrize("pattern, message", [
    ("span-{SPAN}/{SPAN}.csv", "may each appear once"),
    ("{YYYY}-{MM}/*.csv", "needs all of {YYYY}, {MM} and {DD}"),
    ("{SPAN}/{YYYY}-{MM}-{DD}/*.csv", "not both"),
    ("v-{VERSION}/*.csv", "{VERSION} needs {SPAN} or a date"),
])
def test_patterns_tfx_refuses_are_refused_with_the_reason(tmp_path, pattern, message):
    with pytest.raises(ComponentError, match=message.replace("{", r"\{").replace("}", r"\}")):
        select(str(tmp_path / pattern))


def test_a_pattern_that_matches_nothing_or_a_missing_span_says_what_is_there(tmp_path):
    with pytest.raises(ComponentError, match=r"no input matches .*span-\{SPAN\}.*looked for"):
        select(str(tmp_path / "span-{SPAN}" / "*.csv"))
    _span(tmp_path, "span-3")
    with pytest.raises(ComponentError, match="has no span 4; the spans there are 3"):
        select(str(tmp_path / "span-{SPAN}" / "*.csv"), span=4)


def test_an_impossible_date_names_the_path(tmp_path):
    _span(tmp_path, "2026-02-30")
    with pytest.raises(ComponentError, match="2026-02-30.*not a date"):
        select(str(tmp_path / "{YYYY}-{MM}-{DD}" / "*.csv"))


def test_examples_record_span_and_version_and_the_cache_key_names_them(tmp_path):
    data = tmp_path / "data"
    _span(data, "span-4/v-2")
    _span(data, "span-5/v-1", ROWS[60:140])
    pattern = str(data / "span-{SPAN}" / "v-{VERSION}" / "*.csv")
    examples = Examples(uri=out_dir(tmp_path, "examples"))
    execute(ExampleGenInputs(), ExampleGenOutputs(examples), ExampleGenParams(pattern, span=4),
            context(tmp_path))
    assert (examples.get("span"), examples.get("version")) == (4, 2)
    assert examples.custom_properties["span"] == 4
    assert examples.get("num_rows_train") + examples.get("num_rows_eval") == 60
    assert input_fingerprint(ExampleGenParams(pattern, span=4)).startswith("span=4;version=2;")
    assert input_fingerprint(ExampleGenParams(pattern)) != input_fingerprint(
        ExampleGenParams(pattern, span=4))


def test_a_span_ingested_before_with_the_same_content_is_a_cache_hit(tmp_path):
    from components.example_gen.component import ExampleGen
    from pipeline.dsl import Pipeline
    from pipeline.runner.local import LocalRunner

    data = tmp_path / "data"
    pattern = str(data / "span-{SPAN}" / "*.csv")

    def ingest(span=None) -> tuple[str, int]:
        gen = ExampleGen(pattern, span=span)
        result = LocalRunner().run(Pipeline("spans", str(tmp_path / "root"), [gen]))
        [component] = result.components
        return component.status, component.outputs["examples"].get("span")

    _span(data, "span-1")
    _span(data, "span-2", ROWS[60:140])
    assert ingest() == ("ran", 2)
    assert ingest() == ("cached", 2)
    _span(data, "span-3", ROWS[140:220])
    assert ingest() == ("ran", 3)
    assert ingest(span=2) == ("cached", 2)
    assert ingest(span=1) == ("ran", 1)


def test_a_span_with_another_schema_names_its_file_and_the_missing_column(tmp_path):
    data = tmp_path / "data"
    _span(data, "span-1")
    renamed = ["weight_g" if c == "body_mass_g" else c for c in HEADER]
    write_csv(data / "span-2" / "part.csv", renamed, ROWS[:60])
    examples = Examples(uri=out_dir(tmp_path, "examples"))
    types = {"species": "string", "body_mass_g": "int"}
    with pytest.raises(ComponentError, match=r"span-2/part.csv.*'body_mass_g' is missing"):
        execute(ExampleGenInputs(), ExampleGenOutputs(examples),
                ExampleGenParams(str(data / "span-{SPAN}" / "*.csv"), column_types=types),
                context(tmp_path))
