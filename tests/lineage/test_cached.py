"""Lineage over a small hand-recorded store (quick): cached executions, errors, rendering.

Run 1 generates examples, trains and pushes. Run 2 reuses run 1's examples and
model through CACHED executions (OUTPUT events pointing at the earlier
artifacts) and its Pusher declines to push.
"""
from __future__ import annotations

import dataclasses
import json

import pytest

from pipeline.dsl.artifact import Artifact, Examples, Model, PushedModel
from pipeline.lineage import LineageError, downstream, resolve_artifact, run_graph, upstream
from pipeline.lineage.diff import diff_runs, diff_text
from pipeline.lineage.graph import artifact_key, execution_key
from pipeline.lineage.render import graph_text, to_dot, to_json, write_graph
from pipeline.lineage.summary import model_provenance
from pipeline.dsl.metadata_config import SqliteConfig
from pipeline.metadata.store import MetadataStore


@dataclasses.dataclass
class Toy:
    store: MetadataStore
    ids: dict[str, int]


def _ran(store, contexts, type_name, inputs, outputs, params="{}") -> int:
    execution_id = store.start_execution(contexts, type_name, type_name, inputs, {"parameters": params})
    store.complete_execution(execution_id, outputs, {"duration_seconds": 0.1})
    return execution_id


def _cached(store, contexts, type_name, inputs, reused: dict[str, Artifact]) -> int:
    return store.record_cached_execution(contexts, type_name, type_name, inputs, reused,
                                         {"parameters": "{}", "cached_from": 1})


@pytest.fixture
def toy(tmp_path) -> Toy:
    store = MetadataStore(SqliteConfig(str(tmp_path / "metadata.sqlite")))
    run1 = store.start_run("toy", "toy-run-1", {})
    examples = Examples(uri=str(tmp_path / "examples"), custom_properties={
        "input_fingerprint": "f" * 64, "input_paths": "/data/a.csv"})
    gen1 = _ran(store, run1, "ExampleGen", {}, {"examples": examples}, '{"eval_fraction": 0.2}')
    model = Model(uri=str(tmp_path / 'model "quoted"'), custom_properties={"fingerprint": "m1"})
    train1 = _ran(store, run1, "Trainer", {"examples": examples}, {"model": model}, '{"train_steps": 400}')
    pushed = PushedModel(uri=str(tmp_path / "pushed1"), custom_properties={"pushed": 1, "pushed_version": 7})
    _ran(store, run1, "Pusher", {"model": model}, {"pushed_model": pushed})
    run2 = store.start_run("toy", "toy-run-2", {})
    gen2 = _cached(store, run2, "ExampleGen", {}, {"examples": examples})
    train2 = _cached(store, run2, "Trainer", {"examples": examples}, {"model": model})
    not_pushed = PushedModel(uri=str(tmp_path / "pushed2"), custom_properties={"pushed": 0})
    _ran(store, run2, "Pusher", {"model": model}, {"pushed_model": not_pushed})
    return Toy(store, {"examples": examples.id, "model": model.id, "pushed": pushed.id,
                       "not_pushed": not_pushed.id, "gen1": gen1, "train1": train1,
                       "gen2": gen2, "train2": train2})


def test_upstream_follows_the_complete_producer_not_cached_reuses(toy):
    graph = upstream(toy.store, toy.ids["model"])
    assert set(graph.nodes) == {artifact_key(toy.ids["examples"]), artifact_key(toy.ids["model"]),
                                execution_key(toy.ids["gen1"]), execution_key(toy.ids["train1"])}
    model = graph.nodes[artifact_key(toy.ids["model"])]
    assert (model.run_id, model.label, model.properties["fingerprint"]) == ("toy-run-1", f"Model #{model.id}", "m1")
    provenance = model_provenance(graph)
    assert provenance["model"]["fingerprint"] == "m1"
    assert provenance["data"][0]["fingerprint"] is None  # absent property, no error
    assert provenance["trainer"]["parameters"] == {"train_steps": 400}


def test_downstream_includes_cached_reuses(toy):
    graph = downstream(toy.store, toy.ids["examples"])
    cached = graph.nodes[execution_key(toy.ids["train2"])]
    assert (cached.state, cached.label, cached.run_id) == ("CACHED", f"Trainer #{cached.id} (cached)", "toy-run-2")
    assert (execution_key(toy.ids["train2"]), artifact_key(toy.ids["model"]), "model") in graph.edges
    assert {artifact_key(toy.ids["pushed"]), artifact_key(toy.ids["not_pushed"])} <= set(graph.nodes)
    dot = to_dot(graph)
    assert f'"execution:{toy.ids["train2"]}" [shape="ellipse", style="dashed"' in dot
    assert 'model \\"quoted\\"' in dot  # quotes in URIs are escaped
    assert 'label="run toy-run-2"' in dot


def test_run_graph_of_a_cached_run_points_at_earlier_artifacts(toy):
    graph = run_graph(toy.store, "toy-run-2")
    executions = {n.type_name: n.state for n in graph.nodes.values() if n.kind == "execution"}
    assert executions == {"ExampleGen": "CACHED", "Trainer": "CACHED", "Pusher": "COMPLETE"}
    assert graph.nodes[artifact_key(toy.ids["model"])].run_id == "toy-run-1"
    assert "Trainer #" in graph_text(graph) and "(cached)" in graph_text(graph)
    assert json.loads(json.dumps(to_json(graph)))["root"] is None


def test_diff_tells_ran_from_cached(toy):
    diff = diff_runs(toy.store, "toy-run-1", "toy-run-2")
    states = {c.name: (c.a, c.b) for c in diff.components}
    assert states == {"ExampleGen": ("ran", "cached"), "Trainer": ("ran", "cached"), "Pusher": ("ran", "ran")}
    assert {c.name: (c.a, c.b) for c in diff.artifacts}["Trainer.model"] == ("m1", "m1")
    assert diff.pushed.a["version"] == 7 and diff.pushed.b["pushed"] is False
    assert diff.pushed.a["cached"] is False
    assert "* ExampleGen  ran  ->  cached" in diff_text(diff)


def test_latest_pushed_skips_unpushed_and_errors_without_any(toy, tmp_path):
    assert resolve_artifact(toy.store, "toy", "latest-pushed") == toy.ids["pushed"]
    assert resolve_artifact(toy.store, "toy", "latest") == toy.ids["model"]
    empty = MetadataStore(SqliteConfig(str(tmp_path / "empty.sqlite")))
    empty.start_run("toy", "toy-run-0", {})
    with pytest.raises(LineageError, match="has no pushed model"):
        resolve_artifact(empty, "toy", "latest-pushed")
    with pytest.raises(LineageError, match="no artifact with id 5"):
        downstream(empty, 5)


def test_write_graph_refuses_other_extensions_and_a_missing_dot(toy, tmp_path, monkeypatch):
    graph = upstream(toy.store, toy.ids["model"])
    with pytest.raises(LineageError, match=r"ending in .svg or .png, found '.pdf'"):
        write_graph(graph, str(tmp_path / "g.pdf"))
    monkeypatch.setattr("pipeline.lineage.render.shutil.which", lambda name: None)
    with pytest.raises(LineageError, match="apt-get install graphviz"):
        write_graph(graph, str(tmp_path / "g.svg"))


def test_a_cached_pusher_is_reported_as_still_serving_not_a_new_push(toy):
    run3 = toy.store.start_run("toy", "toy-run-3", {})
    [examples, model, pushed] = [toy.store.artifact(toy.ids[k]) for k in ("examples", "model", "pushed")]
    _cached(toy.store, run3, "ExampleGen", {}, {"examples": examples})
    _cached(toy.store, run3, "Trainer", {"examples": examples}, {"model": model})
    _cached(toy.store, run3, "Pusher", {"model": model}, {"pushed_model": pushed})
    diff = diff_runs(toy.store, "toy-run-1", "toy-run-3")
    assert (diff.pushed.a["cached"], diff.pushed.b["cached"]) == (False, True)
    assert "B: no blessing; still serving version 7 (Pusher cached: nothing new pushed)" in diff_text(diff)
    assert resolve_artifact(toy.store, "toy", "latest-pushed") == toy.ids["pushed"]
    graph = upstream(toy.store, toy.ids["pushed"])  # the producer is run 1's Pusher, not the reuse
    assert {n.run_id for n in graph.nodes.values()} == {"toy-run-1"}
