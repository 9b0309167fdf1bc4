"""The pushed versions of a pipeline's model as `mlpipe models` lists them: integer
and semantic version, when, key metrics and serving figures at blessing, the
label it has now in models.config, when it held which label (from ML
Metadata), and the run that pushed it."""
from __future__ import annotations

import os
import time

from ml_metadata.proto import metadata_store_pb2 as pb

from pipeline import fs
from pipeline.dsl import ModelBlessing, ModelEvaluation, PushedModel
from pipeline.metadata import resolvers
from pipeline.metadata.store import PIPELINE_CONTEXT, MetadataStore
from pipeline.serving import config as serving_config
from pipeline.serving.config import ServingConfigError
from pipeline.serving.history_of_labels import served_intervals

SERVING_PREFIX = ModelEvaluation.SERVING_PREFIX


def _pushes(store: MetadataStore, pipeline_name: str) -> list[pb.Artifact]:
    context = store.raw.get_context_by_type_and_name(PIPELINE_CONTEXT, pipeline_name)
    if context is None:
        return []
    in_pipeline = {a.id for a in store.raw.get_artifacts_by_context(context.id)}
    return [a for a in store.raw.get_artifacts_by_type(PushedModel.TYPE_NAME)
            if a.id in in_pipeline and store.to_artifact(a).pushed]


def _run_of(store: MetadataStore, artifact_id: int) -> str | None:
    producers = [e.execution_id for e in store.raw.get_events_by_artifact_ids([artifact_id])
                 if e.type == pb.Event.OUTPUT]
    for execution in store.raw.get_executions_by_id(producers[:1]):
        if "run_id" in execution.custom_properties:
            return execution.custom_properties["run_id"].string_value
    return None


def _label(pushed: PushedModel, known: dict[tuple[str, str], dict]) -> str:
    """"stable", "canary" or "none", as the serving folder's models.config has it now."""
    model_dir = fs.parent(pushed.destination or "")
    key = (fs.parent(model_dir), os.path.basename(model_dir.rstrip("/")))
    if key not in known:
        try:
            known[key] = serving_config.labels(*key)
        except ServingConfigError:  # `mlpipe models` still lists what is recorded
            known[key] = {}
    found = [label.value for label, version in known[key].items() if str(version) == pushed.version]
    return ",".join(sorted(found)) or "none"


def describe_models(store: MetadataStore, pipeline_name: str) -> list[dict]:
    """Every pushed version, newest first, as plain data (`mlpipe models --json`)."""
    rows, known = [], {}
    served = served_intervals(store, pipeline_name)
    for proto in sorted(_pushes(store, pipeline_name), key=lambda a: a.id, reverse=True):
        pushed = store.to_artifact(proto)
        blessing = resolvers.nearest_upstream(store, proto.id, ModelBlessing.TYPE_NAME)
        evaluation = (resolvers.sibling_output(store, blessing.id, ModelEvaluation.TYPE_NAME)
                      if blessing else None)
        props = evaluation.custom_properties if evaluation else {}
        rows.append({
            "version": pushed.version, "semantic_version": pushed.get("semantic_version"),
            "pushed_at": time.strftime("%Y-%m-%dT%H:%M:%S",
                                       time.localtime(proto.create_time_since_epoch / 1000)),
            "label": _label(pushed, known),
            "version_reason": pushed.get("version_reason"),
            "metrics": evaluation.metrics if evaluation else {},
            "serving": {k[len(SERVING_PREFIX):]: v for k, v in props.items()
                        if k.startswith(SERVING_PREFIX)},
            "served": served.get(int(pushed.version), []),
            "run_id": _run_of(store, proto.id), "destination": pushed.destination,
            "files_present": bool(pushed.destination and fs.isdir(pushed.destination))})
    return rows
