"""The data sections: TFDV statistics per split, and the anomalies found in them."""
from __future__ import annotations

from typing import Sequence

from tensorflow_metadata.proto.v0 import anomalies_pb2, statistics_pb2

from pipeline import fs
from pipeline.dsl.artifact import Artifact, ExampleAnomalies, ExampleStatistics
from pipeline.report.gather import RunView
from pipeline.report.markup import badge, esc, note, number, table

STATS_FILE = ExampleStatistics.STATISTICS_FILE
ANOMALIES_FILE = ExampleAnomalies.ANOMALIES_FILE
OFFLINE_NOTE = (
    "TFDV's own statistics view (tfdv.get_statistics_html) is Facets Overview, which loads "
    "webcomponents-lite.js from cdnjs.cloudflare.com and facets-jupyter.html from "
    "raw.githubusercontent.com when it is opened: it stays blank, with network errors in the "
    "console, on a machine without internet. The tables below are computed from the same "
    "statistics (FeatureStats.pb) and need nothing but this file.")
FACETS_NOTE = ("Facets Overview (TFDV's view) below needs internet access to load its code; "
               "offline it stays empty. The tables after it work offline.")


def _split_names(artifact: Artifact) -> list[str]:
    names = getattr(artifact, "split_names", [])
    if names:
        return list(names)
    found = fs.listdir(artifact.uri) if fs.isdir(artifact.uri) else []
    return sorted(n[len("Split-"):] for n in found if n.startswith("Split-"))


def _histogram_svg(buckets: Sequence[statistics_pb2.Histogram.Bucket], width: int = 140,
                   height: int = 26) -> str:
    """A tiny inline bar chart of a histogram's bucket counts (no script, no fonts)."""
    counts = [max(b.sample_count, 0.0) for b in buckets]
    if not counts or max(counts) <= 0:
        return ""
    step, top = width / len(counts), max(counts)
    bars = "".join(
        f'<rect x="{i * step:.1f}" y="{height - c / top * height:.1f}" width="{max(step - 1, 1):.1f}" '
        f'height="{c / top * height:.1f}"/>' for i, c in enumerate(counts))
    low, high = buckets[0].low_value, buckets[-1].high_value
    return (f'<svg class="hist" width="{width}" height="{height}" role="img" '
            f'aria-label="histogram {esc(f"{low:g}")} to {esc(f"{high:g}")}">{bars}</svg>')


def _common(feature: statistics_pb2.FeatureNameStatistics) -> statistics_pb2.CommonStatistics | None:
    kind = feature.WhichOneof("stats")
    return getattr(feature, kind).common_stats if kind in ("num_stats", "string_stats") else None


def _feature_row(feature: statistics_pb2.FeatureNameStatistics, num_examples: int) -> list[str]:
    name = ".".join(feature.path.step) or feature.name
    kind = statistics_pb2.FeatureNameStatistics.Type.Name(feature.type)
    common = _common(feature)
    present = common.num_non_missing if common else 0
    missing = common.num_missing if common else 0
    total = present + missing or num_examples or 1
    row = [esc(name), esc(kind), number(present), number(100.0 * missing / total, 3)]
    if feature.HasField("num_stats"):
        s = feature.num_stats
        standard = [h for h in s.histograms if h.type == h.STANDARD]
        row += [number(s.mean), number(s.std_dev), number(s.min), number(s.median),
                number(s.max), number(s.num_zeros), "", ""]
        row.append(_histogram_svg(standard[0].buckets) if standard else "")
    elif feature.HasField("string_stats"):
        s = feature.string_stats
        top = ", ".join(f"{v.value} ({v.frequency:g})" for v in s.top_values[:5])
        row += [""] * 6 + [number(s.unique), esc(top), ""]
    else:
        row += [""] * 9
    return row


STATS_HEADERS = ["feature", "type", "count", "missing %", "mean", "std dev", "min", "median",
                 "max", "zeros", "unique", "top values (frequency)", "histogram"]


def stats_table(stats: statistics_pb2.DatasetFeatureStatisticsList) -> str:
    """One split's statistics (a DatasetFeatureStatisticsList) as a self-contained table."""
    if not stats.datasets:
        return note("no statistics in this file")
    dataset = stats.datasets[0]
    rows = [_feature_row(f, dataset.num_examples) for f in dataset.features]
    return (f"<p>{esc(dataset.num_examples)} examples, {esc(len(rows))} features</p>"
            + table(STATS_HEADERS, rows, numeric=range(2, 11)))


def _load_stats(artifact: Artifact,
                splits: list[str]) -> dict[str, statistics_pb2.DatasetFeatureStatisticsList]:
    import tensorflow_data_validation as tfdv

    paths = {s: fs.join(artifact.uri, f"Split-{s}", STATS_FILE) for s in splits}
    return {s: tfdv.load_stats_binary(p) for s, p in paths.items() if fs.isfile(p)}


def facets_view(stats: dict[str, statistics_pb2.DatasetFeatureStatisticsList]) -> str:
    """TFDV's own (Facets Overview) view: train against eval when both exist."""
    import tensorflow_data_validation as tfdv

    names = list(stats)
    lhs = "train" if "train" in stats else names[0]
    rhs = "eval" if "eval" in stats and lhs != "eval" else None
    return tfdv.get_statistics_html(lhs_statistics=stats[lhs],
                                    rhs_statistics=stats[rhs] if rhs else None,
                                    lhs_name=lhs, rhs_name=rhs or "rhs_statistics")


def statistics_section(view: RunView, facets: bool = False) -> str:
    """Per split statistics tables; TFDV's Facets view too if `facets` (needs internet)."""
    found = view.outputs_of_type("ExampleStatistics")
    if not found:
        return note("No statistics: no StatisticsGen finished in this run.")
    parts = [note(FACETS_NOTE if facets else OFFLINE_NOTE)]
    for producer, artifact in found:
        splits = _split_names(artifact)
        stats = _load_stats(artifact, splits)
        parts.append(f"<h3>{esc(producer.record.component_id)}: ExampleStatistics "
                     f"#{esc(artifact.id)}</h3><p><code>{esc(artifact.uri)}</code></p>")
        if facets and stats:
            parts.append(facets_view(stats))
        for split in splits:
            parts.append(f"<h3>Split {esc(split)}</h3>")
            parts.append(stats_table(stats[split]) if split in stats
                         else note(f"missing file Split-{split}/{STATS_FILE}"))
    return "\n".join(parts)


def _anomaly_rows(split: str, anomalies: anomalies_pb2.Anomalies) -> list[list[str]]:
    rows = []
    for feature, info in sorted(anomalies.anomaly_info.items()):
        reasons = list(info.reason) or [info]
        for reason in reasons:
            rows.append([esc(split), esc(feature), esc(reason.short_description),
                         esc(reason.description)])
    if anomalies.HasField("dataset_anomaly_info"):
        for reason in anomalies.dataset_anomaly_info.reason:
            rows.append([esc(split), "<em>dataset</em>", esc(reason.short_description),
                         esc(reason.description)])
    return rows


def _read_anomalies(path: str) -> anomalies_pb2.Anomalies:
    anomalies = anomalies_pb2.Anomalies()
    anomalies.ParseFromString(fs.read_bytes(path))
    return anomalies


def anomalies_section(view: RunView) -> str:
    """Per split: the anomalies TFDV found against the schema, or "No anomalies"."""
    found = [(producer, artifact) for producer, artifact in view.outputs_of_type("ExampleAnomalies")
             if artifact.get("drift_distances") is None]  # drift reports have their own section
    if not found:
        return note("No anomalies checked: no ExampleValidator finished in this run.")
    parts = []
    for producer, artifact in found:
        parts.append(f"<h3>{esc(producer.record.component_id)}: ExampleAnomalies "
                     f"#{esc(artifact.id)}</h3>")
        for split in _split_names(artifact):
            path = fs.join(artifact.uri, f"Split-{split}", ANOMALIES_FILE)
            if not fs.isfile(path):
                parts.append(note(f"{split}: missing file Split-{split}/{ANOMALIES_FILE}"))
                continue
            rows = _anomaly_rows(split, _read_anomalies(path))
            if rows:
                parts.append(f"<p>Split {esc(split)}: {badge(f'{len(rows)} anomalies', 'bad')}</p>"
                             + table(["split", "feature", "short description", "description"],
                                     rows))
            else:
                parts.append(f"<p>Split {esc(split)}: {badge('No anomalies', 'ok')}</p>")
    return "\n".join(parts)
