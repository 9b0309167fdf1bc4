"""The penguin pipeline end to end: ML Metadata, the pushed model, gating, bad input."""
from __future__ import annotations

import csv
import os

import pytest

from pipeline.examples.penguin.pipeline import create_pipeline
from pipeline.metadata.store import MetadataStore
from pipeline.runner.local import LocalRunner
from tests.conftest import bad_penguin_csv, read_penguin_rows, write_csv
from tests.e2e.helpers import (STANDARD_OUTPUTS, artifact_type_name, events_by_execution, mlpipe,
                               penguin_accuracy)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("penguin")
    pipeline = create_pipeline(root=str(root))
    return pipeline, LocalRunner().run(pipeline)


def _versions(pipeline) -> list[str]:
    model_dir = os.path.join(pipeline.root, "serving", "penguin")
    return sorted(os.listdir(model_dir)) if os.path.isdir(model_dir) else []


def test_all_eight_executions_complete_with_standard_types_and_linked_events(first_run):
    pipeline, result = first_run
    assert result.ok, result.message
    store = MetadataStore(pipeline.metadata)
    executions = store.executions(result.run_id)
    assert [(e.type_name, e.state) for e in executions] == [(c, "COMPLETE") for c in STANDARD_OUTPUTS]
    linked = events_by_execution(store, result.run_id)
    for component, outputs in STANDARD_OUTPUTS.items():
        assert {port: artifact_type_name(store, a) for port, a in linked[component]["OUTPUT"].items()} == outputs
    out = {c: linked[c]["OUTPUT"] for c in linked}
    assert linked["StatisticsGen"]["INPUT"] == {"examples": out["ExampleGen"]["examples"]}
    assert linked["Transform"]["INPUT"] == {"examples": out["ExampleGen"]["examples"],
                                            "schema": out["SchemaGen"]["schema"]}
    assert linked["Trainer"]["INPUT"] == {"examples": out["ExampleGen"]["examples"],
                                          "transform_graph": out["Transform"]["transform_graph"],
                                          "schema": out["SchemaGen"]["schema"]}
    assert linked["Evaluator"]["INPUT"] == {"examples": out["ExampleGen"]["examples"],
                                            "model": out["Trainer"]["model"]}
    assert linked["Pusher"]["INPUT"] == {"model": out["Trainer"]["model"],
                                         "model_blessing": out["Evaluator"]["blessing"],
                                         "schema": out["SchemaGen"]["schema"],
                                         "examples": out["ExampleGen"]["examples"]}
    [run] = store.runs("penguin")
    assert run.status == "COMPLETE" and run.properties["pushed_version"] > 0


def test_pushed_model_predicts_species_from_raw_examples(first_run):
    pipeline, result = first_run
    pushed = result.find_output("PushedModel")
    assert pushed.get("pushed") == 1
    destination = str(pushed.get("pushed_destination"))
    assert destination == os.path.join(pipeline.root, "serving", "penguin", str(pushed.get("pushed_version")))
    assert penguin_accuracy(destination) >= 0.9


def test_model_failing_its_threshold_is_not_pushed(first_run):
    pipeline, first = first_run
    before = _versions(pipeline)
    # A new model (one more training step), judged against the first one, now serving.
    strict = create_pipeline(root=pipeline.root, accuracy_threshold=1.01, train_steps=401)
    result = LocalRunner().run(strict)
    assert result.ok, result.message
    blessing = result.find_output("ModelBlessing")
    assert blessing.get("blessed") == 0
    assert "NOT blessed" in blessing.get("reason") and "sparse_categorical_accuracy" in blessing.get("reason")
    assert blessing.get("baseline_model_id") == first.output("Trainer", "model").id
    pushed = result.find_output("PushedModel")
    assert pushed.get("pushed") == 0
    assert _versions(pipeline) == before
    run = MetadataStore(pipeline.metadata).runs("penguin")[0]
    assert run.run_id == result.run_id and "pushed_version" not in run.properties


def test_anomalous_data_stops_before_transform_and_training(first_run, tmp_path):
    pipeline, _ = first_run
    before = _versions(pipeline)
    header, rows = read_penguin_rows()
    island = header.index("island")
    bad_rows = [r[:island] + ["Atlantis"] + r[island + 1:] if i % 3 == 0 else r
                for i, r in enumerate(rows)]
    data = write_csv(tmp_path / "atlantis.csv", header, bad_rows)
    result = LocalRunner().run(create_pipeline(root=pipeline.root, data_path=data))
    assert result.status == "STOPPED"
    assert "feature 'island'" in result.message and "Atlantis" in result.message
    store = MetadataStore(pipeline.metadata)
    ran = [e.component_id for e in store.executions(result.run_id)]
    assert ran == ["ExampleGen", "StatisticsGen", "SchemaGen", "ExampleValidator"]
    assert _versions(pipeline) == before
    again = LocalRunner().run(create_pipeline(root=pipeline.root, data_path=data))
    assert again.status == "STOPPED" and "Atlantis" in again.message  # cached, still stopped
    assert [c.status for c in again.components][3:5] == ["cached", "not run"]


@pytest.mark.parametrize("case, expected", [
    ("missing_path", "no_such.csv: no such file or folder"),
    ("empty", "empty.csv: the file is empty"),
    ("header_only", "header_only.csv: the file has a header but no data rows"),
    ("renamed_column", "renamed_column.csv: column 'body_mass_g' is missing"),
    ("text_in_numeric", "text_in_numeric.csv: column 'bill_depth_mm' should hold float values "
                        "but line 6 has 'deep'"),
])
def test_bad_input_fails_cleanly_and_leaves_earlier_runs_alone(first_run, tmp_path, case, expected):
    pipeline, first = first_run
    before = _versions(pipeline)
    column = "bill_depth_mm" if case == "text_in_numeric" else "body_mass_g"
    data = str(tmp_path / "no_such.csv") if case == "missing_path" else \
        bad_penguin_csv(tmp_path, case, column, value="deep", row=4)
    completed = mlpipe("run", "--root", pipeline.root, "--data", data)
    assert completed.returncode != 0
    assert expected in completed.stdout
    assert "Traceback" not in completed.stdout + completed.stderr
    store = MetadataStore(pipeline.metadata)
    latest = store.runs("penguin")[0]
    assert latest.status == "FAILED"
    [execution] = store.executions(latest.run_id)
    assert execution.component_id == "ExampleGen" and execution.state == "FAILED"
    assert expected in execution.properties["error"]
    assert _versions(pipeline) == before
    assert os.path.isdir(first.output("Trainer", "model").uri)
