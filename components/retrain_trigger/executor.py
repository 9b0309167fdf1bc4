"""RetrainTrigger executor: the decision, its reasons and evidence."""
from __future__ import annotations

import json

from components.retrain_trigger.component import (RetrainPolicy, RetrainTriggerInputs,
                                                  RetrainTriggerOutputs, RetrainTriggerParams)
from pipeline import fs
from pipeline.dsl import DecayReport, ExampleAnomalies, ExecutionContext, ExecutorOutcome

DECISION_FILE = "decision.json"


def _drift_evidence(drift: ExampleAnomalies | None) -> dict[str, object]:
    if drift is None:
        return {}
    distances = json.loads(str(drift.get("drift_distances") or "{}"))
    return {"drifted_features": {name: m for name, m in distances.items() if m["drifted"]},
            "num_examples_drift": str(drift.get("num_examples_drift") or ""),
            "largest": max(distances.items(), key=lambda i: i[1]["distance"], default=(None,))[0]}


def _decay_evidence(decay: DecayReport | None) -> dict[str, object]:
    if decay is None or decay.get("value_at_blessing") is None:
        return {}
    return {"decay": {name: decay.get(name) for name in (
        "metric", "value", "value_at_blessing", "decrease", "max_decrease", "decayed", "span")}}


def _decay_reason(evidence: dict) -> list[str]:
    decay = evidence.get("decay")
    if not decay or not decay["decayed"]:
        return []
    return [f"decay: {decay['metric']} fell {decay['decrease']:.3f} > {decay['max_decrease']} "
            f"({decay['value_at_blessing']:.3f} at blessing, {decay['value']:.3f} on span "
            f"{decay['span']})"]


def _skew_evidence(skew: ExampleAnomalies | None) -> dict[str, object]:
    if skew is None:
        return {}
    distances = json.loads(str(skew.get("skew_distances") or "{}"))
    return {"skew": {"skewed_features": {n: m for n, m in distances.items() if m["skewed"]},
                     "serving_data": skew.get("serving_data"), "report_id": skew.id}}


def _skew_reasons(evidence: dict) -> list[str]:
    skewed = evidence.get("skew", {}).get("skewed_features", {})
    return [f"skew: {name} {m['distance']:.3f} > {m['threshold']} in serving requests"
            for name, m in sorted(skewed.items())]


def decide(inputs: RetrainTriggerInputs, policy: RetrainPolicy) -> tuple[bool, list[str], dict]:
    """(retrain?, reasons, evidence) under the policy."""
    evidence = {**_drift_evidence(inputs.drift), **_decay_evidence(inputs.decay),
                **_skew_evidence(inputs.skew)}
    if policy is RetrainPolicy.NEVER:
        return False, ["policy 'never': monitoring only"], evidence
    if policy is RetrainPolicy.ALWAYS:
        return True, ["policy 'always': every new span retrains"], evidence
    if inputs.serving_model is None:
        return True, ["no model is serving yet"], evidence
    reasons = [f"drift: {name} {m['distance']:.3f} > {m['threshold']}"
               for name, m in sorted(evidence.get("drifted_features", {}).items())]
    if evidence.get("num_examples_drift"):
        reasons.append(f"drift: {evidence['num_examples_drift']}")
    reasons += _decay_reason(evidence) + _skew_reasons(evidence)
    if reasons:
        return True, reasons, evidence
    if inputs.drift is None and inputs.decay is None:
        return False, ["no trigger: no drift or decay report to decide on"], evidence
    checked = [what for what, report in (("no feature drifted beyond its threshold", inputs.drift),
                                          ("the serving model did not decay", inputs.decay),
                                          ("its serving requests do not skew", inputs.skew))
               if report is not None]
    return False, ["no trigger: " + ", ".join(checked)], evidence


def execute(inputs: RetrainTriggerInputs, outputs: RetrainTriggerOutputs,
            params: RetrainTriggerParams, context: ExecutionContext) -> ExecutorOutcome:
    retrain, reasons, evidence = decide(inputs, params.policy)
    decision = outputs.decision
    decision.set("retrain", int(retrain))
    decision.set("policy", params.policy.value)
    decision.set("reasons", "; ".join(reasons))
    decision.set("evidence", json.dumps(evidence, sort_keys=True))
    fs.write_text(fs.join(decision.uri, DECISION_FILE), json.dumps(
        {"retrain": retrain, "policy": params.policy.value, "reasons": reasons,
         "evidence": evidence}, indent=2, sort_keys=True))
    if retrain:
        return ExecutorOutcome(summary="retrain: " + "; ".join(reasons))
    return ExecutorOutcome(summary="no retraining",
                           end_reason="no retraining: " + "; ".join(reasons))
