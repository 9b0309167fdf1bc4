"""Reads one run from ML Metadata: its record, executions and their artifacts."""
from __future__ import annotations

import dataclasses

from ml_metadata.proto import metadata_store_pb2 as pb

from pipeline.dsl.artifact import Artifact
from pipeline.metadata.store import ExecutionRecord, MetadataStore, RunRecord

# A CACHED execution's outputs are earlier artifacts linked by OUTPUT events: as good as COMPLETE.
DONE_STATES = ("COMPLETE", "CACHED")


@dataclasses.dataclass(frozen=True)
class ExecutionView:
    """One execution of the run with its artifacts, by port name."""

    record: ExecutionRecord
    inputs: dict[str, Artifact]
    outputs: dict[str, Artifact]

    @property
    def done(self) -> bool:
        return self.record.state in DONE_STATES


@dataclasses.dataclass(frozen=True)
class RunView:
    """Everything the report shows about one run."""

    run: RunRecord
    executions: list[ExecutionView]

    def outputs_of_type(self, type_name: str) -> list[tuple[ExecutionView, Artifact]]:
        """(producer, artifact) for every output of this type from a finished execution."""
        return [(e, a) for e in self.executions if e.done for a in e.outputs.values()
                if a.TYPE_NAME == type_name]

    def last_output(self, type_name: str) -> tuple[ExecutionView, Artifact] | None:
        """The newest finished output of this type, or None."""
        found = self.outputs_of_type(type_name)
        return found[-1] if found else None

    def failed(self) -> list[ExecutionView]:
        """Executions that did not finish (FAILED, RUNNING, CANCELED, ...)."""
        return [e for e in self.executions if not e.done]


def find_run(store: MetadataStore, run_id: str) -> RunRecord:
    """The run's record; KeyError if the store has no such run."""
    for run in store.runs():
        if run.run_id == run_id:
            return run
    raise KeyError(f"no run {run_id!r} in {store.config.describe()}")


def _port(event: pb.Event) -> str:
    keys = [step.key for step in event.path.steps if step.HasField("key")]
    return keys[0] if keys else f"artifact_{event.artifact_id}"


def gather_run(store: MetadataStore, run_id: str) -> RunView:
    """The run, its executions in start order, and their input and output artifacts."""
    run = find_run(store, run_id)
    records = store.executions(run_id)
    events = store.events([r.id for r in records]) if records else []
    artifacts: dict[int, Artifact] = {}
    linked: dict[int, dict[str, dict[str, Artifact]]] = {
        r.id: {"inputs": {}, "outputs": {}} for r in records}
    for event in sorted(events, key=lambda e: (e.execution_id, e.artifact_id)):
        if event.artifact_id not in artifacts:
            artifacts[event.artifact_id] = store.artifact(event.artifact_id)
        if event.type in (pb.Event.OUTPUT, pb.Event.DECLARED_OUTPUT, pb.Event.INTERNAL_OUTPUT):
            side = "outputs"
        elif event.type in (pb.Event.INPUT, pb.Event.DECLARED_INPUT, pb.Event.INTERNAL_INPUT):
            side = "inputs"
        else:
            continue
        linked[event.execution_id][side][_port(event)] = artifacts[event.artifact_id]
    views = [ExecutionView(r, linked[r.id]["inputs"], linked[r.id]["outputs"]) for r in records]
    return RunView(run, views)
