"""Reading a finished run back from ML Metadata, for the end-to-end tests."""
from __future__ import annotations

import os
import subprocess
import sys

from ml_metadata.proto import metadata_store_pb2 as pb

from pipeline.metadata.store import MetadataStore

STANDARD_OUTPUTS = {
    "ExampleGen": {"examples": "Examples"},
    "StatisticsGen": {"statistics": "ExampleStatistics"},
    "SchemaGen": {"schema": "Schema"},
    "ExampleValidator": {"anomalies": "ExampleAnomalies"},
    "Transform": {"transform_graph": "TransformGraph", "transformed_examples": "Examples"},
    "Trainer": {"model": "Model"},
    "Evaluator": {"evaluation": "ModelEvaluation", "blessing": "ModelBlessing"},
    "Pusher": {"pushed_model": "PushedModel"},
}


def events_by_execution(store: MetadataStore, run_id: str) -> dict[str, dict[str, dict[str, int]]]:
    """{component id: {"INPUT"/"OUTPUT": {port name: artifact id}}} for one run."""
    executions = {e.id: e.component_id for e in store.executions(run_id)}
    linked: dict[str, dict[str, dict[str, int]]] = {c: {"INPUT": {}, "OUTPUT": {}}
                                                    for c in executions.values()}
    for event in store.events(executions):
        kind = pb.Event.Type.Name(event.type)
        linked[executions[event.execution_id]][kind][event.path.steps[0].key] = event.artifact_id
    return linked


def artifact_type_name(store: MetadataStore, artifact_id: int) -> str:
    return store.artifact(artifact_id).TYPE_NAME


def mlpipe(*args: str, cwd: str | None = None) -> subprocess.CompletedProcess:
    """Runs the CLI in a child process, as a user would."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=900)
