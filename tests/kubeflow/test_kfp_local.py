"""The compiled penguin pipeline, run for real by kfp.local (SubprocessRunner, no
Docker): it pushes a model and leaves the same ML Metadata records as the local runner."""
from __future__ import annotations

import os

import pytest
from kfp import components, local

from pipeline.metadata import SqliteConfig
from pipeline.metadata.store import MetadataStore
from tests.e2e.helpers import STANDARD_OUTPUTS, artifact_type_name, events_by_execution
from tests.kubeflow.test_compiler import GOLDEN

pytestmark = pytest.mark.slow


def test_compiled_pipeline_runs_under_kfp_local_and_records_like_the_local_runner(tmp_path):
    root, serving = tmp_path / "root", tmp_path / "serving"
    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=str(tmp_path / "kfp"))
    pipeline = components.load_component_from_file(str(GOLDEN))
    pipeline(root=str(root), serving_dir=str(serving))

    store = MetadataStore(SqliteConfig(str(root / "metadata.sqlite")))
    [run] = store.runs("penguin")
    assert run.status == "COMPLETE"
    assert os.listdir(serving / "penguin") == [str(run.properties["pushed_version"])]
    executions = store.executions(run.run_id)
    assert sorted((e.type_name, e.state) for e in executions) == \
        sorted((c, "COMPLETE") for c in STANDARD_OUTPUTS)
    linked = events_by_execution(store, run.run_id)
    for component, outputs in STANDARD_OUTPUTS.items():
        assert {p: artifact_type_name(store, a) for p, a in linked[component]["OUTPUT"].items()} == outputs
    out = {c: linked[c]["OUTPUT"] for c in linked}
    assert linked["Trainer"]["INPUT"] == {"examples": out["Transform"]["transformed_examples"],
                                          "transform_graph": out["Transform"]["transform_graph"],
                                          "schema": out["SchemaGen"]["schema"]}
    assert linked["Pusher"]["INPUT"] == {"model": out["Trainer"]["model"],
                                         "model_blessing": out["Evaluator"]["blessing"]}
    context_types = {store.raw.get_context_types_by_id([c.type_id])[0].name
                     for c in store.raw.get_contexts_by_execution(executions[-1].id)}
    assert context_types == {"pipeline", "pipeline_run", "node"}
    model = store.artifact(out["Trainer"]["model"])
    assert model.uri.startswith(str(tmp_path / "kfp"))  # artifacts live where KFP put them
