"""Transform: analyzers see the train split only; every split is transformed."""
from __future__ import annotations

import glob
import textwrap

import numpy as np
import tensorflow as tf
import tensorflow_transform as tft

from components.transform.component import TransformInputs, TransformOutputs, TransformParams
from components.transform.executor import execute
from pipeline.dsl import Examples, TransformGraph
from tests.conftest import context, out_dir

MODULE = textwrap.dedent('''
    import tensorflow as tf
    import tensorflow_transform as tft

    def preprocessing_fn(inputs):
        mass = inputs["body_mass_g"]
        values = tf.cast(mass.values, tf.float32)
        mean = tft.mean(values, name="mass_mean")
        dense = tf.sparse.to_dense(tf.SparseTensor(mass.indices, values, mass.dense_shape),
                                   default_value=0.0)
        return {"mass_centered": tf.reshape(dense, [-1]) - mean}
''')


def _raw_masses(examples: Examples, split: str) -> list[float]:
    files = glob.glob(f"{examples.uri}/Split-{split}/*.gz")
    masses = []
    for record in tf.data.TFRecordDataset(files, compression_type="GZIP"):
        value = tf.train.Example.FromString(record.numpy()).features.feature["body_mass_g"]
        masses.extend(value.int64_list.value)
    return masses


def test_analyzers_see_train_only_and_all_splits_are_transformed(penguin_artifacts, tmp_path):
    module = tmp_path / "module.py"
    module.write_text(MODULE)
    examples = penguin_artifacts["examples"]
    graph = TransformGraph(uri=out_dir(tmp_path, "graph"))
    transformed = Examples(uri=out_dir(tmp_path, "transformed"))
    execute(TransformInputs(examples, penguin_artifacts["schema"]),
            TransformOutputs(graph, transformed), TransformParams(str(module)),
            context(tmp_path, "Transform"))
    assert transformed.split_names == ["train", "eval"]
    for split in ("train", "eval"):
        assert glob.glob(f"{transformed.uri}/Split-{split}/transformed_examples-*.gz")
    output = tft.TFTransformOutput(graph.uri)
    assert "mass_centered" in output.transformed_feature_spec()
    zero = tf.SparseTensor(indices=[[0, 0]], values=tf.constant([0], tf.int64), dense_shape=[1, 1])
    centered = output.transform_features_layer()({"body_mass_g": zero})["mass_centered"].numpy()[0]
    train_mean = np.mean(_raw_masses(examples, "train"))
    all_mean = np.mean(_raw_masses(examples, "train") + _raw_masses(examples, "eval"))
    assert abs(-centered - train_mean) < 1e-2
    assert abs(train_mean - all_mean) > 1e-3  # so the check above can tell them apart
    assert len(str(graph.get("module_sha256"))) == 64


def test_not_materialized_writes_the_graph_and_no_examples(penguin_artifacts, tmp_path):
    module = tmp_path / "module.py"
    module.write_text(MODULE)
    graph = TransformGraph(uri=out_dir(tmp_path, "graph"))
    outcome = execute(TransformInputs(penguin_artifacts["examples"], penguin_artifacts["schema"]),
                      TransformOutputs(graph, None), TransformParams(str(module), materialize=False),
                      context(tmp_path, "Transform"))
    assert outcome.summary == "analyzed train (not materialized)"
    output = tft.TFTransformOutput(graph.uri)
    assert "mass_centered" in output.transformed_feature_spec()
    assert "body_mass_g" in output.raw_feature_spec()  # the serving signature parses raw examples
    assert not glob.glob(f"{tmp_path}/**/transformed_examples-*", recursive=True)
