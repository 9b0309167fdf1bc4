"""TF Serving warm-up requests written into a pushed model, as TFX's InfraValidator
does: `assets.extra/tf_serving_warmup_requests`, a TFRecord of PredictionLogs
whose PredictRequests carry serialized eval tf.Examples. TF Serving replays them
when it loads the version, so the first real requests do not pay for tracing."""
from __future__ import annotations

from components.common import splits
from pipeline import fs

WARMUP_FILE = "assets.extra/tf_serving_warmup_requests"
SIGNATURE = "serving_default"


def write(saved_model_dir: str, examples_uri: str, model_name: str, count: int,
          eval_split: str = splits.EVAL) -> int:
    """Writes up to `count` single-example requests into `saved_model_dir` (a local
    folder about to be pushed); returns how many."""
    import tensorflow as tf
    from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_log_pb2

    from components.common import serving_profile

    signature = tf.saved_model.load(saved_model_dir).signatures[SIGNATURE]
    [input_name] = signature.structured_input_signature[1]
    examples = serving_profile.read_examples(splits.record_files(examples_uri, eval_split), count)
    path = fs.join(saved_model_dir, WARMUP_FILE)
    fs.makedirs(fs.parent(path))
    with tf.io.TFRecordWriter(path) as writer:
        for example in examples:
            request = predict_pb2.PredictRequest(
                model_spec=model_pb2.ModelSpec(name=model_name, signature_name=SIGNATURE))
            request.inputs[input_name].CopyFrom(tf.make_tensor_proto([example], dtype=tf.string))
            log = prediction_log_pb2.PredictionLog(
                predict_log=prediction_log_pb2.PredictLog(request=request))
            writer.write(log.SerializeToString())
    return len(examples)
