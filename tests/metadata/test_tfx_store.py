"""A store TFX wrote, read by mlpipe: runs, their pipeline, status and executions.

The records are the ones TFX 1.16's LocalDagRunner writes (checked against a
store it wrote): contexts without properties, the run linked to its pipeline
as a parent context, node contexts named `<pipeline>.<node id>`, executions
typed by component class path with no component id of their own."""
from __future__ import annotations

from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2 as pb

from pipeline.metadata import SqliteConfig
from pipeline.metadata.store import MetadataStore

TFX_RUN = "2026-11-25T21:37:12.005893"
NODES = {"CsvExampleGen": "tfx.components.example_gen.csv_example_gen.component.CsvExampleGen",
         "StatisticsGen": "tfx.components.statistics_gen.component.StatisticsGen",
         "Pusher": "tfx.components.pusher.component.Pusher"}


def _pushed_model(store) -> list:
    """What TFX's Pusher records: pushed, destination and the version as text."""
    artifact = pb.Artifact(type_id=store.put_artifact_type(pb.ArtifactType(name="PushedModel")),
                           uri="/root/Pusher/pushed_model/3", state=pb.Artifact.LIVE)
    artifact.custom_properties["pushed"].int_value = 1
    artifact.custom_properties["pushed_version"].string_value = "1795642713"
    artifact.custom_properties["pushed_destination"].string_value = "/serving/1795642713"
    artifact.custom_properties["tfx_version"].string_value = "1.16.0"
    event = pb.Event(type=pb.Event.OUTPUT)
    event.path.steps.add().key = "pushed_model"
    event.path.steps.add().index = 0
    return [(artifact, event)]


def _write_tfx_like_store(path: str, failed: str | None = None) -> None:
    config = pb.ConnectionConfig()
    config.sqlite.filename_uri = path
    config.sqlite.connection_mode = pb.SqliteMetadataSourceConfig.READWRITE_OPENCREATE
    store = metadata_store.MetadataStore(config)
    types = {name: store.put_context_type(pb.ContextType(name=name))
             for name in ("pipeline", "pipeline_run", "node")}
    pipeline_ctx = pb.Context(type_id=types["pipeline"], name="penguin_research")
    run_ctx = pb.Context(type_id=types["pipeline_run"], name=TFX_RUN)
    [pipeline_ctx.id, run_ctx.id] = store.put_contexts([pipeline_ctx, run_ctx])
    store.put_parent_contexts([pb.ParentContext(parent_id=pipeline_ctx.id, child_id=run_ctx.id)])
    for node_id, type_name in NODES.items():
        node_ctx = pb.Context(type_id=types["node"], name=f"penguin_research.{node_id}")
        [node_ctx.id] = store.put_contexts([node_ctx])
        state = pb.Execution.FAILED if node_id == failed else pb.Execution.COMPLETE
        execution = pb.Execution(type_id=store.put_execution_type(pb.ExecutionType(name=type_name)),
                                 name=f"uuid-{node_id}", last_known_state=state)
        execution.custom_properties["exclude_splits"].string_value = "[]"
        outputs = _pushed_model(store) if node_id == "Pusher" else []
        store.put_execution(execution, outputs, [pipeline_ctx, run_ctx, node_ctx])


def test_runs_of_a_tfx_store_have_their_pipeline_status_and_start(tmp_path):
    path = str(tmp_path / "tfx.sqlite")
    _write_tfx_like_store(path)
    store = MetadataStore(SqliteConfig(path))
    [run] = store.runs("penguin_research")
    assert (run.run_id, run.pipeline_name, run.status) == (TFX_RUN, "penguin_research", "COMPLETE")
    assert run.started > 1_000_000_000  # the context's creation time, in seconds
    assert run.properties["pushed_version"] == "1795642713"
    executions = store.executions(TFX_RUN)
    assert [(e.component_id, e.type_name, e.state) for e in executions] == [
        (node_id, type_name, "COMPLETE") for node_id, type_name in NODES.items()]


def test_a_tfx_run_with_a_failed_execution_is_failed(tmp_path):
    path = str(tmp_path / "tfx.sqlite")
    _write_tfx_like_store(path, failed="StatisticsGen")
    [run] = MetadataStore(SqliteConfig(path)).runs()
    assert run.status == "FAILED"
