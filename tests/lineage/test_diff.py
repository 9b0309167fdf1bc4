"""Diffing two real penguin runs: 400 training steps against 50."""
from __future__ import annotations

import json

import pytest

from pipeline.lineage import LineageError
from pipeline.lineage.diff import diff_runs, diff_text
from tests.lineage.conftest import CACHED_IN_SECOND_RUN, SECOND_RUN_TRAIN_STEPS

pytestmark = pytest.mark.slow


def _by_name(changes) -> dict:
    return {c.name: c for c in changes}


def test_diff_shows_the_changed_parameter_and_nothing_else_changed(penguin_runs):
    diff = diff_runs(penguin_runs.store(), penguin_runs.first.run_id, penguin_runs.second.run_id)
    changed = [c for c in diff.parameters if c.changed]
    assert [(c.name, c.a, c.b) for c in changed] == [("Trainer.train_steps", 400, SECOND_RUN_TRAIN_STEPS)]
    params = _by_name(diff.parameters)
    assert params["Trainer.hyperparameters.hidden_units"].a == 8 and not params[
        "Trainer.hyperparameters.hidden_units"].changed
    assert params["Evaluator.thresholds[0].lower_bound"].a == 0.9
    assert [c.name for c in diff.data] == ["ExampleGen.examples.input_fingerprint"]
    assert not any(c.changed for c in diff.data + diff.code)
    assert {c.name for c in diff.code} == {"Transform.module_sha256", "Trainer.module_sha256"}
    assert {c.name: (c.a, c.b) for c in diff.components} == {
        **{c: ("ran", "cached") for c in CACHED_IN_SECOND_RUN},
        **{c: ("ran", "ran") for c in ("Trainer", "Evaluator", "Pusher")}}
    outputs = {c.name: c for c in diff.artifacts}
    assert not outputs["Transform.transform_graph"].changed and outputs["Trainer.model"].changed
    assert (diff.status.a, diff.status.b) == ("COMPLETE", "COMPLETE")


LOSS = "sparse_categorical_crossentropy"  # the penguin pipeline's loss metric


def test_diff_shows_metric_deltas_and_outcomes(penguin_runs):
    first, second = penguin_runs.first, penguin_runs.second
    diff = diff_runs(penguin_runs.store(), first.run_id, second.run_id)
    metrics = _by_name(diff.metrics)
    for name in (LOSS, "sparse_categorical_accuracy"):
        a = first.output("Evaluator", "evaluation").get(f"metric:{name}")
        b = second.output("Evaluator", "evaluation").get(f"metric:{name}")
        # ML Metadata on SQLite keeps doubles to 6 decimal places
        assert (metrics[name].a, metrics[name].b) == (pytest.approx(a, abs=1e-6), pytest.approx(b, abs=1e-6))
        assert metrics[name].delta == pytest.approx(metrics[name].b - metrics[name].a)
        assert metrics[name].delta == pytest.approx(b - a, abs=2e-6)
    assert metrics[LOSS].changed  # 50 steps instead of 400 cannot land on the same loss
    assert diff.blessing.a["blessed"] is True
    assert diff.blessing.b["blessed"] == bool(second.find_output("ModelBlessing").get("blessed"))
    assert diff.pushed.a["version"] == first.find_output("PushedModel").get("pushed_version")
    assert diff.pushed.b["pushed"] == bool(second.find_output("PushedModel").get("pushed"))
    text = diff_text(diff)
    assert f"* Trainer.train_steps  400  ->  {SECOND_RUN_TRAIN_STEPS}" in text
    assert "* ExampleGen        ran  ->  cached" in text
    delta = metrics[LOSS].delta
    assert f"({delta:+.4f})" in text
    assert f"pushed version {first.find_output('PushedModel').get('pushed_version')}" in text
    assert json.loads(json.dumps(diff.to_dict()))["metrics"]


def test_a_run_against_itself_has_no_changes(penguin_runs):
    run_id = penguin_runs.first.run_id
    diff = diff_runs(penguin_runs.store(), run_id, run_id)
    everything = diff.components + diff.data + diff.parameters + diff.code + diff.metrics
    assert everything and not any(c.changed for c in everything)


def test_unknown_run_is_a_clear_error(penguin_runs):
    with pytest.raises(LineageError, match=r"no run 'penguin-nope'.*mlpipe runs"):
        diff_runs(penguin_runs.store(), penguin_runs.first.run_id, "penguin-nope")
