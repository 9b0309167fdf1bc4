"""StatisticsGen: TFDV statistics per split, in TFX's layout."""
from __future__ import annotations

import tensorflow_data_validation as tfdv



def test_statistics_per_split_count_every_row(penguin_artifacts):
    examples, statistics = penguin_artifacts["examples"], penguin_artifacts["statistics"]
    assert statistics.split_names == ["train", "eval"]
    for split in ("train", "eval"):
        stats = tfdv.load_stats_binary(statistics.statistics_file(split))
        [dataset] = stats.datasets
        assert dataset.num_examples == examples.get(f"num_rows_{split}")
        names = {f.path.step[0] for f in dataset.features}
        assert {"species", "island", "bill_length_mm", "sex"} <= names
        bill = next(f for f in dataset.features if f.path.step[0] == "bill_length_mm")
        assert bill.num_stats.common_stats.num_missing >= 0


def test_statistics_equal_tfdvs_own_reading(penguin_artifacts, tmp_path):
    """The executor reads with tf.data and decodes with ExampleGen's declared kinds;
    TFDV's usual source is tfx-bsl's TFExampleRecord."""
    from tfx_bsl.public import tfxio

    from components.common import splits
    from components.common.scalar_examples import declared_kinds
    from components.statistics_gen.component import StatisticsGenParams
    from tests.conftest import context

    examples, statistics = penguin_artifacts["examples"], penguin_artifacts["statistics"]
    assert declared_kinds(examples) is not None  # the fast decoder made `statistics`
    for split in ("train", "eval"):
        expected_file = str(tmp_path / f"{split}.pb")
        source = tfxio.TFExampleRecord(file_pattern=splits.record_pattern(examples.uri, split))
        with context(tmp_path).beam_pipeline() as pipeline:
            _ = (pipeline | source.BeamSource()
                 | tfdv.GenerateStatistics(tfdv.StatsOptions(
                     num_top_values=StatisticsGenParams().num_top_values))
                 | tfdv.WriteStatisticsToBinaryFile(expected_file))
        assert (tfdv.load_stats_binary(statistics.statistics_file(split))
                == tfdv.load_stats_binary(expected_file))


def test_undeclared_examples_are_decoded_by_tfx_bsl_to_the_same_statistics(
        penguin_artifacts, tmp_path):
    """Examples that do not declare their kinds (written elsewhere, or before the
    declaration existed) are read with tfx-bsl's decoder."""
    from components.common.scalar_examples import FEATURE_KINDS_PROPERTY
    from components.statistics_gen.component import (StatisticsGenInputs, StatisticsGenOutputs,
                                                     StatisticsGenParams)
    from components.statistics_gen.executor import execute
    from pipeline.dsl import Examples, ExampleStatistics
    from tests.conftest import context

    declared, statistics = penguin_artifacts["examples"], penguin_artifacts["statistics"]
    undeclared = Examples(uri=declared.uri)
    undeclared.split_names = declared.split_names
    undeclared.custom_properties.update(
        {k: v for k, v in declared.custom_properties.items() if k != FEATURE_KINDS_PROPERTY})
    again = ExampleStatistics(uri=str(tmp_path / "statistics"))
    execute(StatisticsGenInputs(undeclared), StatisticsGenOutputs(again), StatisticsGenParams(),
            context(tmp_path))
    for split in ("train", "eval"):
        assert (tfdv.load_stats_binary(again.statistics_file(split))
                == tfdv.load_stats_binary(statistics.statistics_file(split)))
