"""The ML Metadata wrapper, against a real SQLite-backed store."""
from __future__ import annotations

import pytest
from ml_metadata.proto import metadata_store_pb2 as pb

from pipeline.dsl import Examples, Model, ModelBlessing
from pipeline.metadata import SqliteConfig
from pipeline.metadata.resolvers import latest_blessed_model
from pipeline.metadata.store import MetadataStore


def _store(tmp_path) -> MetadataStore:
    return MetadataStore(SqliteConfig(str(tmp_path / "m" / "metadata.sqlite")))


def test_execution_lifecycle_records_types_events_and_contexts(tmp_path):
    store = _store(tmp_path)
    run = store.start_run("pipe", "run-1", {})
    gen_id = store.start_execution(run, "ExampleGen", "ExampleGen", {}, {"param:x": 1})
    examples = Examples(uri="/data/examples")
    examples.split_names = ["train", "eval"]
    store.complete_execution(gen_id, {"examples": examples}, {"duration_seconds": 0.5})
    assert examples.id is not None

    trainer_id = store.start_execution(run, "Trainer", "Trainer", {"examples": examples}, {})
    store.complete_execution(trainer_id, {"model": Model(uri="/m")}, {})

    executions = store.executions("run-1")
    assert [(e.type_name, e.state) for e in executions] == [("ExampleGen", "COMPLETE"),
                                                            ("Trainer", "COMPLETE")]
    events = store.events([gen_id, trainer_id])
    kinds = sorted((e.execution_id, e.type, e.path.steps[0].key) for e in events)
    assert kinds == sorted([(gen_id, pb.Event.OUTPUT, "examples"),
                            (trainer_id, pb.Event.INPUT, "examples"),
                            (trainer_id, pb.Event.OUTPUT, "model")])
    stored = store.artifact(examples.id)
    assert isinstance(stored, Examples) and stored.split_names == ["train", "eval"]
    context_types = {store.raw.get_context_types_by_id([c.type_id])[0].name
                     for c in store.raw.get_contexts_by_execution(trainer_id)}
    assert context_types == {"pipeline", "pipeline_run", "node"}


def test_failed_execution_keeps_its_error(tmp_path):
    store = _store(tmp_path)
    run = store.start_run("pipe", "run-1", {})
    execution_id = store.start_execution(run, "ExampleGen", "ExampleGen", {}, {})
    store.fail_execution(execution_id, "data.csv: column 'x' is missing", {})
    [record] = store.executions("run-1")
    assert record.state == "FAILED"
    assert "column 'x' is missing" in record.properties["error"]


def test_latest_blessed_model_skips_unblessed_ones(tmp_path):
    store = _store(tmp_path)
    assert latest_blessed_model(store, "pipe") is None
    run = store.start_run("pipe", "run-1", {})
    model_ids = []
    for blessed in (1, 1, 0):
        execution_id = store.start_execution(run, "Trainer", "Trainer", {}, {})
        model = Model(uri=f"/m{len(model_ids)}")
        store.complete_execution(execution_id, {"model": model}, {})
        model_ids.append(model.id)
        blessing = ModelBlessing(uri="/b")
        blessing.set("blessed", blessed)
        blessing.set("current_model_id", model.id)
        evaluator_id = store.start_execution(run, "Evaluator", "Evaluator", {"model": model}, {})
        store.complete_execution(evaluator_id, {"blessing": blessing}, {})
    assert latest_blessed_model(store, "pipe").id == model_ids[1]
    assert latest_blessed_model(store, "other-pipe") is None


def test_runs_are_listed_newest_first_with_status(tmp_path):
    store = _store(tmp_path)
    first = store.start_run("pipe", "run-a", {})
    store.update_run(first, {"status": "COMPLETE", "pushed_version": 7})
    store.start_run("pipe", "run-b", {})
    store.start_run("other", "run-c", {})
    runs = store.runs("pipe")
    assert [r.run_id for r in runs] == ["run-b", "run-a"]
    assert runs[1].status == "COMPLETE" and runs[1].properties["pushed_version"] == 7


def test_deployment_environment_selects_the_metadata_connection():
    from pipeline.metadata import GrpcConfig, MySqlConfig, metadata_from_env

    assert metadata_from_env({}) is None
    mysql = metadata_from_env({"MLPIPE_MLMD_HOST": "db", "MLPIPE_MLMD_USER": "u",
                               "MLPIPE_MLMD_PASSWORD": "p", "MLPIPE_MLMD_DATABASE": "mlmd"})
    assert mysql == MySqlConfig(host="db", database="mlmd", user="u", password="p", port=3306)
    assert mysql.to_proto().mysql.host == "db"
    grpc = metadata_from_env({"MLPIPE_MLMD_GRPC_HOST": "metadata-grpc-service.kubeflow"})
    assert grpc == GrpcConfig("metadata-grpc-service.kubeflow", 8080)
    assert grpc.to_proto().port == 8080
    sqlite = metadata_from_env({"MLPIPE_MLMD_SQLITE": "/var/mlpipe/metadata.sqlite"})
    assert sqlite.path == "/var/mlpipe/metadata.sqlite"


def test_one_artifact_wired_to_two_inputs_is_refused_with_the_port_names(tmp_path):
    store = _store(tmp_path)
    run = store.start_run("pipe", "run-1", {})
    gen_id = store.start_execution(run, "ExampleGen", "ExampleGen", {}, {})
    examples = Examples(uri="/data/examples")
    store.complete_execution(gen_id, {"examples": examples}, {})
    with pytest.raises(ValueError, match="Compare: baseline, examples are the same artifact"):
        store.start_execution(run, "Compare", "Compare",
                              {"examples": examples, "baseline": examples}, {})
