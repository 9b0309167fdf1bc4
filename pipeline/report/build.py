"""`write_report`: one self-contained HTML file about one pipeline run.

Everything comes from ML Metadata and the artifacts it points to: the run and
its executions, TFDV statistics and anomalies, TFMA metrics, the blessing and
its thresholds, the push, and the lineage graph. The file has inline CSS and
inline SVG only, so it opens from disk, offline, with no server.
"""
from __future__ import annotations

import os
import time
from typing import Callable

from pipeline.metadata.store import MetadataStore
from pipeline.report.data_sections import anomalies_section, statistics_section
from pipeline.report.drift_section import drift_section
from pipeline.report.gather import DONE_STATES, ExecutionView, RunView, gather_run
from pipeline.report.lineage_section import lineage_section
from pipeline.report.markup import badge, error_block, esc, key_values, note, number, page, table
from pipeline.report.model_sections import blessing_section, metrics_section, pushed_section

STATUS_KIND = {"COMPLETE": "ok", "FAILED": "bad", "STOPPED": "warn", "RUNNING": "warn"}


def _time(seconds: object) -> str:
    if not isinstance(seconds, (int, float)) or not seconds:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(float(seconds)))


def _state(execution: ExecutionView) -> str:
    state = execution.record.state
    kind = "ok" if state in DONE_STATES else ("bad" if state == "FAILED" else "warn")
    return badge(state, kind)


def _execution_row(execution: ExecutionView) -> list[str]:
    record = execution.record
    outputs = ", ".join(f"{port}=#{artifact.id}" for port, artifact in execution.outputs.items())
    error = str(record.properties.get("error", "") or "")
    first_line = error.strip().splitlines()[0] if error.strip() else ""
    return [esc(record.component_id), esc(record.type_name), esc(record.id), _state(execution),
            number(record.properties.get("duration_seconds"), 3), esc(outputs or "-"),
            error_block(first_line, error) if error else ""]


def summary_section(view: RunView) -> str:
    """The run (pipeline, id, status, times, message) and one row per execution."""
    run = view.run
    props = run.properties
    start, end = props.get("start_time", run.started), props.get("end_time")
    elapsed = (f"{float(end) - float(start):.1f} s"
               if isinstance(end, (int, float)) and isinstance(start, (int, float)) else "-")
    pairs = [("pipeline", esc(run.pipeline_name)), ("run id", f"<code>{esc(run.run_id)}</code>"),
             ("status", badge(run.status, STATUS_KIND.get(run.status, ""))),
             ("started", esc(_time(start))), ("ended", esc(_time(end))), ("elapsed", esc(elapsed)),
             ("pipeline root", f"<code>{esc(props.get('pipeline_root', '-'))}</code>")]
    message = str(props.get("message", "") or "")
    parts = [key_values(pairs)]
    if message:
        parts.append("<h3>Message</h3>" + error_block(message))
    headers = ["component", "type", "execution", "state", "duration_seconds", "outputs", "error"]
    if view.executions:
        parts.append(table(headers, [_execution_row(e) for e in view.executions], numeric=(2, 4)))
    else:
        parts.append(note("No executions were recorded for this run."))
    return "\n".join(parts)


def _guarded(render: Callable[[], str]) -> str:
    """A section's HTML, or the error that kept it from rendering (the rest still renders)."""
    try:
        return render()
    except Exception as error:  # one broken artifact must not cost the whole report
        return error_block(f"This section could not be rendered: {type(error).__name__}: {error}")


def build_sections(store: MetadataStore, view: RunView, facets: bool) -> list[tuple[str, str, str]]:
    """(id, title, body HTML) of every section, in reading order."""
    run_id = view.run.run_id
    return [
        ("summary", "Run summary", _guarded(lambda: summary_section(view))),
        ("statistics", "Data statistics (TFDV)", _guarded(lambda: statistics_section(view, facets))),
        ("anomalies", "Data anomalies (TFDV)", _guarded(lambda: anomalies_section(view))),
        ("drift", "Drift, decay, skew and retraining", _guarded(lambda: drift_section(view))),
        ("metrics", "Model metrics (TFMA)", _guarded(lambda: metrics_section(view))),
        ("blessing", "Blessing", _guarded(lambda: blessing_section(view))),
        ("pushed", "Pushed model", _guarded(lambda: pushed_section(view))),
        ("lineage", "Lineage", _guarded(lambda: lineage_section(store, run_id))),
    ]


def render_report(store: MetadataStore, run_id: str, facets: bool = False) -> str:
    """The report of one run as an HTML document; KeyError if there is no such run."""
    view = gather_run(store, run_id)
    title = f"mlpipe run report: {view.run.pipeline_name}"
    subtitle = f"{view.run.run_id} · {view.run.status} · generated {_time(time.time())}"
    return page(title, subtitle, build_sections(store, view, facets))


def write_report(store: MetadataStore, run_id: str, output_path: str, *, facets: bool = False) -> str:
    """Writes the run's report to `output_path` (folders created) and returns its absolute path.

    `facets=True` also embeds TFDV's own statistics view (Facets Overview), which loads
    its code from the internet when opened; the default report needs no network.
    """
    document = render_report(store, run_id, facets)
    path = os.path.abspath(output_path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    staging = f"{path}.tmp-{os.getpid()}"
    with open(staging, "w", encoding="utf-8") as handle:
        handle.write(document)
    os.replace(staging, path)
    return path
