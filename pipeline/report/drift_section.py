"""The drift section: how far the run's span moved from the serving model's data,
per feature, how the serving model did on it, the serving skew the run's
decision saw, and whether the run retrained."""
from __future__ import annotations

import json

from pipeline.report.gather import RunView
from pipeline.report.markup import badge, esc, note, number, table


def _distance_rows(distances: dict[str, dict], verdict: str = "drifted") -> list[list[str]]:
    ordered = sorted(distances.items(), key=lambda item: -item[1]["distance"])
    return [[esc(name), esc(m["measure"]), number(m["distance"], 3), number(m["threshold"], 3),
             badge(verdict, "bad") if m[verdict] else badge("ok", "ok")]
            for name, m in ordered]


def _skew(view: RunView) -> str:
    """The `mlpipe skew` report the run's retraining decision saw, if any."""
    report = next((e.inputs["skew"] for e in view.executions if "skew" in e.inputs
                   and e.inputs["skew"].get("skew_distances") is not None), None)
    if report is None:
        return ""
    distances = json.loads(str(report.get("skew_distances")))
    anomalies = str(report.get("schema_anomalies") or "")
    return (f"<h3>Serving skew: {esc(report.get('num_requests'))} requests of "
            f"<code>{esc(report.get('serving_data'))}</code> against the serving model's "
            f"training data (version {esc(report.get('serving_version'))})</h3>"
            + table(["feature", "measure", "distance", "threshold", ""],
                    _distance_rows(distances, "skewed"), numeric=(2, 3))
            + "".join(f"<p>{badge('schema', 'bad')} {esc(line)}</p>"
                      for line in anomalies.splitlines()))


def _decision(view: RunView) -> str:
    found = view.last_output("RetrainDecision")
    if found is None:
        return ""
    _, decision = found
    verdict = badge("retrain", "bad") if decision.get("retrain") else badge("no retraining", "ok")
    return (f"<p>Decision ({esc(decision.get('policy'))}): {verdict} "
            f"{esc(decision.get('reasons'))}</p>")


def _decay(view: RunView) -> str:
    found = view.last_output("DecayReport")
    if found is None:
        return ""
    producer, report = found
    if report.get("value_at_blessing") is None:
        return f"<p>{esc(producer.record.component_id)}: {esc(report.get('summary'))}</p>"
    verdict = badge("decayed", "bad") if report.get("decayed") else badge("ok", "ok")
    return (f"<h3>{esc(producer.record.component_id)}: the serving model on span "
            f"{esc(report.get('span'))}</h3>" + table(
                ["metric", "at blessing", "on this span", "decrease", "allowed", ""],
                [[esc(report.get("metric")), number(report.get("value_at_blessing"), 4),
                  number(report.get("value"), 4), number(report.get("decrease"), 4),
                  number(report.get("max_decrease"), 4), verdict]], numeric=(1, 2, 3, 4)))


def drift_section(view: RunView) -> str:
    """Per drift report: the distance, measure and threshold of every compared
    feature, largest first; then the retraining decision, if the pipeline makes one."""
    reports = [(p, a) for p, a in view.outputs_of_type("ExampleAnomalies")
               if a.get("drift_distances") is not None]
    if not reports:
        return (note("No drift measured: this pipeline has no DriftValidator.") + _decay(view)
                + _skew(view))
    parts = []
    for producer, report in reports:
        parts.append(f"<h3>{esc(producer.record.component_id)}: span {esc(report.get('span'))} "
                     f"against span {esc(report.get('baseline_span'))}</h3>")
        distances = json.loads(str(report.get("drift_distances")))
        if not distances:
            parts.append(note("No baseline: no model was serving, or it was trained on this "
                              "very data."))
            continue
        parts.append(table(["feature", "measure", "distance", "threshold", ""],
                           _distance_rows(distances), numeric=(2, 3)))
        if report.get("num_examples_drift"):
            parts.append(f"<p>{badge('examples', 'bad')} "
                         f"{esc(report.get('num_examples_drift'))}</p>")
    parts += [_decay(view), _skew(view), _decision(view)]
    return "\n".join(parts)
