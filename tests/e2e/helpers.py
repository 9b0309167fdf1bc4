"""Reading a finished run back from ML Metadata, for the end-to-end tests."""
from __future__ import annotations

import os
import subprocess
import sys

from ml_metadata.proto import metadata_store_pb2 as pb

from pipeline.metadata.store import MetadataStore

# The penguin pipeline's: its Transform is not materialized (no transformed_examples).
STANDARD_OUTPUTS = {
    "ExampleGen": {"examples": "Examples"},
    "StatisticsGen": {"statistics": "ExampleStatistics"},
    "SchemaGen": {"schema": "Schema"},
    "ExampleValidator": {"anomalies": "ExampleAnomalies"},
    "Transform": {"transform_graph": "TransformGraph"},
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


def mlpipe(*args: str, cwd: str | None = None,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Runs the CLI in a child process, as a user would (in `env`, default os.environ)."""
    env = {**(os.environ if env is None else env), "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=900)


SPECIES = ["Adelie", "Chinstrap", "Gentoo"]


def _raw_example(header: list[str], row: list[str]) -> bytes:
    """A raw penguin tf.Example as a client sends it to serving (no label)."""
    import tensorflow as tf

    features = {}
    for name, value in zip(header, row):
        if name == "species":
            continue
        if name in ("island", "sex"):
            features[name] = tf.train.Feature(bytes_list=tf.train.BytesList(value=[value.encode()]))
        elif name in ("bill_length_mm", "bill_depth_mm"):
            features[name] = tf.train.Feature(float_list=tf.train.FloatList(value=[float(value)]))
        else:
            features[name] = tf.train.Feature(int64_list=tf.train.Int64List(value=[int(value)]))
    return tf.train.Example(features=tf.train.Features(feature=features)).SerializeToString()


def penguin_accuracy(saved_model: str) -> float:
    """Accuracy of a pushed SavedModel's serving signature on every tenth complete row."""
    import numpy as np
    import tensorflow as tf

    from tests.conftest import read_penguin_rows

    header, rows = read_penguin_rows()
    complete = [r for r in rows if "NA" not in r][::10]
    serve = tf.saved_model.load(saved_model).signatures["serving_default"]
    examples = tf.constant([_raw_example(header, r) for r in complete])
    probabilities = serve(examples=examples)["outputs"].numpy()
    assert probabilities.shape == (len(complete), len(SPECIES))
    predicted = [SPECIES[i] for i in np.argmax(probabilities, axis=1)]
    return float(np.mean([p == r[0] for p, r in zip(predicted, complete)]))


def run_in_bucket(env: dict[str, str], tmp_path_factory, root: str, data: str):
    """One full `mlpipe run` with its root and data in a bucket and ML Metadata in a
    local SQLite file, from a working folder that must stay empty; returns the
    completed process, the environment and that folder."""
    workdir = tmp_path_factory.mktemp("workdir")
    env["MLPIPE_MLMD_SQLITE"] = str(tmp_path_factory.mktemp("mlmd") / "metadata.sqlite")
    completed = mlpipe("run", "--root", root, "--data", data, cwd=str(workdir), env=env)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed, env, workdir


def metadata_of(env: dict[str, str]):
    """The ML Metadata store of a `run_in_bucket` run."""
    from pipeline.dsl.metadata_config import SqliteConfig
    from pipeline.metadata.store import MetadataStore

    return MetadataStore(SqliteConfig(env["MLPIPE_MLMD_SQLITE"]))


def rerun_is_all_cached(env: dict[str, str], workdir, root: str, data: str) -> None:
    """The same run again: nothing changed, so every component is CACHED."""
    completed = mlpipe("run", "--root", root, "--data", data, cwd=str(workdir), env=env)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "nothing new pushed" in completed.stdout
    store = metadata_of(env)
    assert [e.state for e in store.executions(store.runs("penguin")[0].run_id)] == ["CACHED"] * 8


def report_of(env: dict[str, str], root: str, folder) -> str:
    """The HTML of `mlpipe report latest` for a bucket root."""
    output = folder / "report.html"
    completed = mlpipe("report", "latest", "--root", root, "-o", str(output), env=env)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return output.read_text()
