"""The one wrapper that owns the ML Metadata store.

Runners call this module; executors never do. Types, contexts and event
paths follow TFX's conventions: artifact types named as in TFX, contexts of
types `pipeline`, `pipeline_run` and `node`, INPUT/OUTPUT events whose path
is the port name.
"""
from __future__ import annotations

import dataclasses
import time
from typing import Iterable, Mapping

from ml_metadata import errors as mlmd_errors
from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2 as pb

from pipeline.dsl.artifact import Artifact, PushedModel
from pipeline.metadata.values import artifact_class, read_map, read_value, set_value
from pipeline.metadata.records import (CachedExecution, ExecutionRecord, RunRecord,
                                       derived_run_status)
from pipeline.dsl.metadata_config import MetadataConfig, SqliteConfig
from pipeline.metadata import integrity
from pipeline.metadata import foreign
from pipeline.metadata.guard import Disconnected, check_free_space, connect, guarded

# The TFX release whose records these are: TFX reads an artifact without it as a
# pre-0.29 one and looks for files in other places.
TFX_VERSION = "1.16.0"
PIPELINE_CONTEXT = "pipeline"
RUN_CONTEXT = "pipeline_run"
NODE_CONTEXT = "node"
_PROPERTY_TYPES = {int: pb.INT, float: pb.DOUBLE, str: pb.STRING}


@dataclasses.dataclass(frozen=True)
class RunContexts:
    """The contexts every execution of one run is attributed to."""

    pipeline: pb.Context
    run: pb.Context

    @property
    def run_id(self) -> str:
        return self.run.name


class MetadataStore:
    """Records runs, executions and artifacts, and answers questions about them."""

    def __init__(self, config: MetadataConfig):
        self.config = config
        self._store = connect(config)
        self._type_ids: dict[tuple[str, str], int] = {}
        self._type_names: dict[int, str] = {}
        if isinstance(config, SqliteConfig) and integrity.has_dangling_rows(config.path):
            self._repair()

    def check_writable(self) -> None:
        """Raises StoreError if an SQLite store's disk is (nearly) full."""
        if isinstance(self.config, SqliteConfig):
            check_free_space(self.config.path, f"to ML Metadata ({self.config.path})")

    def recover_connection(self) -> None:
        """After a failed write: a new connection (the old one may be stuck in a
        transaction) and, for SQLite, the rows the failure left pointing at nothing removed."""
        self._store = Disconnected(self.config)  # never the old one again: it may crash
        self._type_ids.clear()  # a type created in the failed transaction is gone
        self._store = connect(self.config)
        if isinstance(self.config, SqliteConfig):
            self._repair()

    def _repair(self) -> None:
        try:
            integrity.remove_dangling_rows(self.config.path)
        except Exception:  # noqa: BLE001 - a full or read-only disk: the next open tries again
            pass

    @property
    def raw(self) -> metadata_store.MetadataStore:
        """The underlying ml_metadata store, for queries this wrapper has no method for."""
        return self._store

    # -- types ---------------------------------------------------------------
    def _artifact_type_id(self, cls: type[Artifact]) -> int:
        key = ("artifact", cls.TYPE_NAME)
        if key not in self._type_ids:
            proto = pb.ArtifactType(name=cls.TYPE_NAME)
            if cls.BASE_TYPE:
                proto.base_type = pb.ArtifactType.SystemDefinedBaseType.Value(cls.BASE_TYPE)
            for name, py_type in cls.PROPERTIES.items():
                proto.properties[name] = _PROPERTY_TYPES[py_type]
            # Stores written before the types matched TFX's keep their extra fields.
            self._type_ids[key] = self._store.put_artifact_type(
                proto, can_add_fields=True, can_omit_fields=True)
        return self._type_ids[key]

    def _simple_type_id(self, kind: str, name: str) -> int:
        key = (kind, name)
        if key not in self._type_ids:
            if kind == "execution":
                self._type_ids[key] = self._store.put_execution_type(pb.ExecutionType(name=name))
            else:
                self._type_ids[key] = self._store.put_context_type(pb.ContextType(name=name))
        return self._type_ids[key]

    def _artifact_type_name(self, type_id: int) -> str:
        if type_id not in self._type_names:
            [proto] = self._store.get_artifact_types_by_id([type_id])
            self._type_names[type_id] = proto.name
        return self._type_names[type_id]

    # -- contexts ------------------------------------------------------------
    def _context(self, type_name: str, name: str, properties: Mapping[str, object] = {}) -> pb.Context:
        existing = self._store.get_context_by_type_and_name(type_name, name)
        if existing is not None:
            return existing
        context = pb.Context(type_id=self._simple_type_id("context", type_name), name=name)
        for key, value in properties.items():
            set_value(context.custom_properties[key], value)
        try:
            [context.id] = self._store.put_contexts([context])
        except mlmd_errors.AlreadyExistsError:  # created concurrently by another process
            return self._store.get_context_by_type_and_name(type_name, name)
        return context

    @guarded
    def start_run(self, pipeline_name: str, run_id: str, properties: Mapping[str, object]) -> RunContexts:
        """Creates (or reopens) the pipeline and run contexts and marks the run RUNNING,
        unless another task of the run (Kubeflow) already recorded how it ended."""
        pipeline_ctx = self._context(PIPELINE_CONTEXT, pipeline_name)
        run_ctx = self._context(RUN_CONTEXT, run_id, {"pipeline_name": pipeline_name,
                                                     "start_time": time.time()})
        self._link_parent(pipeline_ctx, run_ctx)
        contexts = RunContexts(pipeline_ctx, run_ctx)
        if read_map(run_ctx.custom_properties).get("status", "RUNNING") == "RUNNING":
            properties = {"status": "RUNNING", **properties}
        else:  # a parallel task of this run already ended it: keep how
            properties = {k: v for k, v in properties.items() if k not in run_ctx.custom_properties}
        self.update_run(contexts, properties)
        return contexts

    def _link_parent(self, parent: pb.Context, child: pb.Context) -> None:
        """The run belongs to its pipeline, as TFX links them."""
        link = pb.ParentContext(parent_id=parent.id, child_id=child.id)
        try:
            self._store.put_parent_contexts([link])
        except mlmd_errors.AlreadyExistsError:
            pass

    @guarded
    def update_run(self, contexts: RunContexts, properties: Mapping[str, object]) -> None:
        """Sets properties (status, end_time, pushed version, ...) on the run context,
        leaving the others as they are (another task of the run may write some)."""
        if not properties:
            return  # an empty field mask would mean "replace everything"
        for key, value in properties.items():
            set_value(contexts.run.custom_properties[key], value)
        update = pb.Context(id=contexts.run.id, type_id=contexts.run.type_id)
        for key in properties:
            update.custom_properties[key].CopyFrom(contexts.run.custom_properties[key])
        self._store.put_contexts([update], field_mask_paths=[f"custom_properties.{key}"
                                                             for key in properties])

    # -- executions ----------------------------------------------------------
    @guarded
    def start_execution(self, contexts: RunContexts, type_name: str, component_id: str,
                        inputs: Mapping[str, Artifact], properties: Mapping[str, object]) -> int:
        """Records a RUNNING execution with INPUT events for its (published) inputs."""
        return self._put_new_execution(contexts.pipeline, contexts.run, type_name, component_id,
                                       pb.Execution.RUNNING, inputs, {}, properties)

    @guarded
    def start_check(self, pipeline_name: str, type_name: str, inputs: Mapping[str, Artifact],
                    properties: Mapping[str, object]) -> int:
        """Records a RUNNING execution outside any run (a check such as `mlpipe skew`),
        in the pipeline's context and its own node context (`component_id` is
        `type_name`), with INPUT events; end it with complete_execution or
        fail_execution."""
        pipeline_ctx = self._context(PIPELINE_CONTEXT, pipeline_name)
        return self._put_new_execution(pipeline_ctx, None, type_name, type_name,
                                       pb.Execution.RUNNING, inputs, {}, properties)

    def _put_new_execution(self, pipeline_ctx: pb.Context, run_ctx: pb.Context | None,
                           type_name: str, component_id: str, state: int,
                           inputs: Mapping[str, Artifact], outputs: Mapping[str, Artifact],
                           properties: Mapping[str, object]) -> int:
        """One new execution in the pipeline, run (if any) and node contexts, with INPUT
        and OUTPUT events to already recorded artifacts, in one transaction."""
        node_ctx = self._context(NODE_CONTEXT, f"{pipeline_ctx.name}.{component_id}")
        execution = pb.Execution(type_id=self._simple_type_id("execution", type_name),
                                 last_known_state=state)
        ids_of_run = {"run_id": run_ctx.name} if run_ctx is not None else {}
        for key, value in {"component_id": component_id, **ids_of_run,
                           "pipeline_name": pipeline_ctx.name, **properties}.items():
            set_value(execution.custom_properties[key], value)
        ids = [a.id for a in [*inputs.values(), *outputs.values()]]
        if len(set(ids)) < len(ids):
            ports = sorted(n for n, a in {**inputs, **outputs}.items() if ids.count(a.id) > 1)
            raise ValueError(f"{component_id}: {', '.join(ports)} are the same artifact; ML "
                             f"Metadata records one event per artifact and execution, so wire "
                             f"each input to a different artifact")
        protos = {p.id: p for p in self._store.get_artifacts_by_id(ids)} if ids else {}
        pairs = [(protos[a.id], self._event(pb.Event.INPUT, n)) for n, a in inputs.items()]
        pairs += [(protos[a.id], self._event(pb.Event.OUTPUT, n)) for n, a in outputs.items()]
        contexts = [c for c in (pipeline_ctx, run_ctx, node_ctx) if c is not None]
        execution_id, _, _ = self._store.put_execution(execution, pairs, contexts,
                                                       reuse_context_if_already_exist=True)
        return execution_id

    @guarded
    def complete_execution(self, execution_id: int, outputs: Mapping[str, Artifact],
                           properties: Mapping[str, object]) -> None:
        """Publishes the outputs as LIVE artifacts with OUTPUT events and marks the
        execution COMPLETE, in one transaction. Sets each output's `id`."""
        execution = self._execution_proto(execution_id, properties, pb.Execution.COMPLETE)
        names = list(outputs)
        pairs = [(self._artifact_proto(outputs[n]), self._event(pb.Event.OUTPUT, n)) for n in names]
        contexts = self._store.get_contexts_by_execution(execution_id)
        _, artifact_ids, _ = self._store.put_execution(execution, pairs, contexts)
        for name, artifact_id in zip(names, artifact_ids):
            outputs[name].id = artifact_id

    def find_cached(self, type_name: str, cache_key: str) -> CachedExecution | None:
        """The newest COMPLETE execution of `type_name` with this cache key, with its
        LIVE outputs by port name; None if there is none."""
        query = metadata_store.ListOptions(filter_query=(
            f"type = '{type_name}' AND custom_properties.cache_key.string_value = '{cache_key}'"))
        candidates = self._store.get_executions(list_options=query)
        complete = [e for e in candidates if e.last_known_state == pb.Execution.COMPLETE]
        if not complete:
            return None
        execution = max(complete, key=lambda e: e.id)
        events = [e for e in self._store.get_events_by_execution_ids([execution.id])
                  if e.type == pb.Event.OUTPUT]
        protos = {p.id: p for p in self._store.get_artifacts_by_id([e.artifact_id for e in events])}
        if any(p.state != pb.Artifact.LIVE for p in protos.values()):
            return None
        outputs = {e.path.steps[0].key: self.to_artifact(protos[e.artifact_id]) for e in events}
        return CachedExecution(execution.id, outputs, read_map(execution.custom_properties))

    @guarded
    def record_cached_execution(self, contexts: RunContexts, type_name: str, component_id: str,
                                inputs: Mapping[str, Artifact], outputs: Mapping[str, Artifact],
                                properties: Mapping[str, object]) -> int:
        """Records an execution that reused earlier outputs: state CACHED, INPUT events
        for its inputs and OUTPUT events to the reused artifacts, in this run's contexts."""
        return self._put_new_execution(contexts.pipeline, contexts.run, type_name, component_id,
                                       pb.Execution.CACHED, inputs, outputs, properties)

    @guarded
    def fail_execution(self, execution_id: int, error: str, properties: Mapping[str, object],
                       canceled: bool = False) -> None:
        """Marks the execution FAILED (or CANCELED: interrupted) and records why."""
        state = pb.Execution.CANCELED if canceled else pb.Execution.FAILED
        execution = self._execution_proto(execution_id, {"error": error[:8000], **properties}, state)
        self._store.put_executions([execution])

    @guarded
    def abandon_run(self, run_id: str, reason: str) -> None:
        """Marks a run whose process is gone ABANDONED, and its RUNNING executions
        CANCELED, so that nothing looks live that is not."""
        run_ctx = self._store.get_context_by_type_and_name(RUN_CONTEXT, run_id)
        self.end_open_executions(RunContexts(pb.Context(), run_ctx), reason, canceled=True)
        self.update_run(RunContexts(pb.Context(), run_ctx),
                        {"status": "ABANDONED", "message": reason, "end_time": time.time()})

    @guarded
    def end_open_executions(self, contexts: RunContexts, reason: str, canceled: bool) -> None:
        """Marks the run's NEW or RUNNING executions FAILED (or CANCELED) with `reason`:
        a run that ends leaves none open, even if recording one's end failed earlier."""
        for execution in self._store.get_executions_by_context(contexts.run.id):
            if execution.last_known_state in (pb.Execution.NEW, pb.Execution.RUNNING):
                self.fail_execution(execution.id, reason, {}, canceled=canceled)

    @guarded
    def mark_artifacts_deleted(self, artifact_ids: Iterable[int]) -> None:
        """Marks artifacts DELETED (their files are gone or about to be); the records,
        and so the lineage through them, stay."""
        protos = self._store.get_artifacts_by_id(list(artifact_ids))
        for proto in protos:
            proto.state = pb.Artifact.DELETED
        if protos:
            self._store.put_artifacts(protos)

    @guarded
    def set_execution_properties(self, execution_id: int, properties: Mapping[str, object]) -> None:
        """Sets custom properties on an execution, keeping its state."""
        [execution] = self._store.get_executions_by_id([execution_id])
        for key, value in properties.items():
            set_value(execution.custom_properties[key], value)
        self._store.put_executions([execution])

    def _execution_proto(self, execution_id: int, properties: Mapping[str, object],
                         state: int) -> pb.Execution:
        [execution] = self._store.get_executions_by_id([execution_id])
        execution.last_known_state = state
        for key, value in properties.items():
            set_value(execution.custom_properties[key], value)
        return execution

    def _artifact_proto(self, artifact: Artifact) -> pb.Artifact:
        proto = pb.Artifact(type_id=self._artifact_type_id(type(artifact)), uri=artifact.uri,
                            state=pb.Artifact.LIVE)
        for key, value in artifact.properties.items():
            set_value(proto.properties[key], value)
        for key, value in artifact.custom_properties.items():
            set_value(proto.custom_properties[key], value)
        for key, value in (("tfx_version", TFX_VERSION), ("is_external", 0)):
            if key not in proto.custom_properties:
                set_value(proto.custom_properties[key], value)
        return proto

    @staticmethod
    def _event(event_type: int, port_name: str) -> pb.Event:
        event = pb.Event(type=event_type)
        event.path.steps.add().key = port_name
        event.path.steps.add().index = 0
        return event

    # -- queries -------------------------------------------------------------
    def to_artifact(self, proto: pb.Artifact) -> Artifact:
        """The ML Metadata artifact as this project's typed Artifact."""
        cls = artifact_class(self._artifact_type_name(proto.type_id))
        return cls(uri=proto.uri, id=proto.id, properties=read_map(proto.properties),
                   custom_properties=read_map(proto.custom_properties))

    def artifact(self, artifact_id: int) -> Artifact:
        """One artifact by id; KeyError if there is none."""
        protos = self._store.get_artifacts_by_id([artifact_id])
        if not protos:
            raise KeyError(f"no artifact with id {artifact_id} in {self.config.describe()}")
        return self.to_artifact(protos[0])

    def artifact_by_uri(self, uri: str) -> Artifact:
        """The newest LIVE artifact published at `uri`; KeyError if there is none."""
        live = [p for p in self._store.get_artifacts_by_uri(uri) if p.state == pb.Artifact.LIVE]
        if not live:
            raise KeyError(f"no published artifact at {uri} in {self.config.describe()}; was "
                           f"the task that produces it recorded in the same metadata store?")
        return self.to_artifact(max(live, key=lambda p: p.id))

    def run_output(self, contexts: RunContexts, component_id: str,
                   output_name: str) -> Artifact | None:
        """The output `output_name` of the newest completed or cached execution of
        `component_id` in this run, or None."""
        done = (pb.Execution.COMPLETE, pb.Execution.CACHED)
        executions = [e for e in self._store.get_executions_by_context(contexts.run.id)
                      if e.last_known_state in done
                      and read_value(e.custom_properties["component_id"]) == component_id]
        if not executions:
            return None
        newest = max(executions, key=lambda e: e.id)
        for event in self._store.get_events_by_execution_ids([newest.id]):
            if event.type == pb.Event.OUTPUT and event.path.steps[0].key == output_name:
                return self.artifact(event.artifact_id)
        return None

    def runs(self, pipeline_name: str | None = None) -> list[RunRecord]:
        """All runs, newest first, optionally of one pipeline only."""
        records = []
        for ctx in self._store.get_contexts_by_type(RUN_CONTEXT):
            record = self._run_record(ctx)
            if not pipeline_name or record.pipeline_name == pipeline_name:
                records.append(record)
        return sorted(records, key=lambda r: r.started, reverse=True)

    def _run_record(self, ctx: pb.Context) -> RunRecord:
        """A run as mlpipe records it, or as TFX does (no properties: the pipeline is
        the parent context, the start its creation time, the status its executions')."""
        props = read_map(ctx.custom_properties)
        name = props.get("pipeline_name")
        if name is None:
            parents = self._store.get_parent_contexts_by_context(ctx.id)
            name = parents[0].name if parents else ""
        status = props.get("status")
        if status is None:
            executions = self._store.get_executions_by_context(ctx.id)
            status = derived_run_status([pb.Execution.State.Name(e.last_known_state)
                                         for e in executions])
            props.update(foreign.pushed_by(self, executions))
        started = props.get("start_time", ctx.create_time_since_epoch / 1000)
        return RunRecord(ctx.name, str(name), float(started), str(status), props)

    def executions(self, run_id: str) -> list[ExecutionRecord]:
        """The executions of one run, in the order they started."""
        run_ctx = self._store.get_context_by_type_and_name(RUN_CONTEXT, run_id)
        if run_ctx is None:
            raise KeyError(f"no run {run_id!r} in {self.config.describe()}")
        type_names = {t.id: t.name for t in self._store.get_execution_types()}
        records = [ExecutionRecord(e.id, type_names[e.type_id], foreign.component_id(self, e),
                                   pb.Execution.State.Name(e.last_known_state),
                                   read_map(e.custom_properties))
                   for e in self._store.get_executions_by_context(run_ctx.id)]
        return sorted(records, key=lambda r: r.id)

    def events(self, execution_ids: Iterable[int]) -> list[pb.Event]:
        """The INPUT/OUTPUT events of the given executions."""
        return list(self._store.get_events_by_execution_ids(list(execution_ids)))
