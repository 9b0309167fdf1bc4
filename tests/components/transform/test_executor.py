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


TWO_PHASE_MODULE = textwrap.dedent('''
    import tensorflow as tf
    import tensorflow_transform as tft

    def preprocessing_fn(inputs):
        mass = inputs["body_mass_g"]
        values = tf.cast(mass.values, tf.float32)
        dense = tf.sparse.to_dense(tf.SparseTensor(mass.indices, values, mass.dense_shape),
                                   default_value=0.0)
        centered = tf.reshape(dense, [-1]) - tft.mean(values, name="mass_mean")
        return {"mass_z": tft.scale_to_z_score(centered, name="mass_z")}  # needs the mean first
''')


def _pipeline_protos(monkeypatch) -> list:
    """Records the runner API proto of every Beam pipeline run from now on."""
    import apache_beam as beam
    protos, run = [], beam.Pipeline.run

    def recording_run(pipeline, *args, **kwargs):
        protos.append(pipeline.to_runner_api())
        return run(pipeline, *args, **kwargs)
    monkeypatch.setattr(beam.Pipeline, "run", recording_run)
    return protos


def _upstream_until_shuffle(proto, leaf_name: str) -> set[str]:
    """The PCollections feeding the named leaf transform's main input, back to (not
    including) the nearest GroupByKey's output: what the runner fuses with it rather than
    holds in memory for it."""
    transforms = proto.components.transforms.values()
    leaves = [t for t in transforms if not t.subtransforms]
    producer = {pc: t for t in leaves for pc in t.outputs.values()}
    pending = [pc for tag, pc in next(t for t in leaves if t.unique_name == leaf_name)
               .inputs.items() if "side_input" not in tag]
    seen = set()
    while pending:
        pcollection = pending.pop()
        maker = producer.get(pcollection)
        if maker is None or maker.spec.urn == "beam:transform:group_by_key:v1":
            continue
        seen.add(pcollection)
        pending += [pc for tag, pc in maker.inputs.items() if "side_input" not in tag]
    return seen


def test_no_phase_reuses_the_decoded_split(penguin_artifacts, tmp_path, monkeypatch):
    """A two-phase analysis, then the transformed splits, each from its own read: a shared
    decoded PCollection would be held whole in memory until its last consumer ran."""
    protos = _pipeline_protos(monkeypatch)
    module = tmp_path / "module.py"
    module.write_text(TWO_PHASE_MODULE)
    graph = TransformGraph(uri=out_dir(tmp_path, "graph"))
    transformed = Examples(uri=out_dir(tmp_path, "transformed"))
    execute(TransformInputs(penguin_artifacts["examples"], penguin_artifacts["schema"]),
            TransformOutputs(graph, transformed), TransformParams(str(module)),
            context(tmp_path, "Transform"))
    consumers = {name: _upstream_until_shuffle(protos[-1], name) for name in (
        "Analyze/ApplySavedModel[Phase0]/ApplySavedModel",
        "Analyze/ApplySavedModel[Phase1]/ApplySavedModel",
        "Transform[train]/Transform", "Transform[eval]/Transform")}
    for name, pcollections in consumers.items():
        shared = [other for other, theirs in consumers.items()
                  if other != name and pcollections & theirs]
        assert not shared, f"{name} shares an input with {shared}"
    z = []
    for record in tf.data.TFRecordDataset(glob.glob(f"{transformed.uri}/Split-train/*.gz"),
                                          compression_type="GZIP"):
        z.extend(tf.train.Example.FromString(record.numpy()).features.feature["mass_z"]
                 .float_list.value)
    assert abs(np.mean(z)) < 1e-3 and abs(np.std(z) - 1) < 1e-2


def _transformed_eval_rows(graph_uri: str, examples: Examples) -> dict[str, np.ndarray]:
    output = tft.TFTransformOutput(graph_uri)
    records = [r.numpy() for r in tf.data.TFRecordDataset(
        glob.glob(f"{examples.uri}/Split-eval/*.gz"), compression_type="GZIP")]
    raw = tf.io.parse_example(tf.constant(records), output.raw_feature_spec())
    return {name: t.numpy() for name, t in output.transform_features_layer()(raw).items()}


def test_tfexamplerecord_reading_gives_the_same_transform(penguin_artifacts, tmp_path,
                                                          monkeypatch):
    """The penguin preprocessing_fn (two phases) analyzed from both readers."""
    from components.transform.example_reader import ExampleReader
    from pipeline.examples.penguin.pipeline import PREPROCESSING_FILE

    graphs = []
    for name in ("tf_parse", "tfexamplerecord"):
        if name == "tfexamplerecord":
            monkeypatch.setattr(ExampleReader, "for_schema", classmethod(lambda cls, s: None))
        graphs.append(TransformGraph(uri=out_dir(tmp_path, name)))
        execute(TransformInputs(penguin_artifacts["examples"], penguin_artifacts["schema"]),
                TransformOutputs(graphs[-1], None),
                TransformParams(PREPROCESSING_FILE, materialize=False),
                context(tmp_path, f"Transform-{name}"))
    ours, theirs = (_transformed_eval_rows(g.uri, penguin_artifacts["examples"]) for g in graphs)
    assert sorted(ours) == sorted(theirs) and "body_mass_g_xf" in ours
    for name in ours:
        np.testing.assert_allclose(ours[name], theirs[name], rtol=0, atol=1e-6, err_msg=name)
