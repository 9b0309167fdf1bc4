"""The model sections: TFMA metrics per slice, the blessing with its thresholds, the push."""
from __future__ import annotations

import json

from pipeline.dsl import ModelEvaluation
from pipeline.report.gather import ExecutionView, RunView
from pipeline.report.markup import badge, esc, key_values, note, number, table

THRESHOLD_FIELDS = ["metric", "lower_bound", "upper_bound", "max_decrease", "higher_is_better",
                    "per_slice"]


def _ordered_slices(metrics: dict[str, dict[str, float]]) -> list[str]:
    return sorted(metrics, key=lambda s: (s != "Overall", s))


def metrics_table(metrics: dict[str, dict[str, float]]) -> str:
    """{slice: {metric: value}} as a slice x metric table, Overall first."""
    names = sorted({m for values in metrics.values() for m in values})
    rows = [[esc(s)] + [number(metrics[s].get(m)) for m in names] for s in _ordered_slices(metrics)]
    return table(["slice"] + names, rows, numeric=range(1, len(names) + 1))


def metrics_section(view: RunView) -> str:
    """TFMA metrics of every finished evaluation, overall and per slice."""
    found = view.outputs_of_type("ModelEvaluation")
    if not found:
        return note("No metrics: no Evaluator finished in this run.")
    from components.evaluator.executor import slice_metrics

    parts = []
    for producer, evaluation in found:
        parts.append(f"<h3>{esc(producer.record.component_id)}: ModelEvaluation "
                     f"#{esc(evaluation.id)}</h3><p><code>{esc(evaluation.uri)}</code></p>")
        try:
            metrics = slice_metrics(evaluation.uri)
        except Exception as error:  # a report shows what it can
            parts.append(note(f"could not load TFMA metrics: {type(error).__name__}: {error}"))
            continue
        parts.append(metrics_table(metrics) if metrics else note("TFMA wrote no metrics"))
        if any(m.endswith("_diff") for values in metrics.values() for m in values):
            parts.append(note("<metric>_diff columns: change against the baseline model."))
    return "\n".join(parts)


def _parameters(execution: ExecutionView) -> dict:
    try:
        return json.loads(str(execution.record.properties.get("parameters", "{}")))
    except ValueError:
        return {}


def thresholds_html(params: dict) -> str:
    """The Evaluator's thresholds (EvaluatorParams.thresholds) and what it evaluated."""
    thresholds = params.get("thresholds") or []
    if thresholds:
        rows = [[esc("" if t.get(f) is None else t.get(f)) for f in THRESHOLD_FIELDS]
                for t in thresholds]
        shown = table(THRESHOLD_FIELDS, rows)
    else:
        shown = note("No thresholds: every evaluated model is blessed.")
    slices = ", ".join(" x ".join(s) for s in params.get("slice_by") or []) or "none"
    context = key_values([("eval split", esc(params.get("eval_split", ""))),
                          ("label key", esc(params.get("label_key", ""))),
                          ("slices", esc(slices))])
    return "<h3>Thresholds</h3>" + shown + context


def serving_figures_html(producer: ExecutionView, limits: dict | None) -> str:
    """The candidate's latency percentiles and size, with the bounds that gated them."""
    evaluation = next((a for a in producer.outputs.values() if a.TYPE_NAME == "ModelEvaluation"),
                      None)
    prefix = ModelEvaluation.SERVING_PREFIX
    figures = {k[len(prefix):]: v for k, v in (evaluation.custom_properties.items()
                                               if evaluation is not None else ())
               if k.startswith(prefix)}
    if not figures:
        return ""
    limits = limits or {}
    bound = lambda name: number(limits.get(name)) if limits.get(name) is not None else "-"
    rows = [["single example", number(figures["p50_ms"]), number(figures["p95_ms"]),
             number(figures["p99_ms"]), bound("max_p99_latency_ms"), esc(figures["requests"])],
            [f"batch of {figures['batch_size']}", number(figures["batch_p50_ms"]),
             number(figures["batch_p95_ms"]), number(figures["batch_p99_ms"]),
             bound("max_batch_p99_latency_ms"), esc(figures["batch_requests"])]]
    return ("<h3>Serving latency and size</h3>"
            + table(["request", "p50 ms", "p95 ms", "p99 ms", "p99 bound ms", "requests"], rows,
                    numeric=range(1, 6))
            + key_values([("SavedModel size", f"{number(figures['model_size_mb'])} MB (bound: "
                                              f"{bound('max_model_size_mb')} MB)")]))


def blessing_section(view: RunView) -> str:
    """The blessing decision, why, which models, and the thresholds that decided it."""
    found = view.last_output("ModelBlessing")
    if found is None:
        return note("No blessing: no Evaluator finished in this run.")
    producer, blessing = found
    blessed = blessing.get("blessed") == 1
    baseline = int(blessing.get("baseline_model_id", 0) or 0)
    decision = badge("BLESSED", "ok") if blessed else badge("NOT BLESSED", "bad")
    pairs = [("decision", decision),
             ("reason", esc(blessing.get("reason", ""))),
             ("candidate model", esc(f"Model #{blessing.get('current_model_id', '?')}")),
             ("baseline model", esc(f"Model #{baseline}" if baseline else
                                    "none (first model: value thresholds only)")),
             ("blessing artifact", esc(f"ModelBlessing #{blessing.id}: {blessing.uri}"))]
    params = _parameters(producer)
    return (key_values(pairs) + serving_figures_html(producer, params.get("serving_limits"))
            + thresholds_html(params))


def pushed_section(view: RunView) -> str:
    """The pushed version and where it went, or why nothing was pushed."""
    found = view.last_output("PushedModel")
    if found is None:
        why = view.run.properties.get("message") or "the Pusher did not finish in this run"
        return f"<p>{badge('NOT PUSHED', 'warn')}</p>" + note(f"Nothing was pushed: {why}")
    producer, pushed = found
    if pushed.get("pushed") != 1:
        return (f"<p>{badge('NOT PUSHED', 'warn')}</p>"
                + key_values([("reason", esc(pushed.get("reason", "model not blessed"))),
                              ("model", esc(f"Model #{pushed.get('model_id', '?')}"))]))
    pairs = [("pushed", badge("PUSHED", "ok")),
             ("model name", esc(pushed.get("model_name", ""))),
             ("version", f'<strong class="pushed-version">{esc(pushed.get("pushed_version"))}</strong>'),
             ("destination", f"<code>{esc(pushed.get('pushed_destination', ''))}</code>"),
             ("model", esc(f"Model #{pushed.get('model_id', '?')}")),
             ("artifact", esc(f"PushedModel #{pushed.id}: {pushed.uri}"))]
    if producer.record.state == "CACHED":
        return key_values(pairs) + note("The Pusher was cached: an earlier run pushed this "
                                        "version; this run pushed nothing new.")
    return key_values(pairs)
