"""DecayValidator on the model a real penguin run pushed (found by the resolvers,
as the runner finds it): no decay on the data it was trained on, decay on the
same birds with two species' labels swapped, and nothing to measure before a
first push."""
from __future__ import annotations

import json

import pytest

from components.decay_validator.component import (DecayValidator, DecayValidatorInputs,
                                                  DecayValidatorOutputs, DecayValidatorParams)
from components.decay_validator.executor import DECAY_FILE, execute
from components.example_gen.component import ExampleGenInputs, ExampleGenOutputs, ExampleGenParams
from components.example_gen.executor import execute as example_gen
from pipeline.dsl import DecayReport, Examples
from pipeline.examples.penguin import pipeline as penguin
from pipeline.metadata import resolvers
from tests.conftest import context, out_dir
from tests.support import penguin_spans


@pytest.fixture(scope="module")
def serving(penguin_runs):
    store = penguin_runs.store()
    return (resolvers.serving_model_source(store, "penguin"),
            resolvers.serving_model_evaluation(store, "penguin"))


def _examples(tmp_path, rows) -> Examples:
    path = penguin_spans.write_span(tmp_path / "data", 1, rows)
    examples = Examples(uri=out_dir(tmp_path, "examples"))
    example_gen(ExampleGenInputs(), ExampleGenOutputs(examples),
                ExampleGenParams(path, column_types=penguin.COLUMN_TYPES), context(tmp_path))
    return examples


def _check(tmp_path, examples, model, evaluation, **params) -> tuple[DecayReport, str]:
    report = DecayReport(uri=out_dir(tmp_path, "decay"))
    outcome = execute(DecayValidatorInputs(examples, model, evaluation),
                      DecayValidatorOutputs(report),
                      DecayValidatorParams(penguin.LABEL_KEY, **params), context(tmp_path))
    return report, outcome.summary


def test_no_decay_on_data_like_the_training_data(tmp_path, serving, penguin_artifacts):
    report, summary = _check(tmp_path, penguin_artifacts["examples"], *serving)
    assert report.get("decayed") == 0 and report.get("metric") == "sparse_categorical_accuracy"
    assert report.get("value_at_blessing") >= 0.9 and report.get("decrease") <= 0.05
    assert report.get("num_examples") == 344  # train and eval: the whole span
    assert summary.startswith("no decay: sparse_categorical_accuracy change")
    assert json.loads((tmp_path / "decay" / DECAY_FILE).read_text())["decayed"] == 0


def test_swapped_labels_decay_with_the_figures_named(tmp_path, serving):
    report, summary = _check(tmp_path, _examples(tmp_path, penguin_spans.relabelled()), *serving)
    before, now = report.get("value_at_blessing"), report.get("value")
    assert report.get("decayed") == 1 and now < 0.5
    assert report.get("decrease") == pytest.approx(before - now)
    assert summary == (f"decay: sparse_categorical_accuracy fell {before - now:.4f} > 0.05 "
                       f"({before:.4f} at blessing, {now:.4f} on span 0)")  # a plain path: span 0


def test_a_bound_wide_enough_tolerates_the_same_drop(tmp_path, serving):
    report, _ = _check(tmp_path, _examples(tmp_path, penguin_spans.relabelled()), *serving,
                       max_decrease=0.99)
    assert report.get("decayed") == 0 and report.get("decrease") > 0.4


def test_nothing_is_measured_before_a_first_push(tmp_path, penguin_artifacts):
    report, summary = _check(tmp_path, penguin_artifacts["examples"], None, None)
    assert report.get("decayed") == 0 and report.get("value") is None
    assert summary == "no model is serving yet: nothing to decay"


def test_without_its_blessing_evaluation_the_value_is_recorded_but_not_judged(tmp_path, serving,
                                                                               penguin_artifacts):
    report, summary = _check(tmp_path, penguin_artifacts["examples"], serving[0], None)
    assert report.get("decayed") == 0 and report.get("value") >= 0.9
    assert "no value at blessing to compare with" in summary


def test_bad_settings_are_refused_with_the_value():
    with pytest.raises(ValueError, match="max_decrease must be >= 0, got -0.1"):
        DecayValidator(None, label_key="species_xf", max_decrease=-0.1)
    with pytest.raises(ValueError, match=r"split_names must name at least one split, got \(\)"):
        DecayValidatorParams("species_xf", split_names=())
