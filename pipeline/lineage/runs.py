"""What each run of a pipeline did, as `mlpipe runs` lists it: status, the span it
ingested, the drift and decay it measured, the serving skew it saw, whether it
retrained and why, and what it pushed."""
from __future__ import annotations

import json
import time

from ml_metadata.proto import metadata_store_pb2 as pb

from pipeline.metadata.records import RunRecord
from pipeline.metadata.store import MetadataStore


def _outputs(store: MetadataStore, run_id: str, type_name: str) -> list:
    """Output artifacts of the run's executions of one type (ran or reused)."""
    executions = [e.id for e in store.executions(run_id) if e.type_name == type_name]
    ids = [e.artifact_id for e in store.events(executions) if e.type == pb.Event.OUTPUT]
    return [store.artifact(i) for i in ids]


def _drift(store: MetadataStore, run_id: str) -> dict | None:
    reports = _outputs(store, run_id, "DriftValidator")
    if not reports:
        return None
    report = reports[0]
    features = str(report.get("drifted_features") or "")
    return {"drifted": bool(report.get("drifted")),
            "features": [f for f in features.split(",") if f],
            "distances": json.loads(str(report.get("drift_distances") or "{}")),
            "baseline_span": report.get("baseline_span")}


def _decay(store: MetadataStore, run_id: str) -> dict | None:
    reports = _outputs(store, run_id, "DecayValidator")
    if not reports:
        return None
    report = reports[0]
    return {"decayed": bool(report.get("decayed")), "metric": report.get("metric"),
            "value": report.get("value"), "value_at_blessing": report.get("value_at_blessing"),
            "decrease": report.get("decrease"), "max_decrease": report.get("max_decrease"),
            "summary": str(report.get("summary") or "")}


def _skew(store: MetadataStore, run_id: str) -> dict | None:
    """The `mlpipe skew` report the run's retraining decision saw, if any."""
    executions = [e.id for e in store.executions(run_id) if e.type_name == "RetrainTrigger"]
    reports = [store.artifact(e.artifact_id) for e in store.events(executions)
               if e.type == pb.Event.INPUT and e.path.steps[0].key == "skew"]
    if not reports:
        return None
    features = str(reports[0].get("skewed_features") or "")
    return {"skewed": bool(reports[0].get("skewed")), "report_id": reports[0].id,
            "features": [f for f in features.split(",") if f],
            "serving_data": reports[0].get("serving_data")}


def _trigger(store: MetadataStore, run_id: str) -> dict | None:
    decisions = _outputs(store, run_id, "RetrainTrigger")
    if not decisions:
        return None
    decision = decisions[0]
    return {"retrain": bool(decision.get("retrain")), "policy": decision.get("policy"),
            "reasons": str(decision.get("reasons") or "")}


def describe_run(store: MetadataStore, run: RunRecord) -> dict:
    """One run as plain data (what `mlpipe runs --json` prints)."""
    examples = _outputs(store, run.run_id, "ExampleGen")
    pushed = run.properties.get("pushed_version")
    return {"run_id": run.run_id, "pipeline": run.pipeline_name,
            "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(run.started)),
            "status": run.status, "message": run.properties.get("message", ""),
            "span": examples[0].get("span") if examples else None,
            "drift": _drift(store, run.run_id),
            "decay": _decay(store, run.run_id),
            "skew": _skew(store, run.run_id),
            "trigger": _trigger(store, run.run_id),
            "pushed_version": str(pushed) if pushed is not None else None,
            "serving_version": run.properties.get("serving_version")}


def drift_words(drift: dict | None) -> str:
    """The drift column: '-', 'none', or the drifted features."""
    if drift is None:
        return "-"
    if drift["baseline_span"] is None and not drift["distances"]:
        return "no baseline"
    return ",".join(drift["features"]) if drift["drifted"] else "none"


def decay_words(decay: dict | None) -> str:
    """The decay column: '-' (not measured or nothing to compare), 'none', or the
    metric's change since blessing ("-0.797")."""
    if decay is None or decay["decrease"] is None:
        return "-"
    return f"{0.0 - decay['decrease']:+.3f}" if decay["decayed"] else "none"


def trigger_words(trigger: dict | None) -> str:
    """The retrain column: '-' (no trigger in the pipeline), 'yes' or 'no'."""
    if trigger is None:
        return "-"
    return "yes" if trigger["retrain"] else "no"
