"""model_analysis: how TFMA's components read examples."""
from __future__ import annotations

import apache_beam as beam
import pyarrow as pa
import pytest
import tensorflow_model_analysis as tfma
from tensorflow_model_analysis.evaluators import metrics_plots_and_validations_evaluator

from components.common import model_analysis
from pipeline.dsl import ComponentError, ExecutionContext
from tests.support.numbered_examples import batch_sizes, write_numbered_examples

ROWS = 20_000


def test_tfma_reads_batches_of_1024_rows_not_the_byte_sized_ones(tmp_path):
    """The other components read batches of up to 8,192 rows; TFMA holds a batch's
    per-example extracts, so it reads smaller ones."""
    (tmp_path / "Split-eval").mkdir()
    write_numbered_examples(str(tmp_path / "Split-eval" / "data.gz"), ROWS)
    sizes = batch_sizes(model_analysis.read_examples(str(tmp_path), ("eval",)), tmp_path)
    assert sum(sizes) == ROWS
    assert max(sizes) == model_analysis.ANALYSIS_BATCH_SIZE == 1024


@pytest.mark.parametrize("beam_args, expected", [
    ((), True),
    (("--direct_running_mode=multi_threading",), True),
    (("--direct_running_mode=multi_processing", "--direct_num_workers=2"), False),
    (("--direct_running_mode=multi_threading", "--direct_num_workers=2"), False),
    (("--runner=FlinkRunner", "--flink_master=localhost:8081"), False),
])
def test_one_worker_is_read_from_the_beam_options(tmp_path, beam_args, expected):
    options = ExecutionContext("p", "r", "c", str(tmp_path), beam_args).beam_pipeline().options
    assert model_analysis.one_worker(options) is expected


def _evaluate_without_a_model(tmp_path, beam_args: tuple[str, ...]) -> tuple[list[str], dict]:
    """TFMA on labels and predictions given as features: the fanout transforms it
    built, and the metrics per slice it wrote."""
    config = tfma.EvalConfig(
        model_specs=[tfma.ModelSpec(label_key="label", prediction_key="prediction")],
        slicing_specs=[tfma.SlicingSpec(), tfma.SlicingSpec(feature_keys=["group"])],
        metrics_specs=[tfma.MetricsSpec(metrics=[tfma.MetricConfig(class_name="ExampleCount"),
                                                 tfma.MetricConfig(class_name="MeanSquaredError")])])
    batches = [pa.RecordBatch.from_pydict({
        "label": [[float(i % 2)] for i in range(start, start + 100)],
        "prediction": [[i / 300] for i in range(start, start + 100)],
        "group": [[b"ab"[i % 2:i % 2 + 1]] for i in range(start, start + 100)]})
        for start in (0, 100, 200)]
    output = str(tmp_path / "-".join(beam_args or ("default",)))
    pipeline = ExecutionContext("p", "r", "c", str(tmp_path / "tmp"), beam_args).beam_pipeline()
    model_analysis.evaluate(pipeline, beam.Create(batches), None, config, output)
    transforms = pipeline.to_runner_api().components.transforms.values()
    fanout = [t.unique_name for t in transforms if t.unique_name.endswith("SplitHotCold)")]
    pipeline.run().wait_until_finish()
    return fanout, model_analysis.slice_metrics(output, "")


def test_one_worker_combines_slices_without_beams_hot_key_fanout_to_the_same_metrics(
        tmp_path, monkeypatch):
    constant = metrics_plots_and_validations_evaluator._COMBINE_PER_SLICE_KEY_HOT_KEY_FANOUT
    fanout, metrics = _evaluate_without_a_model(tmp_path / "one", ())
    assert fanout == []
    assert metrics_plots_and_validations_evaluator._COMBINE_PER_SLICE_KEY_HOT_KEY_FANOUT == constant
    monkeypatch.setattr(model_analysis, "one_worker", lambda options: False)
    fanout, with_fanout = _evaluate_without_a_model(tmp_path / "several", ())
    assert fanout and all("CombineMetricsPerSlice" in name for name in fanout)
    assert metrics.keys() == with_fanout.keys() == {"Overall", "group=a", "group=b"}
    for name, values in metrics.items():
        assert values == pytest.approx(with_fanout[name], rel=1e-9)
    assert metrics["Overall"] == pytest.approx(
        {"example_count": 300, "mean_squared_error": 0.3316685185185185}, rel=1e-9)


def test_the_direct_runners_threads_are_refused_naming_the_options(tmp_path):
    """They give wrong metrics now and then (see _check_threads); the evaluation
    is refused before anything runs."""
    beam_args = ("--direct_running_mode=multi_threading", "--direct_num_workers=2")
    with pytest.raises(ComponentError, match="multi_threading.*--direct_num_workers=2.*"
                                             "multi_processing"):
        _evaluate_without_a_model(tmp_path, beam_args)
    assert not (tmp_path / "-".join(beam_args)).exists()
