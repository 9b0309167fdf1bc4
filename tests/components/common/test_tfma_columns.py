"""tfma_columns: the Evaluator decodes only the features TFMA reads itself, when the
models take serialized examples; the metrics stay the same."""
from __future__ import annotations

import pytest
import tensorflow as tf

from components.common import tfma_columns
from components.evaluator.component import EvaluatorInputs, EvaluatorOutputs, EvaluatorParams
from components.evaluator.executor import CANDIDATE, build_eval_config, execute, slice_metrics
from pipeline.dsl import ModelBlessing, ModelEvaluation
from pipeline.examples.penguin import pipeline as penguin
from pipeline.metadata import resolvers
from tests.conftest import context, out_dir

PARAMS = EvaluatorParams(penguin.LABEL_KEY, slice_by=(("island",),))


@pytest.fixture(scope="module")
def model(penguin_runs):
    return resolvers.serving_model_source(penguin_runs.store(), "penguin")


def _save(tmp_path, name: str, spec: tf.TensorSpec) -> str:
    module = tf.Module()
    module.serve = tf.function(lambda x: {"y": tf.strings.length(tf.strings.as_string(x))},
                               input_signature=[spec])
    path = str(tmp_path / name)
    tf.saved_model.save(module, path, signatures={"serving_default": module.serve,
                                                  "transform_features": module.serve})
    return path


def test_labels_slices_and_the_signature_input_are_kept(model):
    config = build_eval_config(PARAMS, with_baseline=False)
    columns = tfma_columns.feature_columns(config, {CANDIDATE: model.serving_model_uri})
    assert columns == tuple(sorted({penguin.LABEL_KEY, "island", "examples"}))


def test_a_model_taking_features_gets_every_feature(tmp_path):
    config = build_eval_config(PARAMS, with_baseline=False)
    strings = _save(tmp_path, "strings", tf.TensorSpec([None], tf.string, name="examples"))
    floats = _save(tmp_path, "floats", tf.TensorSpec([None], tf.float32, name="bill_length_mm"))
    assert tfma_columns.feature_columns(config, {CANDIDATE: strings}) is not None
    assert tfma_columns.feature_columns(config, {CANDIDATE: floats}) is None


def test_metrics_equal_those_from_every_feature(tmp_path, model, penguin_artifacts, monkeypatch):
    metrics = []
    for name in ("kept", "all"):
        if name == "all":
            monkeypatch.setattr(tfma_columns, "feature_columns", lambda config, dirs: None)
        evaluation = ModelEvaluation(uri=out_dir(tmp_path, f"{name}-evaluation"))
        execute(EvaluatorInputs(penguin_artifacts["examples"], model),
                EvaluatorOutputs(evaluation, ModelBlessing(uri=out_dir(tmp_path, f"{name}-b"))),
                PARAMS, context(tmp_path, name))
        metrics.append(slice_metrics(evaluation.uri))
    assert metrics[0] == metrics[1]
    assert {"Overall", "island=Biscoe"} <= set(metrics[0])
