"""RetrainTrigger's decision under each policy, from a drift report, a decay report
and whether a model is serving; the run ends (COMPLETE) when there is no reason to retrain."""
from __future__ import annotations

import json

import pytest

from components.retrain_trigger.component import (RetrainDecision, RetrainPolicy, RetrainTrigger,
                                                  RetrainTriggerInputs, RetrainTriggerOutputs,
                                                  RetrainTriggerParams, policy_named)
from components.retrain_trigger.executor import execute
from pipeline.dsl import DecayReport, ExampleAnomalies, PushedModel
from tests.conftest import context, out_dir

DISTANCES = {"island": {"measure": "L-infinity", "distance": 0.52, "threshold": 0.3,
                        "drifted": True},
             "sex": {"measure": "L-infinity", "distance": 0.02, "threshold": 0.3,
                     "drifted": False}}


def _drift(drifted: bool) -> ExampleAnomalies:
    report = ExampleAnomalies(uri="/unused")
    distances = DISTANCES if drifted else {"sex": DISTANCES["sex"]}
    report.set("drift_distances", json.dumps(distances))
    report.set("drifted", int(drifted))
    return report


def _decide(tmp_path, policy, drift=None, serving=True):
    decision = RetrainDecision(uri=out_dir(tmp_path, "decision"))
    served = PushedModel(uri="/served") if serving else None
    inputs = RetrainTriggerInputs(drift, serving_model=served)
    outcome = execute(inputs, RetrainTriggerOutputs(decision), RetrainTriggerParams(policy),
                      context(tmp_path))
    return decision, outcome


def test_on_drift_retrains_on_drift_naming_the_features(tmp_path):
    decision, outcome = _decide(tmp_path, RetrainPolicy.ON_DRIFT_OR_DECAY, _drift(True))
    assert decision.get("retrain") == 1 and outcome.end_reason is None
    assert decision.get("reasons") == "drift: island 0.520 > 0.3"
    assert list(json.loads(decision.get("evidence"))["drifted_features"]) == ["island"]


def test_without_drift_the_run_ends_complete_and_says_why(tmp_path):
    decision, outcome = _decide(tmp_path, RetrainPolicy.ON_DRIFT_OR_DECAY, _drift(False))
    assert decision.get("retrain") == 0
    assert outcome.end_reason == "no retraining: no trigger: no feature drifted beyond its threshold"
    assert outcome.halt_reason is None  # not a failure


def test_the_first_model_is_always_trained(tmp_path):
    decision, _ = _decide(tmp_path, RetrainPolicy.ON_DRIFT_OR_DECAY, _drift(False), serving=False)
    assert decision.get("retrain") == 1 and decision.get("reasons") == "no model is serving yet"


@pytest.mark.parametrize("policy, retrain", [(RetrainPolicy.ALWAYS, 1), (RetrainPolicy.NEVER, 0)])
def test_always_and_never_ignore_the_evidence_but_record_it(tmp_path, policy, retrain):
    decision, _ = _decide(tmp_path, policy, _drift(retrain == 0))
    assert decision.get("retrain") == retrain and decision.get("policy") == policy.value
    assert "drifted_features" in json.loads(decision.get("evidence"))


def test_an_unknown_policy_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="retrain='sometimes': expected one of 'always', "
                                         "'on_drift_or_decay', 'never'"):
        policy_named("sometimes")
    assert RetrainTrigger(None, policy="never").params.policy is RetrainPolicy.NEVER


def _decay(decayed: bool) -> DecayReport:
    report = DecayReport(uri="/unused")
    for name, value in {"metric": "sparse_categorical_accuracy", "value": 0.2 if decayed else 0.97,
                        "value_at_blessing": 0.98, "decrease": 0.78 if decayed else 0.01,
                        "max_decrease": 0.05, "decayed": int(decayed), "span": 4}.items():
        report.set(name, value)
    return report


def test_decay_retrains_with_its_figures(tmp_path):
    decision = RetrainDecision(uri=out_dir(tmp_path, "decision"))
    inputs = RetrainTriggerInputs(_drift(False), _decay(True),
                                  serving_model=PushedModel(uri="/served"))
    outcome = execute(inputs, RetrainTriggerOutputs(decision),
                      RetrainTriggerParams(RetrainPolicy.ON_DRIFT_OR_DECAY), context(tmp_path))
    assert decision.get("retrain") == 1 and outcome.end_reason is None
    assert decision.get("reasons") == ("decay: sparse_categorical_accuracy fell 0.780 > 0.05 "
                                       "(0.980 at blessing, 0.200 on span 4)")
    assert json.loads(decision.get("evidence"))["decay"]["decrease"] == 0.78


def test_neither_drift_nor_decay_ends_the_run_naming_both_checks(tmp_path):
    decision = RetrainDecision(uri=out_dir(tmp_path, "decision"))
    inputs = RetrainTriggerInputs(_drift(False), _decay(False),
                                  serving_model=PushedModel(uri="/served"))
    outcome = execute(inputs, RetrainTriggerOutputs(decision),
                      RetrainTriggerParams(RetrainPolicy.ON_DRIFT_OR_DECAY), context(tmp_path))
    assert outcome.end_reason == ("no retraining: no trigger: no feature drifted beyond its "
                                  "threshold, the serving model did not decay")


def test_a_skew_report_on_the_serving_model_retrains_naming_the_features(tmp_path):
    skew = ExampleAnomalies(uri="/unused", id=7)
    skew.set("skew_distances", json.dumps({name: {**m, "skewed": m.pop("drifted")} for name, m in
                                           json.loads(json.dumps(DISTANCES)).items()}))
    skew.set("serving_data", "/logs/requests")
    decision = RetrainDecision(uri=out_dir(tmp_path, "decision"))
    inputs = RetrainTriggerInputs(_drift(False), _decay(False), skew, PushedModel(uri="/served"))
    execute(inputs, RetrainTriggerOutputs(decision),
            RetrainTriggerParams(RetrainPolicy.ON_DRIFT_OR_DECAY), context(tmp_path))
    assert decision.get("reasons") == "skew: island 0.520 > 0.3 in serving requests"
    assert json.loads(decision.get("evidence"))["skew"]["report_id"] == 7
