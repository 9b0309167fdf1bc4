"""Lineage graphs read from ML Metadata: what an artifact came from, what was made from it.

The walk follows ML Metadata's own records, never the artifact folders: events
(`get_events_by_artifact_ids`, `get_events_by_execution_ids`) link artifacts
and executions, and the `pipeline_run` context of an execution names its run.

An artifact may have several OUTPUT events once executions are cached: the
COMPLETE execution is its producer, CACHED ones are reuses. Upstream walks
follow producers only; downstream walks include reuses (drawn dashed).
"""
from __future__ import annotations

import dataclasses
import functools
from typing import Iterable

from ml_metadata import errors as mlmd_errors
from ml_metadata.proto import metadata_store_pb2 as pb

from pipeline.metadata.store import PIPELINE_CONTEXT, RUN_CONTEXT, MetadataStore

ARTIFACT, EXECUTION = "artifact", "execution"
STATE_WORDS = {"COMPLETE": "ran", "CACHED": "cached", "FAILED": "failed",
                "RUNNING": "running", "CANCELED": "canceled", "NEW": "new"}


def state_word(state: str) -> str:
    """How a run summary says an execution state: COMPLETE is 'ran', CACHED 'cached'."""
    return STATE_WORDS.get(state, state.lower())


class LineageError(Exception):
    """A lineage question that cannot be answered: unknown id, no pushed model, ..."""


@dataclasses.dataclass(frozen=True)
class LineageNode:
    """An artifact or an execution in a lineage graph."""

    key: str            # "artifact:12" or "execution:5"
    kind: str           # "artifact" | "execution"
    id: int
    type_name: str      # "Model", "Trainer", ...
    uri: str            # artifacts; "" for executions
    run_id: str         # run context name ("" if none); artifacts: the producing execution's run
    created: float      # seconds since epoch
    state: str          # "LIVE"/"COMPLETE"/"CACHED"/...
    properties: dict    # custom + declared properties, plain values
    label: str          # short human label, e.g. "Model #7" / "Trainer #6 (ran)"


@dataclasses.dataclass
class LineageGraph:
    """Nodes by key, and edges (from key, to key, port name): artifact->execution for
    INPUT events, execution->artifact for OUTPUT events."""

    nodes: dict[str, LineageNode]
    edges: list[tuple[str, str, str]]
    root: str | None = None


def artifact_key(artifact_id: int) -> str:
    """The node key of an artifact."""
    return f"{ARTIFACT}:{artifact_id}"


def execution_key(execution_id: int) -> str:
    """The node key of an execution."""
    return f"{EXECUTION}:{execution_id}"


def _plain(proto_map) -> dict[str, object]:
    values = {}
    for name, value in proto_map.items():
        kind = value.WhichOneof("value")
        values[name] = getattr(value, kind) if kind in ("int_value", "double_value",
                                                        "string_value", "bool_value") else None
    return values


def _port(event: pb.Event) -> str:
    steps = event.path.steps
    return steps[0].key if steps and steps[0].HasField("key") else ""


class _Collector:
    """Accumulates events found by a walk, then builds the LineageGraph in batches."""

    def __init__(self, store: MetadataStore):
        self.store = store
        self.raw = store.raw
        self.edges: set[tuple[str, str, str]] = set()
        self.executions: dict[int, pb.Execution] = {}
        self._run_names: dict[int, str] = {}
        self._type_names: dict[tuple[str, int], str] = {}

    def add_event(self, event: pb.Event) -> None:
        """Records one INPUT or OUTPUT event as an edge."""
        art, exe, port = artifact_key(event.artifact_id), execution_key(event.execution_id), _port(event)
        if event.type in (pb.Event.INPUT, pb.Event.DECLARED_INPUT):
            self.edges.add((art, exe, port))
        elif event.type in (pb.Event.OUTPUT, pb.Event.DECLARED_OUTPUT):
            self.edges.add((exe, art, port))

    def load_executions(self, ids: Iterable[int]) -> list[pb.Execution]:
        """Fetches (and remembers) the executions not fetched yet; returns all asked for."""
        ids = list(dict.fromkeys(ids))
        missing = [i for i in ids if i not in self.executions]
        if missing:
            for execution in self.raw.get_executions_by_id(missing):
                self.executions[execution.id] = execution
        return [self.executions[i] for i in ids if i in self.executions]

    @functools.cached_property
    def run_type_id(self) -> int:
        """The id of the pipeline_run context type (-1 if no run was ever recorded)."""
        try:
            return self.raw.get_context_type(RUN_CONTEXT).id
        except mlmd_errors.NotFoundError:
            return -1

    def run_name(self, execution: pb.Execution) -> str:
        """The name of the execution's pipeline_run context, else its run_id property."""
        if execution.id not in self._run_names:
            runs = [c.name for c in self.raw.get_contexts_by_execution(execution.id)
                    if c.type_id == self.run_type_id]
            if not runs:
                runs = [str(_plain(execution.custom_properties).get("run_id") or "")]
            self._run_names[execution.id] = runs[0]
        return self._run_names[execution.id]

    def producers(self, artifact_ids: Iterable[int]) -> dict[int, list[pb.Execution]]:
        """Each artifact's producing executions: the COMPLETE ones if any, else every
        execution with an OUTPUT event to it except CACHED reuses, else all of them."""
        events = [e for e in self.raw.get_events_by_artifact_ids(list(artifact_ids))
                  if e.type == pb.Event.OUTPUT]
        self.load_executions(e.execution_id for e in events)
        found: dict[int, list[pb.Execution]] = {}
        for event in sorted(events, key=lambda e: e.execution_id):
            execution = self.executions.get(event.execution_id)
            if execution is not None:
                found.setdefault(event.artifact_id, []).append(execution)
        return {artifact_id: _preferred_producers(candidates)
                for artifact_id, candidates in found.items()}

    def build(self, root: str | None) -> LineageGraph:
        """The graph of every recorded edge (plus the root), with nodes read in batches."""
        keys = {key for edge in self.edges for key in edge[:2]} | ({root} if root else set())
        execution_ids = sorted(int(k.split(":")[1]) for k in keys if k.startswith(EXECUTION))
        artifact_ids = sorted(int(k.split(":")[1]) for k in keys if k.startswith(ARTIFACT))
        nodes = {n.key: n for n in map(self._execution_node, self.load_executions(execution_ids))}
        producers = self.producers(artifact_ids) if artifact_ids else {}
        for artifact in self.raw.get_artifacts_by_id(artifact_ids) if artifact_ids else []:
            producer = producers.get(artifact.id)
            node = self._artifact_node(artifact, self.run_name(producer[0]) if producer else "")
            nodes[node.key] = node
        edges = sorted(e for e in self.edges if e[0] in nodes and e[1] in nodes)
        return LineageGraph(dict(sorted(nodes.items(), key=_node_order)), edges, root)

    def type_name(self, kind: str, type_id: int) -> str:
        """The name of an artifact or execution type, looked up once."""
        if (kind, type_id) not in self._type_names:
            lookup = (self.raw.get_artifact_types_by_id if kind == ARTIFACT
                      else self.raw.get_execution_types_by_id)
            [proto] = lookup([type_id])
            self._type_names[(kind, type_id)] = proto.name
        return self._type_names[(kind, type_id)]

    def _execution_node(self, execution: pb.Execution) -> LineageNode:
        type_name = self.type_name(EXECUTION, execution.type_id)
        state = pb.Execution.State.Name(execution.last_known_state)
        return LineageNode(execution_key(execution.id), EXECUTION, execution.id, type_name,
                           "", self.run_name(execution), execution.create_time_since_epoch / 1000,
                           state, {**_plain(execution.custom_properties), **_plain(execution.properties)},
                           f"{type_name} #{execution.id} ({state_word(state)})")

    def _artifact_node(self, artifact: pb.Artifact, run_id: str) -> LineageNode:
        typed = self.store.to_artifact(artifact)
        type_name = self.type_name(ARTIFACT, artifact.type_id)
        return LineageNode(artifact_key(artifact.id), ARTIFACT, artifact.id, type_name,
                           artifact.uri, run_id, artifact.create_time_since_epoch / 1000,
                           pb.Artifact.State.Name(artifact.state),
                           {**typed.custom_properties, **typed.properties},
                           f"{type_name} #{artifact.id}" + (
                               " (files deleted)" if artifact.state == pb.Artifact.DELETED else ""))


def _preferred_producers(candidates: list[pb.Execution]) -> list[pb.Execution]:
    complete = [e for e in candidates if e.last_known_state == pb.Execution.COMPLETE]
    if complete:
        return complete
    not_cached = [e for e in candidates if e.last_known_state != pb.Execution.CACHED]
    return not_cached or candidates


def _node_order(item: tuple[str, LineageNode]) -> tuple[float, int, str]:
    node = item[1]
    return (node.created, 0 if node.kind == EXECUTION else 1, node.key)


def _check_artifact(store: MetadataStore, artifact_id: int) -> None:
    if not store.raw.get_artifacts_by_id([int(artifact_id)]):
        raise LineageError(f"no artifact with id {artifact_id} in {store.config.describe()}; "
                           f"expected the id of a recorded artifact (see the '=#<id>' values "
                           f"in `mlpipe run` output, or use 'latest' / 'latest-pushed')")


def upstream(store: MetadataStore, artifact_id: int) -> LineageGraph:
    """Everything the artifact came from, transitively: producing executions, their
    inputs, and so on. Each producer's other outputs are included as leaves (so a
    blessing's graph shows the evaluation made alongside it)."""
    _check_artifact(store, artifact_id)
    collector = _Collector(store)
    frontier, walked, expanded = {int(artifact_id)}, set(), set()
    while frontier:
        walked |= frontier
        chosen = {e.id for executions in collector.producers(frontier).values() for e in executions}
        new = sorted(chosen - expanded)
        expanded |= set(new)
        events = collector.raw.get_events_by_execution_ids(new) if new else []
        for event in events:
            collector.add_event(event)
        frontier = {e.artifact_id for e in events if e.type == pb.Event.INPUT} - walked
    return collector.build(artifact_key(int(artifact_id)))


def downstream(store: MetadataStore, artifact_id: int) -> LineageGraph:
    """Everything made from the artifact, transitively: consuming executions (cached
    reuses included), their outputs, and so on. Each consumer's other inputs are
    included as leaves."""
    _check_artifact(store, artifact_id)
    collector = _Collector(store)
    frontier, walked, expanded = {int(artifact_id)}, set(), set()
    while frontier:
        walked |= frontier
        consumers = {e.execution_id for e in collector.raw.get_events_by_artifact_ids(sorted(frontier))
                     if e.type == pb.Event.INPUT}
        new = sorted(consumers - expanded)
        expanded |= set(new)
        events = collector.raw.get_events_by_execution_ids(new) if new else []
        for event in events:
            collector.add_event(event)
        frontier = {e.artifact_id for e in events if e.type == pb.Event.OUTPUT} - walked
    return collector.build(artifact_key(int(artifact_id)))


def run_context(store: MetadataStore, run_id: str) -> pb.Context:
    """The pipeline_run context of a run; LineageError naming recent runs if unknown."""
    context = store.raw.get_context_by_type_and_name(RUN_CONTEXT, run_id)
    if context is None:
        known = [r.run_id for r in store.runs()[:5]]
        hint = f"recent runs: {', '.join(known)}" if known else "no runs are recorded there"
        raise LineageError(f"no run {run_id!r} in {store.config.describe()}; expected a run id "
                           f"as listed by `mlpipe runs` ({hint})")
    return context


def run_graph(store: MetadataStore, run_id: str) -> LineageGraph:
    """The executions of one run and their input and output artifacts."""
    context = run_context(store, run_id)
    collector = _Collector(store)
    executions = store.raw.get_executions_by_context(context.id)
    for execution in executions:
        collector.executions[execution.id] = execution
    ids = sorted(collector.executions)
    for event in (store.raw.get_events_by_execution_ids(ids) if ids else []):
        collector.add_event(event)
    graph = collector.build(None)
    for execution in executions:  # executions without events (e.g. failed early) still belong
        graph.nodes.setdefault(execution_key(execution.id), collector._execution_node(execution))
    graph.nodes = dict(sorted(graph.nodes.items(), key=_node_order))
    return graph


_REF_HELP = "'latest-pushed' (the model being served), 'latest' (the newest Model) or an artifact id"


def resolve_artifact(store: MetadataStore, pipeline_name: str, ref: str) -> int:
    """The artifact id a reference names: 'latest-pushed' (the newest PushedModel of
    the pipeline with pushed=1), 'latest' (its newest Model), or a number ('#12' too)."""
    text = str(ref).strip().lstrip("#")
    if text.isdigit():
        _check_artifact(store, int(text))
        return int(text)
    if text not in ("latest", "latest-pushed"):
        raise LineageError(f"cannot read {ref!r} as an artifact reference; expected {_REF_HELP}")
    context = store.raw.get_context_by_type_and_name(PIPELINE_CONTEXT, pipeline_name)
    if context is None:
        raise LineageError(f"no runs of pipeline {pipeline_name!r} in {store.config.describe()}; "
                           f"run `mlpipe run {pipeline_name}` first, or pass --root of the "
                           f"pipeline root that holds its metadata")
    collector = _Collector(store)
    wanted = "PushedModel" if text == "latest-pushed" else "Model"
    candidates = [a for a in store.raw.get_artifacts_by_context(context.id)
                  if collector.type_name(ARTIFACT, a.type_id) == wanted
                  and a.state == pb.Artifact.LIVE]
    if text == "latest-pushed":
        candidates = [a for a in candidates if store.to_artifact(a).get("pushed") == 1]
    if not candidates:
        what = "pushed model (PushedModel with pushed=1)" if text == "latest-pushed" else "Model"
        raise LineageError(f"pipeline {pipeline_name!r} has no {what} yet in "
                           f"{store.config.describe()}; a model is pushed only when it is "
                           f"blessed: see `mlpipe runs {pipeline_name}`, or ask about "
                           f"'latest' or an artifact id instead")
    return max(candidates, key=lambda a: (a.create_time_since_epoch, a.id)).id
