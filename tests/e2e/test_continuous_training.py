"""Spans arriving over time into the continuous-training penguin pipeline: each run
ingests the newest span, measures drift against the data that trained the model
then serving and the serving model's decay on the new span, and retrains only
when there is a reason (the default policy): the first span (no model yet), the
relabelled one (decay) and the drifted one retrain and push; the undrifted one
and a rerun end early, COMPLETE, and push nothing. Each decision and its
evidence are in ML Metadata and in `mlpipe runs --json`, and the pushed model's
lineage reaches its span.

Spans are generated from the penguins: span 1 and 2 from the same distribution,
span 3 the same birds with Adelie and Gentoo labels swapped (the serving model
decays, nothing drifts), span 4 drifted (Biscoe birds only, 600 g heavier)."""
from __future__ import annotations

import json

import pytest
import yaml
from ml_metadata.proto import metadata_store_pb2 as pb

from pipeline.lineage.graph import resolve_artifact, upstream
from pipeline.metadata import SqliteConfig
from pipeline.metadata.store import MetadataStore
from pipeline.serving import config as serving_config
from tests.e2e.helpers import events_by_execution, mlpipe
from tests.support import kserve_schema, penguin_spans

pytestmark = pytest.mark.slow
PIPELINE = "pipeline/examples/penguin_ct/pipeline.py"
SPANS = {1: penguin_spans.same_distribution(seed=1), 2: penguin_spans.same_distribution(seed=2),
         3: penguin_spans.relabelled(), 4: penguin_spans.drifted()}
DRIFTED_RUN, DECAYED_RUN = 1, 2  # newest first, as store.runs lists them
KSERVE_STORAGE = "pvc://mlpipe-data/models"


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """One run per arriving span, then a rerun with nothing new; the runs' outputs."""
    base = tmp_path_factory.mktemp("ct")
    args = ("run", PIPELINE, "--root", str(base / "root"),
            "--data", str(base / "data" / "span-{SPAN}" / "*.csv"))
    runs = []
    for span, rows in SPANS.items():
        penguin_spans.write_span(base / "data", span, rows)
        runs.append(mlpipe(*args))
        assert runs[-1].returncode == 0, runs[-1].stdout + runs[-1].stderr
    runs.append(mlpipe(*args))
    store = MetadataStore(SqliteConfig(str(base / "root" / "metadata.sqlite")))
    drifted_run = store.runs("penguin_ct")[DRIFTED_RUN].run_id
    report = mlpipe("report", drifted_run, PIPELINE, "--root", str(base / "root"),
                    "-o", str(base / "drift.html"))
    assert report.returncode == 0, report.stdout + report.stderr
    listed = mlpipe("runs", PIPELINE, "--root", str(base / "root"), "--json")
    table = mlpipe("runs", PIPELINE, "--root", str(base / "root"))
    models = mlpipe("models", PIPELINE, "--root", str(base / "root"), "--json")
    return store, runs + [models, (base / "drift.html").read_text(), listed, table]


@pytest.fixture(scope="module")
def label_changes(history):
    """After the runs: the span-3 model canary, promotion refused (no logged answers)
    then forced, and two rollbacks; each command's output and the labels after it."""
    store, runs = history
    versions = [r["version"] for r in json.loads(runs[-4].stdout)]  # newest first
    root = ("--root", str(store.config.path).rsplit("/", 1)[0])
    serving = root[1] + "/serving"
    steps = [("canary", versions[1], *root, "--percent", "25"), ("promote", *root),
             ("promote", *root, "--force"), ("rollback", *root),
             ("rollback", *root, "--to", versions[2]), ("canary", "12345", *root)]
    done, manifests = [], []
    for step in steps:
        command, *rest = step
        result = mlpipe(command, *([rest[0], PIPELINE, *rest[1:]] if command == "canary"
                                   else [PIPELINE, *rest]))
        labels = serving_config.labels(serving, "penguin")
        done.append((result, {label.value: str(v) for label, v in labels.items()}))
        if (command == "canary" and result.returncode == 0) or step == steps[4]:
            manifests.append(mlpipe("kserve", PIPELINE, *root, "--storage-uri", KSERVE_STORAGE))
    return versions, done, manifests


def test_canary_promote_and_rollback_from_the_command_line(label_changes):
    (newest, span3, first), done, _ = label_changes
    codes = [result.returncode for result, _ in done]
    assert codes == [0, 1, 0, 0, 0, 2], [r.stdout + r.stderr for r, _ in done]
    assert [labels for _, labels in done] == [
        {"stable": newest, "canary": span3}, {"stable": newest, "canary": span3},
        {"stable": span3}, {"stable": newest}, {"stable": first}, {"stable": first}]
    assert "promotion refused: canary" in done[1][0].stderr and "--force" in done[1][0].stderr
    assert "recorded as LabelChange" in done[2][0].stdout
    assert "version 12345 of 'penguin_ct' was never pushed" in done[5][0].stderr


def test_kserve_manifests_follow_the_label_changes(label_changes):
    """After the canary: the canary's release at its 25%; after the rollback to the
    first model: its release at 100%. Both valid InferenceServices."""
    (newest, span3, first), _, manifests = label_changes
    rendered = []
    for result in manifests:
        assert result.returncode == 0, result.stdout + result.stderr
        manifest = yaml.safe_load(result.stdout)
        kserve_schema.validate(manifest)
        predictor = manifest["spec"]["predictor"]
        rendered.append((predictor["model"]["storageUri"], predictor.get("canaryTrafficPercent"),
                         manifest["metadata"]["annotations"]))
    release = f"{KSERVE_STORAGE}/kserve/penguin/"
    assert rendered == [
        (release + span3, 25, {"mlpipe/stable-version": newest, "mlpipe/canary-version": span3}),
        (release + first, None, {"mlpipe/stable-version": first})]


def _drift(store: MetadataStore, run_id: str):
    [drift] = [e for e in store.executions(run_id) if e.component_id == "DriftValidator"]
    [report] = [store.artifact(ev.artifact_id) for ev in store.events([drift.id])
                if ev.type == pb.Event.OUTPUT]
    return drift, report


def test_each_run_ingests_the_newest_span(history):
    store, _ = history
    runs = list(reversed(store.runs("penguin_ct")))
    spans = []
    for run in runs:
        [examples] = [store.artifact(ev.artifact_id) for ev in store.events(
            [e.id for e in store.executions(run.run_id) if e.component_id == "ExampleGen"])
            if ev.type == pb.Event.OUTPUT]
        spans.append(examples.get("span"))
    assert spans == [1, 2, 3, 4, 4]


def test_drift_is_measured_against_the_serving_models_data_and_named(history):
    store, runs = history
    first, second, third, fourth, _ = reversed(store.runs("penguin_ct"))
    _, report = _drift(store, first.run_id)
    assert report.get("drifted") == 0 and "no baseline" in runs[0].stdout
    _, report = _drift(store, second.run_id)
    assert report.get("drifted") == 0 and report.get("baseline_span") == 1
    _, report = _drift(store, third.run_id)  # span 2 did not retrain: span 1 still serves
    assert report.get("drifted") == 0 and report.get("baseline_span") == 1
    _, report = _drift(store, fourth.run_id)
    assert report.get("drifted") == 1 and report.get("baseline_span") == 3
    assert {"island", "body_mass_g"} <= set(report.get("drifted_features").split(","))
    distances = json.loads(report.get("drift_distances"))
    assert distances["island"]["measure"] == "L-infinity" and distances["island"]["distance"] > 0.3
    linked = events_by_execution(store, fourth.run_id)["DriftValidator"]["INPUT"]
    assert set(linked) == {"statistics", "schema", "baseline_statistics"}


def test_the_serving_model_decays_on_the_relabelled_span_only(history):
    store, runs = history
    reports = []
    for run in reversed(store.runs("penguin_ct")):
        [decay] = [store.artifact(ev.artifact_id) for ev in store.events(
            [e.id for e in store.executions(run.run_id) if e.component_id == "DecayValidator"])
            if ev.type == pb.Event.OUTPUT]
        reports.append(decay)
    first, second, relabelled, _, rerun = reports
    assert first.get("value") is None and "no model is serving yet" in first.get("summary")
    assert second.get("decayed") == 0 and second.get("decrease") <= 0.05
    assert relabelled.get("decayed") == 1 and relabelled.get("metric") == "sparse_categorical_accuracy"
    assert relabelled.get("value_at_blessing") >= 0.9 and relabelled.get("value") < 0.5
    assert relabelled.get("num_examples") == 344  # all of the span: the model never saw it
    assert rerun.get("decayed") == 0  # the model trained on span 4, on span 4
    served = _inputs(store, store.runs("penguin_ct")[DECAYED_RUN].run_id, "DecayValidator")
    assert {type(a).TYPE_NAME for a in served} == {"Examples", "Model", "ModelEvaluation"}
    assert "retrain: decay: sparse_categorical_accuracy fell" in runs[2].stdout


def _inputs(store: MetadataStore, run_id: str, component_id: str) -> list:
    executions = [e.id for e in store.executions(run_id) if e.component_id == component_id]
    return [store.artifact(ev.artifact_id) for ev in store.events(executions)
            if ev.type == pb.Event.INPUT]


def test_only_the_first_the_decayed_and_the_drifted_span_retrain_and_push(history):
    store, runs = history
    first, second, third, fourth, rerun = reversed(store.runs("penguin_ct"))
    assert [r.status for r in (first, second, third, fourth, rerun)] == ["COMPLETE"] * 5
    for run in (first, third, fourth):
        assert "pushed_version" in run.properties
    assert "pushed_version" not in second.properties and "pushed_version" not in rerun.properties
    for output in (runs[1].stdout, runs[4].stdout):
        assert "RetrainTrigger    ran" in output or "RetrainTrigger    cached" in output
        assert "nothing pushed: RetrainTrigger ended the run: no retraining: no trigger" in output
        assert "Trainer" not in output.split("RetrainTrigger")[-1]  # nothing after it ran
    assert "retrain: drift: body_mass_g" in runs[3].stdout and "island" in runs[3].stdout
    executed = [e.component_id for e in store.executions(second.run_id)]
    assert executed[-1] == "RetrainTrigger" and "Trainer" not in executed


def test_each_pushed_models_lineage_reaches_the_span_that_trained_it(history):
    store, _ = history
    pushed_spans = []
    for run in reversed(store.runs("penguin_ct")):
        [pusher] = [e for e in store.executions(run.run_id) if e.component_id == "Pusher"] or [None]
        if pusher is None or "pushed_version" not in run.properties:
            continue
        [pushed] = [ev.artifact_id for ev in store.events([pusher.id])
                    if ev.type == pb.Event.OUTPUT]
        graph = upstream(store, pushed)
        spans = {n.properties.get("span") for n in graph.nodes.values()
                 if n.type_name == "Examples" and "input_paths" in n.properties
                 and n.run_id == run.run_id}
        pushed_spans.append(spans)
    assert pushed_spans == [{1}, {3}, {4}]
    assert resolve_artifact(store, "penguin_ct", "latest-pushed")


def test_runs_lists_span_drift_and_decision_for_people_and_for_scripts(history):
    _, runs = history
    listed, table = runs[-2], runs[-1]
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [r["span"] for r in rows] == [4, 4, 3, 2, 1]
    assert [r["trigger"]["retrain"] for r in rows] == [False, True, True, False, True]
    assert rows[4]["trigger"]["reasons"] == "no model is serving yet"
    drifted = rows[DRIFTED_RUN]["drift"]
    assert drifted["drifted"] and {"island", "body_mass_g"} <= set(drifted["features"])
    assert drifted["distances"]["island"]["measure"] == "L-infinity"
    assert rows[DRIFTED_RUN]["trigger"]["reasons"].startswith("drift: body_mass_g")
    decayed = rows[DECAYED_RUN]
    assert decayed["decay"]["decayed"] and decayed["decay"]["decrease"] > 0.4
    assert decayed["trigger"]["reasons"].startswith("decay: sparse_categorical_accuracy fell")
    assert not decayed["drift"]["drifted"] and "drift" not in decayed["trigger"]["reasons"]
    assert rows[3]["decay"]["decayed"] is False
    assert [r["pushed_version"] is not None for r in rows] == [False, True, True, False, True]
    lines = table.stdout.splitlines()
    assert all(word in lines[0] for word in ("SPAN", "DRIFT", "DECAY", "RETRAIN"))
    assert "body_mass_g,island" in lines[1 + DRIFTED_RUN] and " yes " in lines[1 + DRIFTED_RUN]
    decayed_line = lines[1 + DECAYED_RUN].split()
    assert decayed_line[5:7] == ["none", f"{-decayed['decay']['decrease']:+.3f}"]
    assert "none" in lines[4] and " no " in lines[4]


def test_models_lists_each_push_with_its_semantic_version_and_label(history):
    _, runs = history
    models = runs[-4]
    assert models.returncode == 0, models.stderr
    rows = json.loads(models.stdout)
    assert [r["semantic_version"] for r in rows] == ["1.2.0", "1.1.0", "1.0.0"]  # new data
    assert [r["label"] for r in rows] == ["stable", "none", "none"]
    assert all(r["metrics"]["sparse_categorical_accuracy"] >= 0.9 for r in rows)
    assert all(0 < r["serving"]["p99_ms"] <= 25 and r["files_present"] for r in rows)
    assert rows[1]["version_reason"] == "retrained on new data and blessed against the model serving"
    served = [[(i["label"], i["until"] is None) for i in r["served"]] for r in rows]
    assert served == [[("stable", True)], [("stable", False)], [("stable", False)]]


def test_the_report_shows_each_features_drift_and_the_decision(history):
    _, runs = history
    html = runs[-3]
    drift = html[html.index('id="drift"'):html.index('id="metrics"')]
    assert "span 4" in drift and "against span 3" in drift
    assert "island" in drift and "L-infinity" in drift and "Jensen-Shannon divergence" in drift
    assert drift.index("island") < drift.index("sex")  # largest distance first
    assert "drifted" in drift and "retrain" in drift and "on_drift_or_decay" in drift
    assert "DecayValidator: the serving model on span 4" in drift and "at blessing" in drift
    anomalies = html[html.index('id="anomalies"'):html.index('id="drift"')]
    assert "DriftValidator" not in anomalies
