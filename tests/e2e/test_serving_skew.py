"""`mlpipe skew` against a real served penguin_ct model: requests like its training
data pass (exit 0), requests from elsewhere skew (exit 1, the features named),
requests carrying the label or lacking a feature are refused (exit 2, nothing
recorded); the skew check is in ML Metadata linked to the serving model, and
the next run retrains because of it (its reason, `mlpipe runs --json` and the
report's skew table say so)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from subprocess import CompletedProcess

import pytest
from ml_metadata.proto import metadata_store_pb2 as pb

from pipeline.metadata import SqliteConfig, resolvers
from pipeline.metadata.store import MetadataStore
from tests.e2e.helpers import mlpipe
from tests.support import penguin_spans, serving_requests

pytestmark = pytest.mark.slow
PIPELINE = "penguin_ct"


@dataclass
class SkewHistory:
    store: MetadataStore
    checks: dict[str, CompletedProcess]
    served_before: int  # the PushedModel serving when the checks ran
    next_run: CompletedProcess
    listed: list[dict]
    report: str


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> SkewHistory:
    """A model trained on the drifted birds (Biscoe, heavier) serving; four checks;
    then a new span like the first, which no drift or decay would retrain on."""
    base = tmp_path_factory.mktemp("skew")
    root = ("--root", str(base / "root"))
    run = ("run", PIPELINE, *root, "--data", str(base / "data" / "span-{SPAN}" / "*.csv"))
    penguin_spans.write_span(base / "data", 1, penguin_spans.drifted(seed=3))
    first = mlpipe(*run)
    assert first.returncode == 0, first.stdout + first.stderr
    requests = {
        "like training": serving_requests.write_tfrecord_requests(
            base / "log" / "requests-0.gz", penguin_spans.drifted(seed=5)),
        "from elsewhere": serving_requests.write_csv_requests(
            base / "elsewhere.csv", penguin_spans.same_distribution(seed=5)),
        "with the label": serving_requests.write_csv_requests(
            base / "labelled.csv", penguin_spans.drifted(seed=5), drop=()),
        "without island": serving_requests.write_csv_requests(
            base / "no-island.csv", penguin_spans.drifted(seed=5), drop=("species", "island")),
    }
    checks = {name: mlpipe("skew", PIPELINE, *root, "--serving-data",
                           str(base / "log") if name == "like training" else path)
              for name, path in requests.items()}
    store = MetadataStore(SqliteConfig(str(base / "root" / "metadata.sqlite")))
    served = resolvers.serving_push(store, PIPELINE).id
    penguin_spans.write_span(base / "data", 2, penguin_spans.drifted(seed=7))
    next_run = mlpipe(*run)
    assert next_run.returncode == 0, next_run.stdout + next_run.stderr
    listed = json.loads(mlpipe("runs", PIPELINE, *root, "--json").stdout)
    report = mlpipe("report", listed[0]["run_id"], PIPELINE, *root, "-o", str(base / "r.html"))
    assert report.returncode == 0, report.stdout + report.stderr
    return SkewHistory(store, checks, served, next_run, listed, (base / "r.html").read_text())


def _checks(store: MetadataStore) -> list[pb.Execution]:
    return [e for e in store.raw.get_executions_by_type(resolvers.SKEW_CHECK)]


def test_requests_like_the_training_data_pass(history):
    check = history.checks["like training"]
    assert check.returncode == 0, check.stdout + check.stderr
    assert "no skew" in check.stdout and "requests against the training data" in check.stdout
    assert "island" in check.stdout and "SKEW" not in check.stdout


def test_requests_from_elsewhere_skew_naming_the_features(history):
    check = history.checks["from elsewhere"]
    assert check.returncode == 1, check.stdout + check.stderr
    lines = {line.split()[0]: line for line in check.stdout.splitlines() if "SKEW" in line}
    assert "island" in lines and "L-infinity" in lines["island"]  # Biscoe only, then all three
    assert f"skew: {', '.join(sorted(lines))}" in check.stdout
    assert "body_mass_g" in check.stdout  # measured, whether or not beyond its threshold
    assert "year" not in check.stdout  # the pipeline's DriftValidator skips it; so does skew


@pytest.mark.parametrize("name, message", [
    ("with the label", "holds the label 'species'; serving requests carry features only"),
    ("without island", "missing feature(s) 'island' the serving model reads")])
def test_requests_that_are_not_requests_of_this_model_are_refused(history, name, message):
    check = history.checks[name]
    assert check.returncode == 2, check.stdout + check.stderr
    assert message in check.stderr and "Traceback" not in check.stdout + check.stderr


def test_each_check_that_ran_is_recorded_and_linked_to_the_serving_model(history):
    store = history.store
    checks = _checks(store)
    assert [c.last_known_state for c in checks] == [pb.Execution.COMPLETE] * 2  # not the refused
    for check in checks:
        ports = {e.path.steps[0].key: e.artifact_id
                 for e in store.raw.get_events_by_execution_ids([check.id])}
        assert ports["serving_model"] == history.served_before
        assert {"schema", "baseline_statistics", "statistics", "skew"} <= set(ports)
    reports = [store.artifact(e.artifact_id) for e in store.raw.get_events_by_execution_ids(
        [c.id for c in checks]) if e.type == pb.Event.OUTPUT and e.path.steps[0].key == "skew"]
    assert [r.get("skewed") for r in reports] == [0, 1]
    assert "island" in reports[1].get("skewed_features").split(",")
    assert reports[0].get("num_requests") == 344


def test_the_next_run_retrains_on_the_skew_and_says_so(history):
    assert "retrain: skew: " in history.next_run.stdout and "island" in history.next_run.stdout
    newest = history.listed[0]
    assert newest["trigger"]["retrain"] and newest["trigger"]["reasons"].startswith("skew: ")
    assert not newest["drift"]["drifted"] and not newest["decay"]["decayed"]
    assert newest["skew"]["skewed"] and "island" in newest["skew"]["features"]


def test_the_report_shows_the_skew_table(history):
    html = history.report
    section = html[html.index('id="drift"'):html.index('id="metrics"')]
    skew = section[section.index("Serving skew: 344 requests of"):]
    assert "elsewhere.csv" in skew
    assert skew.index("island") < skew.index("sex")  # largest distance first
    assert "skewed" in skew
