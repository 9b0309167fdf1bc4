"""The Chicago taxi pipeline end to end: a second, differently shaped data set
(many empty fields, a derived label), to show the framework is general."""
from __future__ import annotations

import csv
import itertools

import numpy as np
import pytest
import tensorflow as tf

from pipeline.examples.taxi.pipeline import COLUMN_TYPES, DATA_FILE, create_pipeline
from pipeline.metadata.store import MetadataStore
from pipeline.runner.local import LocalRunner
from tests.e2e.helpers import STANDARD_OUTPUTS

pytestmark = pytest.mark.slow


def _feature(kind: str, text: str) -> tf.train.Feature:
    if kind == "int":
        return tf.train.Feature(int64_list=tf.train.Int64List(value=[int(text)]))
    if kind == "float":
        return tf.train.Feature(float_list=tf.train.FloatList(value=[float(text)]))
    return tf.train.Feature(bytes_list=tf.train.BytesList(value=[text.encode()]))


def _serving_examples(rows: list[dict[str, str]]) -> list[bytes]:
    """Raw tf.Examples as a client would send them: no `tips`, empty fields left out."""
    return [tf.train.Example(features=tf.train.Features(feature={
        name: _feature(COLUMN_TYPES[name], text) for name, text in row.items()
        if text != "" and name != "tips"})).SerializeToString() for row in rows]


def test_taxi_pipeline_trains_gates_and_pushes_a_serving_model(tmp_path):
    pipeline = create_pipeline(root=str(tmp_path))
    result = LocalRunner().run(pipeline)
    assert result.ok, result.message
    store = MetadataStore(pipeline.metadata)
    assert [(e.type_name, e.state) for e in store.executions(result.run_id)] == \
        [(c, "COMPLETE") for c in STANDARD_OUTPUTS]
    examples = result.output("ExampleGen", "examples")
    assert examples.get("num_rows_train") + examples.get("num_rows_eval") == 15002
    evaluation = result.output("Evaluator", "evaluation")
    assert evaluation.get("metric:auc") > 0.85
    pushed = result.find_output("PushedModel")
    assert pushed.get("pushed") == 1

    with open(DATA_FILE, newline="") as handle:
        rows = list(itertools.islice(csv.DictReader(handle), 0, 3000, 3))
    serve = tf.saved_model.load(str(pushed.get("pushed_destination"))).signatures["serving_default"]
    probabilities = serve(examples=tf.constant(_serving_examples(rows)))["outputs"].numpy()[:, 0]
    labels = np.array([float(r["tips"] or 0) > 0.2 * float(r["fare"] or 0) for r in rows])
    assert probabilities.shape == (len(rows),)
    assert np.mean((probabilities > 0.5) == labels) > 0.8
