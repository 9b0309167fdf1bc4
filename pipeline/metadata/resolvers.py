"""Artifacts an input resolves to at run time through ML Metadata, not through a
channel of this run: the newest blessed model (a baseline), the model serving,
and the statistics of the data that trained it."""
from __future__ import annotations

from ml_metadata import errors as mlmd_errors
from ml_metadata.proto import metadata_store_pb2 as pb

from pipeline.dsl.artifact import (Artifact, ExampleStatistics, Model, ModelBlessing,
                                   ModelEvaluation, PushedModel)
from pipeline.metadata.store import PIPELINE_CONTEXT, MetadataStore
from pipeline.metadata.values import read_value


def latest_blessed_model(store: MetadataStore, pipeline_name: str,
                         excluding: Artifact | None = None) -> Artifact | None:
    """The Model of the newest blessing (blessed=1) in the pipeline, or None.

    `excluding` (the candidate itself, or a model with its fingerprint) is
    skipped: a model is never its own baseline.
    """
    context = store.raw.get_context_by_type_and_name(PIPELINE_CONTEXT, pipeline_name)
    if context is None:
        return None
    blessings = [store.to_artifact(p) for p in store.raw.get_artifacts_by_context(context.id)
                 if p.state == pb.Artifact.LIVE]
    for blessing in sorted(blessings, key=lambda b: b.id, reverse=True):
        if blessing.TYPE_NAME != "ModelBlessing" or blessing.get("blessed") != 1:
            continue
        model = store.artifact(int(blessing.get("current_model_id")))
        fingerprint = model.get("fingerprint")
        if excluding is not None and (model.id == excluding.id or (
                fingerprint and fingerprint == excluding.get("fingerprint"))):
            continue
        return model
    return None


def serving_push(store: MetadataStore, pipeline_name: str) -> pb.Artifact | None:
    """The pipeline's newest LIVE PushedModel that was pushed (the model serving)."""
    context = store.raw.get_context_by_type_and_name(PIPELINE_CONTEXT, pipeline_name)
    if context is None:
        return None
    pushed = [a for a in store.raw.get_artifacts_by_type(PushedModel.TYPE_NAME)
              if a.state == pb.Artifact.LIVE and "pushed" in a.custom_properties
              and read_value(a.custom_properties["pushed"]) == 1]
    in_pipeline = {a.id for a in store.raw.get_artifacts_by_context(context.id)}
    candidates = [a for a in pushed if a.id in in_pipeline]
    return max(candidates, key=lambda a: (a.create_time_since_epoch, a.id)) if candidates else None


def serving_model(store: MetadataStore, pipeline_name: str) -> Artifact | None:
    """The PushedModel of the model now serving, or None before the first push."""
    served = serving_push(store, pipeline_name)
    return store.to_artifact(served) if served is not None else None


def nearest_upstream(store: MetadataStore, artifact_id: int, type_name: str) -> Artifact | None:
    """The LIVE artifact of `type_name` fewest executions upstream of `artifact_id`
    (the newest, if several are equally near), or None."""
    wanted = store.raw.get_artifact_type(type_name).id
    frontier, seen = {artifact_id}, {artifact_id}
    while frontier:
        producers = {e.execution_id for e in store.raw.get_events_by_artifact_ids(list(frontier))
                     if e.type == pb.Event.OUTPUT}
        inputs = {e.artifact_id for e in store.raw.get_events_by_execution_ids(list(producers))
                  if e.type == pb.Event.INPUT} - seen
        found = [a for a in store.raw.get_artifacts_by_id(list(inputs))
                 if a.type_id == wanted and a.state == pb.Artifact.LIVE]
        if found:
            return store.to_artifact(max(found, key=lambda a: a.id))
        seen |= inputs
        frontier = inputs
    return None


def sibling_output(store: MetadataStore, artifact_id: int, type_name: str) -> Artifact | None:
    """The newest LIVE artifact of `type_name` that an execution which output
    `artifact_id` also output, or None."""
    wanted = store.raw.get_artifact_type(type_name).id
    producers = [e.execution_id for e in store.raw.get_events_by_artifact_ids([artifact_id])
                 if e.type == pb.Event.OUTPUT]
    outputs = {e.artifact_id for e in store.raw.get_events_by_execution_ids(producers)
               if e.type == pb.Event.OUTPUT}
    found = [a for a in store.raw.get_artifacts_by_id(list(outputs))
             if a.type_id == wanted and a.state == pb.Artifact.LIVE]
    return store.to_artifact(max(found, key=lambda a: a.id)) if found else None


def serving_model_statistics(store: MetadataStore, pipeline_name: str) -> Artifact | None:
    """The statistics nearest upstream of the serving model in its lineage (those of
    the data its schema and training came from); None before the first push."""
    served = serving_push(store, pipeline_name)
    return nearest_upstream(store, served.id, ExampleStatistics.TYPE_NAME) if served else None


def serving_model_source(store: MetadataStore, pipeline_name: str) -> Artifact | None:
    """The trained Model the serving push copied; None before the first push."""
    served = serving_push(store, pipeline_name)
    return nearest_upstream(store, served.id, Model.TYPE_NAME) if served else None


def serving_model_evaluation(store: MetadataStore, pipeline_name: str) -> Artifact | None:
    """The evaluation beside the blessing the serving push went out on (the serving
    model's metrics when it was blessed); None before the first push."""
    served = serving_push(store, pipeline_name)
    blessing = nearest_upstream(store, served.id, ModelBlessing.TYPE_NAME) if served else None
    return sibling_output(store, blessing.id, ModelEvaluation.TYPE_NAME) if blessing else None


# The execution type and output port of `mlpipe skew` checks (pipeline/skew/check.py).
SKEW_CHECK, SKEW_OUTPUT, SKEW_SERVING_INPUT = "SkewCheck", "skew", "serving_model"


def serving_skew(store: MetadataStore, pipeline_name: str) -> Artifact | None:
    """The report of the newest completed skew check on the push now serving; None
    if there is none (a check of an earlier model says nothing about this one)."""
    served = serving_push(store, pipeline_name)
    if served is None:
        return None
    try:
        check_type = store.raw.get_execution_type(SKEW_CHECK).id
    except mlmd_errors.NotFoundError:  # no check was ever recorded in this store
        return None
    uses = {e.execution_id for e in store.raw.get_events_by_artifact_ids([served.id])
            if e.type == pb.Event.INPUT and e.path.steps[0].key == SKEW_SERVING_INPUT}
    done = [e.id for e in store.raw.get_executions_by_id(list(uses))
            if e.last_known_state == pb.Execution.COMPLETE and e.type_id == check_type]
    reports = [e.artifact_id for e in store.raw.get_events_by_execution_ids(done)
               if e.type == pb.Event.OUTPUT and e.path.steps[0].key == SKEW_OUTPUT]
    live = [a for a in store.raw.get_artifacts_by_id(reports) if a.state == pb.Artifact.LIVE]
    return store.to_artifact(max(live, key=lambda a: a.id)) if live else None


# The resolvers of the inputs `pipeline.dsl.channel.RESOLVED_SOURCES` names.
RESOLVERS = {"serving_model": serving_model, "serving_model_statistics": serving_model_statistics,
             "serving_model_source": serving_model_source,
             "serving_model_evaluation": serving_model_evaluation, "serving_skew": serving_skew}
