"""RetrainTrigger executor: the decision, its reasons and evidence."""
from __future__ import annotations

import json

from components.retrain_trigger.component import (RetrainPolicy, RetrainTriggerInputs,
                                                  RetrainTriggerOutputs, RetrainTriggerParams)
from pipeline import fs
from pipeline.dsl import ExampleAnomalies, ExecutionContext, ExecutorOutcome

DECISION_FILE = "decision.json"


def _drift_evidence(drift: ExampleAnomalies | None) -> dict[str, object]:
    if drift is None:
        return {}
    distances = json.loads(str(drift.get("drift_distances") or "{}"))
    return {"drifted_features": {name: m for name, m in distances.items() if m["drifted"]},
            "num_examples_drift": str(drift.get("num_examples_drift") or ""),
            "largest": max(distances.items(), key=lambda i: i[1]["distance"], default=(None,))[0]}


def decide(inputs: RetrainTriggerInputs, policy: RetrainPolicy) -> tuple[bool, list[str], dict]:
    """(retrain?, reasons, evidence) under the policy."""
    evidence = _drift_evidence(inputs.drift)
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
    if reasons:
        return True, reasons, evidence
    if inputs.drift is None:
        return False, ["no trigger: no drift report to decide on"], evidence
    return False, ["no trigger: no feature drifted beyond its threshold"], evidence


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
