"""TF Serving warm-up requests in a pushed model, from eval examples, as TFX's
InfraValidator writes them: PredictionLogs TF Serving's protos parse, whose
requests the pushed SavedModel answers."""
from __future__ import annotations

import os

import pytest
import tensorflow as tf
from tensorflow_serving.apis import prediction_log_pb2

from components.pusher.component import PusherInputs, PusherOutputs, PusherParams
from components.pusher.executor import execute
from components.pusher.warmup import WARMUP_FILE
from pipeline.dsl import ComponentError, PushedModel
from pipeline.metadata import resolvers
from tests.components.pusher.test_executor import _blessing
from tests.conftest import context


def test_warmup_requests_are_written_into_the_pushed_model_and_answer(
        tmp_path, penguin_runs, penguin_artifacts):
    model = resolvers.serving_model_source(penguin_runs.store(), "penguin")
    pushed = PushedModel(uri=str(tmp_path / "pushed"))
    execute(PusherInputs(model, _blessing(tmp_path, True, model.id), None,
                         penguin_artifacts["examples"]),
            PusherOutputs(pushed), PusherParams(str(tmp_path / "serving"), "penguin",
                                                warmup_requests=5),
            context(tmp_path))
    path = os.path.join(pushed.destination, WARMUP_FILE)
    logs = [prediction_log_pb2.PredictionLog.FromString(r.numpy())
            for r in tf.data.TFRecordDataset(path)]
    assert len(logs) == 5
    request = logs[0].predict_log.request
    assert (request.model_spec.name, request.model_spec.signature_name) == ("penguin",
                                                                            "serving_default")
    served = tf.saved_model.load(pushed.destination).signatures["serving_default"]
    [name] = request.inputs
    answer = served(**{name: tf.make_ndarray(request.inputs[name])})
    assert next(iter(answer.values())).shape == (1, 3)
    assert not os.path.exists(os.path.join(model.serving_model_uri, WARMUP_FILE))  # a copy


def test_warmup_without_examples_is_refused_and_pushes_nothing(tmp_path, penguin_runs):
    model = resolvers.serving_model_source(penguin_runs.store(), "penguin")
    with pytest.raises(ComponentError, match="warmup_requests needs Pusher's examples= input"):
        execute(PusherInputs(model, _blessing(tmp_path, True, model.id)),
                PusherOutputs(PushedModel(uri=str(tmp_path / "pushed"))),
                PusherParams(str(tmp_path / "serving"), "penguin", warmup_requests=5),
                context(tmp_path))
    assert not (tmp_path / "serving" / "penguin").exists()
