"""A user's pipeline that lives outside the repository (its own module files and
one user-written component), compiled, then run by kfp.local where the original
files cannot be imported: the stock install runs it from the compiled spec alone,
pushes a model, records what the local runner records, and a resubmission of the
unchanged pipeline reuses every task's outputs through ML Metadata."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.metadata import SqliteConfig
from pipeline.metadata.store import MetadataStore
from tests.e2e.helpers import events_by_execution, mlpipe

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "pipeline" / "examples" / "quality_gate"


def _penguins_csv() -> Path:
    import palmerpenguins

    return Path(palmerpenguins.__file__).parent / "data" / "penguins.csv"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Compiles the copied example, deletes the copy, runs the spec twice under
    kfp.local, and runs the same pipeline with the local runner for comparison."""
    tmp = tmp_path_factory.mktemp("user_project")
    source, workdir = tmp / "my_project", tmp / "elsewhere"
    shutil.copytree(EXAMPLE, source)
    workdir.mkdir()
    # kfp.local's SubprocessRunner rewrites every "python3" in a task's command, the
    # compiled pipeline included: the data lives at a path without it.
    data = tmp / "data" / "penguins.csv"
    data.parent.mkdir()
    shutil.copy(_penguins_csv(), data)
    spec, compiled = tmp / "gated.yaml", tmp / "gated.json"
    for target, output in (("kubeflow", spec), ("ir", compiled)):
        completed = mlpipe("compile", str(source / "pipeline.py"), "--target", target,
                           "-o", str(output), "--data", str(data), cwd=str(tmp))
        assert completed.returncode == 0, completed.stderr
    shutil.rmtree(source)  # nothing of the user's project is left to import
    arguments = {"root": str(tmp / "kfp_root"), "serving_dir": str(tmp / "kfp_serving")}
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONWARNINGS": "ignore"}
    kfp = subprocess.run([sys.executable, "-m", "tests.support.kfp_local_run", str(spec),
                          str(tmp / "kfp_artifacts"), json.dumps(arguments), "2"],
                         cwd=str(workdir), env=env, capture_output=True, text=True, timeout=1200)
    assert kfp.returncode == 0, kfp.stdout[-4000:] + kfp.stderr[-4000:]
    local = mlpipe("run", str(compiled), "--param", f"root={tmp / 'local_root'}", cwd=str(workdir))
    assert local.returncode == 0, local.stdout[-3000:] + local.stderr[-3000:]
    return {"tmp": tmp, "kfp_output": kfp.stdout,
            "kfp": MetadataStore(SqliteConfig(str(tmp / "kfp_root" / "metadata.sqlite"))),
            "local": MetadataStore(SqliteConfig(str(tmp / "local_root" / "metadata.sqlite")))}


def _shape(store: MetadataStore, run_id: str) -> dict:
    """Per component: type, state, and its input and output ports with artifact types."""
    linked = events_by_execution(store, run_id)
    return {e.component_id: (e.type_name, e.state,
                             {kind: {port: store.artifact(a).TYPE_NAME
                                     for port, a in linked[e.component_id][kind].items()}
                              for kind in ("INPUT", "OUTPUT")})
            for e in store.executions(run_id)}


def test_the_compiled_spec_pushes_a_model_where_the_project_files_are_gone(runs):
    store = runs["kfp"]
    first = min(store.runs("penguin_gated"), key=lambda r: r.started)
    assert first.status == "COMPLETE"
    version = str(first.properties["pushed_version"])
    assert [n for n in os.listdir(runs["tmp"] / "kfp_serving" / "penguin_gated") if n.isdigit()] == [version]
    report = store.run_output(store.start_run("penguin_gated", first.run_id, {}),
                              "DataQualityGate", "report")
    assert report.get("passed") == 1
    assert os.path.isfile(os.path.join(report.uri, "missing_fractions.json"))
    assert report.uri.startswith(str(runs["tmp"] / "kfp_artifacts"))  # where KFP put it


def test_kfp_tasks_leave_the_same_records_as_the_local_runner(runs):
    [kfp_first, _] = sorted(runs["kfp"].runs("penguin_gated"), key=lambda r: r.started)
    [local_run] = runs["local"].runs("penguin_gated")
    assert local_run.status == "COMPLETE"
    kfp_shape = _shape(runs["kfp"], kfp_first.run_id)
    assert kfp_shape == _shape(runs["local"], local_run.run_id)
    assert kfp_shape["DataQualityGate"] == ("DataQualityGate", "COMPLETE", {
        "INPUT": {"statistics": "ExampleStatistics"}, "OUTPUT": {"report": "DataQualityReport"}})
    # The same cache key for the same work, whichever orchestrator ran it (data come in
    # by the same --data; later keys follow ExampleGen's output bytes, which tfx_bsl
    # does not serialize identically from one process to the next).
    [kfp_gen] = [e for e in runs["kfp"].executions(kfp_first.run_id) if e.component_id == "ExampleGen"]
    [local_gen] = [e for e in runs["local"].executions(local_run.run_id)
                   if e.component_id == "ExampleGen"]
    assert kfp_gen.properties["cache_key"] == local_gen.properties["cache_key"]


def test_a_resubmitted_unchanged_pipeline_records_every_task_cached(runs):
    store = runs["kfp"]
    first, second = sorted(store.runs("penguin_gated"), key=lambda r: r.started)
    assert second.status == "COMPLETE"
    executions = store.executions(second.run_id)
    assert len(executions) == 9 and {e.state for e in executions} == {"CACHED"}
    assert second.properties["serving_version"] == first.properties["pushed_version"]
    cached_keys = {e.component_id: e.properties["cache_key"] for e in executions}
    assert cached_keys == {e.component_id: e.properties["cache_key"]
                           for e in store.executions(first.run_id)}
