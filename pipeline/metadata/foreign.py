"""Reading records TFX wrote, which lack what mlpipe records on its own: a run's
pushed version, an execution's component id."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ml_metadata.proto import metadata_store_pb2 as pb

from pipeline.dsl.artifact import PushedModel
from pipeline.metadata.values import read_value

if TYPE_CHECKING:
    from pipeline.metadata.store import MetadataStore

def pushed_by(store: MetadataStore, executions: list[pb.Execution]) -> dict[str, object]:
    """`pushed_version` and `pushed_destination` of a run that did not record them
    (one TFX wrote), from its PushedModel outputs."""
    outputs = [e.artifact_id for e in store.raw.get_events_by_execution_ids(
        [e.id for e in executions]) if e.type == pb.Event.OUTPUT]
    for artifact in store.raw.get_artifacts_by_id(outputs):
        model = store.to_artifact(artifact)
        if isinstance(model, PushedModel) and model.pushed:
            return {"pushed_version": model.version, "pushed_destination": model.destination}
    return {}


def component_id(store: MetadataStore, execution: pb.Execution) -> str:
    """mlpipe records it on the execution; TFX only in its node context's name
    (`<pipeline>.<node id>`)."""
    if "component_id" in execution.custom_properties:
        return str(read_value(execution.custom_properties["component_id"]))
    from pipeline.metadata.store import NODE_CONTEXT  # the store module imports this one

    node_type = {t.name: t.id for t in store.raw.get_context_types()}.get(NODE_CONTEXT)
    for ctx in store.raw.get_contexts_by_execution(execution.id):
        if ctx.type_id == node_type:
            return ctx.name.split(".", 1)[-1]
    return ""
