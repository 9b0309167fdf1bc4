"""penguin_ct with a rolling window of two spans: the second run trains on both
spans, evaluates on the newest span's eval split alone, and measures drift on
the newest span against all the data that trained the serving model; the pushed
model's lineage reaches both spans' files. A third span with another schema
fails with its file and column named, and the model serving stays."""
from __future__ import annotations

import pytest
from ml_metadata.proto import metadata_store_pb2 as pb

from pipeline.lineage.graph import resolve_artifact, upstream
from pipeline.metadata import SqliteConfig, resolvers
from pipeline.metadata.store import MetadataStore
from tests.conftest import read_penguin_rows, write_csv
from tests.e2e.helpers import mlpipe
from tests.support import penguin_spans

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def window(tmp_path_factory) -> tuple[MetadataStore, object, int]:
    """The store after two spans, the failed run on a third span with another schema,
    and the PushedModel serving before that run."""
    base = tmp_path_factory.mktemp("window")
    run = ("run", "penguin_ct", "--root", str(base / "root"), "--param", "rolling_window=2",
           "--data", str(base / "data" / "span-{SPAN}" / "*.csv"))
    for span, rows in {1: penguin_spans.same_distribution(seed=1),
                       2: penguin_spans.drifted(seed=2)}.items():
        penguin_spans.write_span(base / "data", span, rows)
        result = mlpipe(*run)
        assert result.returncode == 0, result.stdout + result.stderr
    store = MetadataStore(SqliteConfig(str(base / "root" / "metadata.sqlite")))
    serving = resolvers.serving_push(store, "penguin_ct").id
    header, _ = read_penguin_rows()
    write_csv(base / "data" / "span-3" / "part.csv",
              ["weight_g" if c == "body_mass_g" else c for c in header],
              penguin_spans.same_distribution(seed=3))
    return store, mlpipe(*run), serving


@pytest.fixture(scope="module")
def store(window) -> MetadataStore:
    return window[0]


def _output(store: MetadataStore, component_id: str):
    newest = next(r.run_id for r in store.runs("penguin_ct") if r.status == "COMPLETE")
    [execution] = [e for e in store.executions(newest) if e.component_id == component_id]
    return [store.artifact(e.artifact_id) for e in store.events([execution.id])
            if e.type == pb.Event.OUTPUT]


def test_training_reads_both_spans_and_evaluation_the_newest_alone(store):
    [examples] = _output(store, "ExampleGen")
    assert (examples.get("span"), examples.get("spans")) == (2, "2,1")
    assert examples.get("num_rows_train") > examples.get("num_rows_newest_span")
    evaluation = next(a for a in _output(store, "Evaluator") if a.TYPE_NAME == "ModelEvaluation")
    assert evaluation.metrics["example_count"] == examples.get("num_rows_eval")


def test_drift_is_the_newest_span_against_the_serving_models_training_data(store):
    [report] = _output(store, "DriftValidator")
    assert report.split_names == ["newest_span"] and report.get("drifted") == 1
    assert (report.get("span"), report.get("baseline_span")) == (2, 1)


def test_the_pushed_models_lineage_reaches_every_span_of_its_window(store):
    graph = upstream(store, resolve_artifact(store, "penguin_ct", "latest-pushed"))
    [examples] = [n for n in graph.nodes.values() if n.type_name == "Examples"
                  and "input_paths" in n.properties  # ExampleGen's, not Transform's
                  and n.properties.get("span") == 2]  # not the baseline model's
    files = examples.properties["input_paths"].split(",")
    assert {f.split("/")[-2] for f in files} == {"span-1", "span-2"}


def test_a_span_with_another_schema_fails_naming_it_and_the_model_serving_stays(window):
    store, failed, serving_before = window
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "span-3/part.csv: column 'body_mass_g' is missing" in failed.stdout
    assert "nothing pushed: ExampleGen failed" in failed.stdout
    assert "Traceback" not in failed.stdout + failed.stderr
    assert store.runs("penguin_ct")[0].status == "FAILED"
    assert resolvers.serving_push(store, "penguin_ct").id == serving_before
