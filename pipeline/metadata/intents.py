"""Writes outside the pipeline root (a pushed model's version folder), announced
in ML Metadata before they become visible and confirmed when the execution
completes with an artifact naming them.

The contract: an execution records each such URI in `external_intents` (a JSON
list) before writing there. If it then completes, an output artifact names the
URI (e.g. a PushedModel's `pushed_destination`). If it fails, is canceled or is
abandoned, the intent is unconfirmed: whoever finds it removes what is at the
URI and records that on the execution (`external_rolled_back`), so no version
folder outlives the record of the push that made it.
"""
from __future__ import annotations

import dataclasses
import json

from ml_metadata.proto import metadata_store_pb2 as pb

from pipeline.dsl.artifact import STANDARD_TYPES
from pipeline.metadata.store import PIPELINE_CONTEXT, MetadataStore
from pipeline.metadata.values import read_value

INTENTS = "external_intents"
ROLLED_BACK = "external_rolled_back"
_UNCONFIRMED_STATES = (pb.Execution.FAILED, pb.Execution.CANCELED)


@dataclasses.dataclass(frozen=True)
class UnconfirmedIntent:
    """URIs an execution meant to write outside its outputs, and never confirmed."""

    execution_id: int
    component_id: str
    run_id: str
    uris: tuple[str, ...]


def record_intent(store: MetadataStore, execution_id: int, uri: str) -> None:
    """Adds `uri` to the RUNNING execution's intents; raises if the store cannot
    record it (then the caller must not write there)."""
    [execution] = store.raw.get_executions_by_id([execution_id])
    store.set_execution_properties(execution_id, {INTENTS: json.dumps([*_intents(execution), uri])})


def unconfirmed(store: MetadataStore, pipeline_name: str | None = None,
                execution_id: int | None = None) -> list[UnconfirmedIntent]:
    """Intents of failed or canceled executions not yet rolled back: of one
    execution, of one pipeline, or of every pipeline in the store."""
    if execution_id is not None:
        executions = store.raw.get_executions_by_id([execution_id])
    elif pipeline_name is not None:
        context = store.raw.get_context_by_type_and_name(PIPELINE_CONTEXT, pipeline_name)
        executions = store.raw.get_executions_by_context(context.id) if context else []
    else:
        executions = store.raw.get_executions()
    found = []
    for execution in executions:
        if (execution.last_known_state in _UNCONFIRMED_STATES and _intents(execution)
                and ROLLED_BACK not in execution.custom_properties):
            props = execution.custom_properties
            found.append(UnconfirmedIntent(execution.id, str(read_value(props["component_id"])),
                                           str(read_value(props["run_id"])),
                                           tuple(_intents(execution))))
    return found


def named_by_artifact(store: MetadataStore, uri: str) -> bool:
    """True if a LIVE artifact names `uri` as one of its locations (e.g. a push
    that another execution did record)."""
    for cls in STANDARD_TYPES.values():
        for artifact in (store.raw.get_artifacts_by_type(cls.TYPE_NAME)
                         if cls.LOCATION_PROPERTIES else []):
            if artifact.state != pb.Artifact.LIVE:
                continue
            values = {**artifact.properties, **artifact.custom_properties}
            if any(name in values and read_value(values[name]) == uri
                   for name in cls.LOCATION_PROPERTIES):
                return True
    return False


def mark_rolled_back(store: MetadataStore, execution_id: int, removed: list[str]) -> None:
    """Records on the execution which of its intended URIs were removed."""
    store.set_execution_properties(execution_id, {ROLLED_BACK: json.dumps(removed)})


def _intents(execution: pb.Execution) -> list[str]:
    if INTENTS not in execution.custom_properties:
        return []
    return list(json.loads(str(read_value(execution.custom_properties[INTENTS]))))
