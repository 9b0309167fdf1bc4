"""Lineage graphs and model provenance over two real penguin runs."""
from __future__ import annotations

import hashlib
import os

import pytest

from pipeline.examples.penguin.pipeline import DATA_FILE, MODEL_FILE, PREPROCESSING_FILE, SCHEMA_FILE
from pipeline.lineage import LineageError, downstream, resolve_artifact, run_graph, upstream
from pipeline.lineage.graph import artifact_key, execution_key
from pipeline.lineage.summary import model_provenance, provenance_text
from tests.lineage.conftest import CACHED_IN_SECOND_RUN, SECOND_RUN_TRAIN_STEPS

pytestmark = pytest.mark.slow


def _sha256(path: str) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def csv_fingerprint(path: str) -> str:
    """ExampleGen's input fingerprint of one file, computed independently: the sha256 of
    the file content's sha256 digest (name-independent since content-addressed caching)."""
    with open(path, "rb") as handle:
        return hashlib.sha256(hashlib.sha256(handle.read()).digest()).hexdigest()


def _pushed_run(runs):
    """The newest run whose Pusher pushed (run 2 pushes only if it is as accurate as run 1)."""
    pushed = [r for r in (runs.second, runs.first) if r.find_output("PushedModel").get("pushed") == 1]
    return pushed[0]


def _types(graph, kind: str = "artifact") -> list[str]:
    return sorted(n.type_name for n in graph.nodes.values() if n.kind == kind)


def test_latest_pushed_resolves_to_the_newest_pushed_model(penguin_runs):
    store = penguin_runs.store()
    expected = _pushed_run(penguin_runs).find_output("PushedModel").id
    assert resolve_artifact(store, "penguin", "latest-pushed") == expected
    assert resolve_artifact(store, "penguin", "latest") == penguin_runs.second.output("Trainer", "model").id
    assert resolve_artifact(store, "penguin", f"#{expected}") == expected


def test_upstream_of_the_pushed_model_reaches_data_schema_code_evaluation(penguin_runs):
    store = penguin_runs.store()
    run = _pushed_run(penguin_runs)
    graph = upstream(store, resolve_artifact(store, "penguin", "latest-pushed"))
    examples = run.output("ExampleGen", "examples")
    assert graph.root == artifact_key(run.find_output("PushedModel").id)
    assert graph.nodes[artifact_key(examples.id)].properties["input_fingerprint"] == csv_fingerprint(DATA_FILE)
    for component, port in [("SchemaGen", "schema"), ("Transform", "transform_graph"),
                            ("Trainer", "model"), ("Evaluator", "evaluation"), ("Evaluator", "blessing")]:
        assert artifact_key(run.output(component, port).id) in graph.nodes, (component, port)
    trainer = graph.nodes[execution_key(_execution_id(run, "Trainer"))]
    assert trainer.type_name == "Trainer" and trainer.state == "COMPLETE"
    assert trainer.properties["module_sha256"] == _sha256(MODEL_FILE)
    assert trainer.label == f"Trainer #{trainer.id} (ran)" and trainer.run_id == run.run_id
    for source, target, port in graph.edges:
        kinds = {graph.nodes[source].kind, graph.nodes[target].kind}
        assert kinds == {"artifact", "execution"} and port
    assert "ExampleAnomalies" not in _types(graph)  # the validator's output feeds nothing upstream


def _execution_id(run, component_id: str) -> int:
    return next(c.execution_id for c in run.components if c.component_id == component_id)


def test_provenance_names_data_schema_code_evaluation_blessing_and_push(penguin_runs):
    store = penguin_runs.store()
    run = _pushed_run(penguin_runs)
    provenance = model_provenance(upstream(store, resolve_artifact(store, "penguin", "latest-pushed")))
    [data] = provenance["data"]
    assert data["input_fingerprint"] == csv_fingerprint(DATA_FILE)
    assert data["input_paths"] == [os.path.abspath(DATA_FILE)]
    assert data["artifact_id"] == run.output("ExampleGen", "examples").id and data["run_id"] == run.run_id
    assert provenance["schema"]["source"] == os.path.abspath(SCHEMA_FILE)
    assert provenance["schema"]["source_sha256"] == _sha256(SCHEMA_FILE)
    assert provenance["transform_graph"]["module_sha256"] == _sha256(PREPROCESSING_FILE)
    trainer = provenance["trainer"]
    assert trainer["execution_id"] == _execution_id(run, "Trainer")
    assert trainer["module_sha256"] == _sha256(MODEL_FILE)
    assert trainer["parameters"]["hyperparameters"]["hidden_units"] == 8
    model = run.output("Trainer", "model")
    assert (provenance["model"]["artifact_id"], provenance["model"]["uri"]) == (model.id, model.uri)
    metrics = provenance["evaluation"]["metrics"]
    assert metrics["sparse_categorical_accuracy"] == run.output("Evaluator", "evaluation").get(
        "metric:sparse_categorical_accuracy")
    assert provenance["blessing"]["blessed"] is True and "blessed" in provenance["blessing"]["reason"]
    pushed = run.find_output("PushedModel")
    assert provenance["pushed"]["version"] == pushed.get("pushed_version")
    assert provenance["pushed"]["destination"] == pushed.get("pushed_destination")
    text = provenance_text(provenance)
    for expected in (csv_fingerprint(DATA_FILE), _sha256(MODEL_FILE), model.uri,
                     str(pushed.get("pushed_version")), "sparse_categorical_accuracy="):
        assert expected in text


def test_second_runs_provenance_is_its_own_model_not_the_baseline(penguin_runs):
    store = penguin_runs.store()
    second = penguin_runs.second
    graph = upstream(store, second.find_output("PushedModel").id)
    # the Evaluator read run 1's model as its baseline, so run 1 is in the upstream graph ...
    assert artifact_key(penguin_runs.first.output("Trainer", "model").id) in graph.nodes
    provenance = model_provenance(graph)
    # ... but the provenance is run 2's own model, data and trainer
    assert provenance["model"]["artifact_id"] == second.output("Trainer", "model").id
    assert provenance["trainer"]["parameters"]["train_steps"] == SECOND_RUN_TRAIN_STEPS
    # run 2 reused run 1's examples (a CACHED ExampleGen): the data is run 1's artifact
    examples = penguin_runs.first.output("ExampleGen", "examples")
    assert second.output("ExampleGen", "examples").id == examples.id
    assert [(d["artifact_id"], d["run_id"]) for d in provenance["data"]] == [
        (examples.id, penguin_runs.first.run_id)]
    assert provenance["blessing"]["baseline_model_id"] == penguin_runs.first.output("Trainer", "model").id


def test_downstream_of_the_examples_lists_everything_made_from_them(penguin_runs):
    store = penguin_runs.store()
    first = penguin_runs.first
    graph = downstream(store, first.output("ExampleGen", "examples").id)
    for component, port in [("StatisticsGen", "statistics"), ("ExampleValidator", "anomalies"),
                            ("Trainer", "model"), ("Evaluator", "evaluation"),
                            ("Evaluator", "blessing"), ("Pusher", "pushed_model")]:
        assert artifact_key(first.output(component, port).id) in graph.nodes, (component, port)
    # run 1's model became run 2's baseline: run 2's evaluation and push derive from it too
    assert artifact_key(penguin_runs.second.output("Evaluator", "blessing").id) in graph.nodes
    assert execution_key(_execution_id(first, "ExampleGen")) not in graph.nodes
    assert {"ExampleStatistics", "ExampleAnomalies", "Model", "ModelEvaluation",
            "ModelBlessing", "PushedModel"} <= set(_types(graph))


def test_run_graph_holds_the_runs_executions_and_artifacts(penguin_runs):
    store = penguin_runs.store()
    second = penguin_runs.second
    graph = run_graph(store, second.run_id)
    executions = [n for n in graph.nodes.values() if n.kind == "execution"]
    assert sorted(n.id for n in executions) == sorted(c.execution_id for c in second.components)
    assert {n.run_id for n in executions} == {second.run_id}
    states = {n.properties["component_id"]: n.state for n in executions}
    assert states == {**{c: "CACHED" for c in CACHED_IN_SECOND_RUN},
                      "Trainer": "COMPLETE", "Evaluator": "COMPLETE", "Pusher": "COMPLETE"}
    cached_gen = graph.nodes[execution_key(_execution_id(second, "ExampleGen"))]
    assert cached_gen.label == f"ExampleGen #{cached_gen.id} (cached)"
    baseline = graph.nodes[artifact_key(penguin_runs.first.output("Trainer", "model").id)]
    assert baseline.run_id == penguin_runs.first.run_id  # an artifact's run is its producer's
    assert (baseline.key, execution_key(_execution_id(second, "Evaluator")), "baseline_model") in graph.edges


def test_unknown_ids_and_refs_are_clear_errors(penguin_runs):
    store = penguin_runs.store()
    with pytest.raises(LineageError, match="no artifact with id 99999"):
        upstream(store, 99999)
    with pytest.raises(LineageError, match="no artifact with id 99999"):
        resolve_artifact(store, "penguin", "99999")
    with pytest.raises(LineageError, match="expected 'latest-pushed'"):
        resolve_artifact(store, "penguin", "newest")
    with pytest.raises(LineageError, match="no runs of pipeline 'taxi'"):
        resolve_artifact(store, "taxi", "latest")
    with pytest.raises(LineageError, match="no run 'nope'.*recent runs: "):
        run_graph(store, "nope")
    schema = upstream(store, penguin_runs.first.output("SchemaGen", "schema").id)
    with pytest.raises(LineageError, match="found a Schema"):
        model_provenance(schema)
