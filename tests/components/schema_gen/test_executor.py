"""SchemaGen: inference from the train split only, and curated schema import."""
from __future__ import annotations

import os

import pandas as pd
import pytest
import tensorflow_data_validation as tfdv

from components.schema_gen.component import SchemaGenInputs, SchemaGenOutputs, SchemaGenParams
from components.schema_gen.executor import execute
from pipeline.dsl import ComponentError, ExampleStatistics, Schema
from tests.conftest import context, out_dir


def write_split_stats(tmp_path, frames: dict[str, pd.DataFrame]) -> ExampleStatistics:
    """Statistics of in-memory data, written in StatisticsGen's layout."""
    statistics = ExampleStatistics(uri=out_dir(tmp_path, "stats"))
    for split, frame in frames.items():
        os.makedirs(os.path.dirname(statistics.statistics_file(split)), exist_ok=True)
        with open(statistics.statistics_file(split), "wb") as handle:
            handle.write(tfdv.generate_statistics_from_dataframe(frame).SerializeToString())
    statistics.split_names = list(frames)
    return statistics


TRAIN = pd.DataFrame({"island": ["Biscoe", "Dream"] * 20, "mass": [3500.0, 4000.0] * 20})
EVAL = pd.DataFrame({"island": ["Atlantis"] * 10, "mass": [3700.0] * 10})


def _infer(tmp_path, statistics, **params) -> Schema:
    schema = Schema(uri=out_dir(tmp_path, "schema"))
    execute(SchemaGenInputs(statistics), SchemaGenOutputs(schema), SchemaGenParams(**params),
            context(tmp_path))
    return schema


def test_inferred_schema_never_sees_the_eval_split(tmp_path):
    statistics = write_split_stats(tmp_path, {"train": TRAIN, "eval": EVAL})
    schema = tfdv.load_schema_text(_infer(tmp_path, statistics).schema_file)
    island = tfdv.get_domain(schema, "island")
    assert sorted(island.value) == ["Biscoe", "Dream"]


def test_curated_schema_is_imported_with_its_hash(penguin_artifacts):
    schema = penguin_artifacts["schema"]
    loaded = tfdv.load_schema_text(schema.schema_file)
    assert {f.name for f in loaded.feature} >= {"species", "island", "body_mass_g"}
    assert len(str(schema.get("source_sha256"))) == 64


def test_invalid_curated_schema_names_the_file(tmp_path):
    bad = tmp_path / "bad.pbtxt"
    bad.write_text("feature { name: 'x' type: NOPE }")
    statistics = write_split_stats(tmp_path, {"train": TRAIN})
    with pytest.raises(ComponentError, match="bad.pbtxt: not a valid"):
        _infer(tmp_path, statistics, schema_file=str(bad))
