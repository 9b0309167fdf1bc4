"""The ML Metadata wrapper and a whole pipeline run through MLMD's gRPC API, as on Kubeflow.

The server (tests/support/mlmd_grpc_server.py) serves ml_metadata.MetadataStoreService
from ml-metadata's own store; the pipeline reaches it with ml-metadata's real
gRPC client, configured the way a deployment configures it
(MLPIPE_MLMD_GRPC_HOST and _GRPC_PORT).
"""
from __future__ import annotations

import inspect
import itertools
import json
import os
from typing import Iterator

import pytest

from pipeline.metadata import GrpcConfig, SqliteConfig
from pipeline.metadata.store import MetadataStore
from tests.e2e.helpers import STANDARD_OUTPUTS, mlpipe
from tests.metadata import test_store as sqlite_suite
from tests.support.mlmd_grpc_server import MlmdGrpcServer

_servers = itertools.count(1)


@pytest.fixture
def grpc_server(tmp_path) -> Iterator[MlmdGrpcServer]:
    """A service of this test's own, over a fresh SQLite file."""
    with MlmdGrpcServer(str(tmp_path / f"served-{next(_servers)}.sqlite")) as server:
        yield server


def _config(server: MlmdGrpcServer) -> GrpcConfig:
    return GrpcConfig(server.host, server.port)


SQLITE_SUITE_TESTS = [name for name, function in inspect.getmembers(sqlite_suite, inspect.isfunction)
                      if name.startswith("test_") and "_store" in function.__code__.co_names
                      and list(inspect.signature(function).parameters) == ["tmp_path"]]


def test_the_sqlite_suite_is_found():
    assert len(SQLITE_SUITE_TESTS) >= 4


@pytest.mark.parametrize("name", SQLITE_SUITE_TESTS)
def test_store_wrapper_over_grpc(name, grpc_server, monkeypatch, tmp_path):
    monkeypatch.setattr(sqlite_suite, "_store", lambda _: MetadataStore(_config(grpc_server)))
    getattr(sqlite_suite, name)(tmp_path)


def test_records_live_in_the_servers_database(grpc_server):
    store = MetadataStore(_config(grpc_server))
    run = store.start_run("pipe", "run-1", {})
    store.start_execution(run, "ExampleGen", "ExampleGen", {}, {})
    served = MetadataStore(SqliteConfig(grpc_server.sqlite_file))  # the server's own file
    assert [e.component_id for e in served.executions("run-1")] == ["ExampleGen"]


def test_server_errors_reach_the_client_as_mlmd_errors(grpc_server):
    from ml_metadata import errors

    store = MetadataStore(_config(grpc_server))
    with pytest.raises(errors.NotFoundError):
        store.raw.get_artifact_type("NoSuchType")


@pytest.mark.slow
def test_penguin_run_is_recorded_over_grpc_with_its_lineage(grpc_server, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLPIPE_MLMD_")}
    env.update(MLPIPE_MLMD_GRPC_HOST=grpc_server.host, MLPIPE_MLMD_GRPC_PORT=str(grpc_server.port))
    root = str(tmp_path / "root")
    completed = mlpipe("run", "--root", root, env=env)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert f"metadata grpc://{grpc_server.host}:{grpc_server.port}" in completed.stdout
    assert not os.path.exists(os.path.join(root, "metadata.sqlite"))

    store = MetadataStore(_config(grpc_server))
    [run] = store.runs("penguin")
    assert run.status == "COMPLETE"
    assert [(e.component_id, e.state) for e in store.executions(run.run_id)] == [
        (c, "COMPLETE") for c in STANDARD_OUTPUTS]

    lineage = mlpipe("lineage", "model", "--json", "--root", root, env=env)
    assert lineage.returncode == 0, lineage.stdout + lineage.stderr
    provenance = json.loads(lineage.stdout)["provenance"]
    assert provenance["model"]["uri"].startswith(os.path.join(root, "Trainer", "model"))
    assert provenance["schema"]["uri"].startswith(os.path.join(root, "SchemaGen", "schema"))
