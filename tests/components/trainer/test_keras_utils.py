"""keras_utils.make_dataset: raw examples put through the transform graph give the
Trainer exactly what a materialized Transform wrote."""
from __future__ import annotations

import glob

import numpy as np
import pytest
import tensorflow_transform as tft

from components.trainer import keras_utils
from components.common.splits import TRANSFORMED_PROPERTY
from components.transform.component import TransformInputs, TransformOutputs, TransformParams
from components.transform.executor import execute as transform
from pipeline.dsl import Examples, TransformGraph
from pipeline.examples.penguin import preprocessing
from tests.conftest import context, out_dir


@pytest.fixture(scope="module")
def materialized(penguin_artifacts, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("materialized")
    graph, examples = TransformGraph(uri=out_dir(tmp, "graph")), Examples(uri=out_dir(tmp, "ex"))
    transform(TransformInputs(penguin_artifacts["examples"], penguin_artifacts["schema"]),
              TransformOutputs(graph, examples), TransformParams(preprocessing.__file__),
              context(tmp, "Transform"))
    return graph, examples


def _rows(files: list[str], graph: TransformGraph, transformed: bool) -> np.ndarray:
    """Every (features..., label) row of the files, sorted, as make_dataset gives them."""
    dataset = keras_utils.make_dataset(files, tft.TFTransformOutput(graph.uri),
                                       preprocessing.LABEL_XF, batch_size=16, shuffle=False,
                                       num_epochs=1, transformed=transformed)
    rows = []
    for features, label in dataset.as_numpy_iterator():
        columns = [features[key].reshape(len(label), -1) for key in preprocessing.FEATURE_KEYS]
        rows.append(np.hstack(columns + [label.reshape(-1, 1).astype(np.float32)]))
    table = np.vstack(rows)
    return table[np.lexsort(table.T[::-1])]


def test_raw_examples_through_the_graph_equal_the_materialized_ones(penguin_artifacts,
                                                                   materialized):
    graph, transformed_examples = materialized
    assert transformed_examples.get(TRANSFORMED_PROPERTY) == 1
    for split in ("train", "eval"):
        raw_files = glob.glob(f"{penguin_artifacts['examples'].uri}/Split-{split}/*.gz")
        written = glob.glob(f"{transformed_examples.uri}/Split-{split}/*.gz")
        from_raw = _rows(raw_files, graph, transformed=False)
        from_written = _rows(written, graph, transformed=True)
        assert from_raw.shape == from_written.shape and from_raw.shape[0] > 50
        np.testing.assert_allclose(from_raw, from_written, rtol=1e-5, atol=1e-6)
