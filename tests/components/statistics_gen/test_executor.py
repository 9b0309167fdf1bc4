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
    """The executor reads with tf.data; TFDV's usual source is tfx-bsl's TFExampleRecord."""
    from tfx_bsl.public import tfxio

    from components.common import splits
    from components.statistics_gen.component import StatisticsGenParams
    from tests.conftest import context

    examples, statistics = penguin_artifacts["examples"], penguin_artifacts["statistics"]
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
