"""The ML Metadata wrapper and a whole pipeline run, against a real MariaDB server.

One throwaway `mariadbd` (tests/support/mysql_server.py) serves the module; every test
gets a database of its own, reached over TCP with a user and password, as a
cluster's metadata store is. Skipped when mariadb-server is not installed
(`.ci/install-mariadb.sh` installs it; CI runs that first).
"""
from __future__ import annotations

import hashlib
import inspect
import itertools
import os
from typing import Callable, Iterator

import pytest
from ml_metadata.proto import metadata_store_pb2 as pb

from tests.support.mysql_server import SKIP_MESSAGE, MariaDbServer, server_binary

if server_binary() is None:
    pytest.skip(SKIP_MESSAGE, allow_module_level=True)

from pipeline.dsl import Model, ModelBlessing  # noqa: E402
from pipeline.metadata import MySqlConfig  # noqa: E402
from pipeline.metadata.resolvers import latest_blessed_model  # noqa: E402
from pipeline.metadata.store import MetadataStore  # noqa: E402
from tests.e2e.helpers import mlpipe  # noqa: E402
from tests.metadata import test_store as sqlite_suite  # noqa: E402
from tests.support.paused_run import run_paused  # noqa: E402
from tests.support.slow_pipeline import SLOW_PIPELINE  # noqa: E402

StoreFactory = Callable[[], MetadataStore]
_database_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def mariadb() -> Iterator[MariaDbServer]:
    with MariaDbServer() as server:
        yield server


def config_for(server: MariaDbServer, database: str) -> MySqlConfig:
    """How a pipeline would be told to use `database` on the server."""
    return MySqlConfig(host=server.host, port=server.port, database=database,
                       user=server.user, password=server.password)


@pytest.fixture
def mysql_config(mariadb: MariaDbServer) -> MySqlConfig:
    """A fresh, empty database of this test's own on the module's server."""
    return config_for(mariadb, mariadb.create_database(f"mlmd_test_{next(_database_numbers)}"))


@pytest.fixture
def mysql_store(mysql_config: MySqlConfig) -> StoreFactory:
    """Opens a new connection (a new MetadataStore) to the test's database per call."""
    return lambda: MetadataStore(mysql_config)


# -- a. the SQLite suite's tests, run against MySQL ------------------------------
def _sqlite_suite_tests() -> list[str]:
    """tests/metadata/test_store.py's store tests: those that take tmp_path only and get
    their store from the module's `_store(tmp_path)`, which these runs point at MySQL."""
    return [name for name, function in inspect.getmembers(sqlite_suite, inspect.isfunction)
            if name.startswith("test_") and "_store" in function.__code__.co_names
            and list(inspect.signature(function).parameters) == ["tmp_path"]]


SQLITE_SUITE_TESTS = _sqlite_suite_tests()


def test_the_sqlite_suite_is_found():
    assert len(SQLITE_SUITE_TESTS) >= 4 and callable(getattr(sqlite_suite, "_store", None))


@pytest.mark.parametrize("name", SQLITE_SUITE_TESTS)
def test_store_wrapper_on_mysql(name: str, mysql_store: StoreFactory, monkeypatch, tmp_path):
    monkeypatch.setattr(sqlite_suite, "_store", lambda _tmp_path: mysql_store())
    getattr(sqlite_suite, name)(tmp_path)


def test_records_live_in_the_mariadb_database(mariadb: MariaDbServer, mysql_config: MySqlConfig):
    store = MetadataStore(mysql_config)
    run = store.start_run("pipe", "run-1", {})
    store.start_execution(run, "ExampleGen", "ExampleGen", {}, {})
    rows = mariadb.sql("SELECT COUNT(*) FROM Execution; SELECT COUNT(*) FROM Context",
                       database=mysql_config.database).split()
    assert rows == ["1", "3"]  # one execution; pipeline, run and node contexts


def test_non_ascii_text_round_trips(mysql_store: StoreFactory):
    store = mysql_store()
    run = store.start_run("pipe", "run-ü", {})
    gen_id = store.start_execution(run, "ExampleGen", "ExampleGen", {}, {})
    error = "/data/pingüinos.csv: column 'x' is missing — 企鹅 🐧"
    store.fail_execution(gen_id, error, {})
    [record] = mysql_store().executions("run-ü")
    assert record.properties["error"] == error


# -- c. persistence across connections -----------------------------------------
def test_a_second_connection_sees_the_first_ones_records(mysql_store: StoreFactory):
    first = mysql_store()
    run = first.start_run("pipe", "run-1", {"pipeline_root": "/runs/pipe"})
    trainer_id = first.start_execution(run, "Trainer", "Trainer", {}, {"param:steps": 400})
    model = Model(uri="/runs/pipe/Trainer/model/1")
    first.complete_execution(trainer_id, {"model": model}, {"duration_seconds": 1.5})
    blessing = ModelBlessing(uri="/runs/pipe/Evaluator/blessing/2")
    blessing.set("blessed", 1)
    blessing.set("current_model_id", model.id)
    evaluator_id = first.start_execution(run, "Evaluator", "Evaluator", {"model": model}, {})
    first.complete_execution(evaluator_id, {"blessing": blessing}, {})
    failed_id = first.start_execution(run, "Pusher", "Pusher", {"model": model}, {})
    first.fail_execution(failed_id, "serving dir is read-only", {})
    first.update_run(run, {"status": "FAILED"})
    del first

    second = mysql_store()
    [record] = second.runs("pipe")
    assert (record.run_id, record.status) == ("run-1", "FAILED")
    assert record.properties["pipeline_root"] == "/runs/pipe"
    executions = second.executions("run-1")
    assert [(e.component_id, e.state) for e in executions] == [
        ("Trainer", "COMPLETE"), ("Evaluator", "COMPLETE"), ("Pusher", "FAILED")]
    assert executions[0].properties["param:steps"] == 400
    assert executions[2].properties["error"] == "serving dir is read-only"
    assert latest_blessed_model(second, "pipe").uri == model.uri
    assert isinstance(second.artifact(model.id), Model)


# -- b. a whole pipeline run, and its lineage read back ---------------------------
def penguin_fingerprint(path: str) -> str:
    """ExampleGen's input_fingerprint of one CSV, computed independently: the sha256 of
    the file content's sha256 digest (content only, not the name)."""
    with open(path, "rb") as handle:
        return hashlib.sha256(hashlib.sha256(handle.read()).digest()).hexdigest()


def upstream_lineage(store: MetadataStore, artifact_id: int) -> tuple[dict[int, pb.Artifact],
                                                                     dict[int, pb.Execution]]:
    """Every artifact and execution upstream of an artifact, by walking events back:
    artifact -> OUTPUT event -> producing execution -> INPUT events -> its inputs."""
    raw = store.raw
    artifacts = {a.id: a for a in raw.get_artifacts_by_id([artifact_id])}
    executions: dict[int, pb.Execution] = {}
    frontier = [artifact_id]
    while frontier:
        producers = list({e.execution_id for e in raw.get_events_by_artifact_ids(frontier)
                          if e.type == pb.Event.OUTPUT and e.execution_id not in executions})
        if not producers:
            break
        executions.update({e.id: e for e in raw.get_executions_by_id(producers)})
        frontier = list({e.artifact_id for e in raw.get_events_by_execution_ids(producers)
                         if e.type == pb.Event.INPUT and e.artifact_id not in artifacts})
        if frontier:
            artifacts.update({a.id: a for a in raw.get_artifacts_by_id(frontier)})
    return artifacts, executions


@pytest.mark.slow
def test_penguin_run_is_recorded_in_mysql_with_its_lineage(mysql_config: MySqlConfig, tmp_path):
    from pipeline.examples.penguin.pipeline import DATA_FILE, create_pipeline
    from pipeline.runner.local import LocalRunner
    from tests.e2e.helpers import STANDARD_OUTPUTS

    pipeline = create_pipeline(root=str(tmp_path), metadata=mysql_config)
    result = LocalRunner().run(pipeline)
    assert result.ok, result.message

    store = MetadataStore(mysql_config)  # a new connection: read back what the run wrote
    executions = store.executions(result.run_id)
    assert [(e.component_id, e.state) for e in executions] == [
        (c, "COMPLETE") for c in STANDARD_OUTPUTS]
    [run] = store.runs("penguin")
    assert run.status == "COMPLETE" and run.properties["pushed_version"] > 0
    assert not os.path.exists(os.path.join(str(tmp_path), "metadata.sqlite"))

    pushed = result.find_output("PushedModel")
    artifacts, producers = upstream_lineage(store, pushed.id)
    components = {str(e.custom_properties["component_id"].string_value) for e in producers.values()}
    assert components == set(STANDARD_OUTPUTS) - {"ExampleValidator"}  # its output feeds nothing
    by_type: dict[str, list[pb.Artifact]] = {}
    for artifact in artifacts.values():
        by_type.setdefault(store.to_artifact(artifact).TYPE_NAME, []).append(artifact)
    fingerprints = [a.custom_properties["input_fingerprint"].string_value
                    for a in by_type["Examples"] if "input_fingerprint" in a.custom_properties]
    assert fingerprints == [penguin_fingerprint(DATA_FILE)]
    assert [a.id for a in by_type["Schema"]] == [result.output("SchemaGen", "schema").id]
    assert [a.id for a in by_type["TransformGraph"]] == [
        result.output("Transform", "transform_graph").id]


# -- c. the database server stops in the middle of a run ----------------------------
@pytest.mark.slow
def test_a_store_server_that_stops_mid_run_gives_one_line_and_the_next_run_recovers(tmp_path):
    """The server is stopped (its data kept) while a run is about to record a
    component's outputs; the run ends with one line; once the server is back, the
    next command finds the run abandoned and the next run completes."""
    path = tmp_path / "slow_pipeline.py"
    path.write_text(SLOW_PIPELINE)
    with MariaDbServer() as server:
        env = {"MLPIPE_MLMD_HOST": server.host, "MLPIPE_MLMD_PORT": str(server.port),
               "MLPIPE_MLMD_DATABASE": server.database, "MLPIPE_MLMD_USER": server.user,
               "MLPIPE_MLMD_PASSWORD": server.password}
        args = ["run", str(path), "--root", str(tmp_path / "root"), "--param", "seconds=0",
                "--param", f"marker={tmp_path / 'started'}"]
        failed = run_paused(args, "Slow:record", tmp_path / "sync", server.halt, env)
        assert failed.returncode == 1, failed.stdout + failed.stderr
        [line] = failed.stderr.strip().splitlines()
        assert line.startswith("mlpipe: error: ") and f"mysql://{server.user}@" in line, line
        assert "Traceback" not in failed.stdout + failed.stderr
        server.resume()
        environ = {**os.environ, **env}
        listed = mlpipe("runs", str(path), "--root", str(tmp_path / "root"), env=environ)
        assert "ABANDONED" in listed.stdout, listed.stdout + listed.stderr
        again = mlpipe(*args, env=environ)
        assert again.returncode == 0, again.stdout + again.stderr
        store = MetadataStore(config_for(server, server.database))
        assert [r.status for r in store.runs("slow")] == ["COMPLETE", "ABANDONED"]
        assert not [e for r in store.runs("slow") for e in store.executions(r.run_id)
                    if e.state == "RUNNING"]
