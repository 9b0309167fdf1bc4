"""What served when: the label timeline of a pipeline's model, from ML Metadata
(pushes with the label they got, and LabelChange executions with the labels
after them), as intervals per version."""
from __future__ import annotations

import time

from ml_metadata.proto import metadata_store_pb2 as pb

from pipeline.metadata.store import PIPELINE_CONTEXT, MetadataStore
from pipeline.serving import labelling
from pipeline.serving.labels import Label


def _events(store: MetadataStore, pipeline_name: str
            ) -> list[tuple[int, str, dict[Label, int | None]]]:
    """(time in ms, what happened, the labels it set or cleared), oldest first."""
    events = [(created, f"push {p.version}", {Label(p.get("label")): int(p.version)})
              for created, p in labelling.pushes(store, pipeline_name) if p.get("label")]
    context = store.raw.get_context_by_type_and_name(PIPELINE_CONTEXT, pipeline_name)
    for execution in (store.raw.get_executions_by_context(context.id) if context else []):
        props = execution.custom_properties
        if execution.last_known_state != pb.Execution.COMPLETE or "action" not in props \
                or not props["action"].string_value:
            continue
        after = {label: (props[f"after_{label.value}"].int_value
                         if f"after_{label.value}" in props else None) for label in Label}
        events.append((execution.create_time_since_epoch,
                       f"{props['action'].string_value} {props['version'].int_value}", after))
    return sorted(events, key=lambda e: e[0])


def served_intervals(store: MetadataStore, pipeline_name: str) -> dict[int, list[dict]]:
    """{version: [{"label", "from", "until" (None: still), "by"}]}, times as ISO text."""
    stamp = lambda ms: time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(ms / 1000))
    current: dict[Label, tuple[int, int, str]] = {}  # label -> (version, since, by)
    found: dict[int, list[dict]] = {}

    def close(label: Label, until: int | None) -> None:
        version, since, by = current.pop(label)
        found.setdefault(version, []).append({"label": label.value, "from": stamp(since),
                                              "until": stamp(until) if until else None, "by": by})

    for when, what, labels in _events(store, pipeline_name):
        for label, version in labels.items():
            if label in current and current[label][0] == version:
                continue
            if label in current:
                close(label, when)
            if version is not None:
                current[label] = (version, when, what)
    for label in list(current):
        close(label, None)
    return found
