"""Helpers for module files: read transformed examples, export a serving model.

The exported SavedModel has two signatures:
- `serving_default`: raw serialized tf.Examples in (no label needed), the
  transform graph applied inside, predictions out. Serving needs nothing else.
- `transform_features`: raw serialized tf.Examples in, transformed features
  out (label included): what the Evaluator uses to get transformed labels.
"""
from __future__ import annotations

from typing import Sequence

import tensorflow as tf
import tensorflow_transform as tft

SERVING_SIGNATURE = "serving_default"
TRANSFORM_SIGNATURE = "transform_features"


def make_dataset(files: Sequence[str], transform_output: tft.TFTransformOutput, label_key: str,
                 batch_size: int, shuffle: bool = True, num_epochs: int | None = None,
                 seed: int = 42, cache: bool = True, transformed: bool = True) -> tf.data.Dataset:
    """(features, label) batches of transformed features from gzipped TFRecords.

    `transformed`: the files hold transformed tf.Examples (a materialized
    Transform's output); False: raw tf.Examples, parsed with the raw feature spec
    and put through the transform graph batch by batch (FnArgs.examples_transformed
    says which). The serialized records are cached in memory after the first pass
    (`cache`), shuffled with a fixed seed, repeated `num_epochs` times (None: forever).
    """
    records = tf.data.TFRecordDataset(list(files), compression_type="GZIP")
    if cache:
        records = records.cache()
    if shuffle:
        records = records.shuffle(10_000, seed=seed, reshuffle_each_iteration=True)
    records = records.repeat(num_epochs).batch(batch_size)
    if transformed:
        spec = transform_output.transformed_feature_spec().copy()
        parse = lambda serialized: tf.io.parse_example(serialized, spec)  # noqa: E731
    else:
        spec = transform_output.raw_feature_spec()
        tft_layer = transform_output.transform_features_layer()
        parse = lambda serialized: tft_layer(tf.io.parse_example(serialized, spec))  # noqa: E731

    def features_and_label(serialized):
        features = parse(serialized)
        return features, features.pop(label_key)

    # Nothing here needs AutoGraph; left on, it would convert TFT's layer code per trace.
    return records.map(tf.autograph.experimental.do_not_convert(features_and_label),
                       num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def _serving_fn(model: tf.keras.Model, transform_output: tft.TFTransformOutput,
                raw_label_key: str, feature_keys: Sequence[str]):
    model.tft_layer = transform_output.transform_features_layer()
    spec = transform_output.raw_feature_spec()
    spec.pop(raw_label_key, None)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")],
                 autograph=False)
    def serve(serialized_examples):
        transformed = model.tft_layer(tf.io.parse_example(serialized_examples, spec))
        return {"outputs": model({k: transformed[k] for k in feature_keys})}

    return serve


def _transform_fn(model: tf.keras.Model, transform_output: tft.TFTransformOutput):
    model.tft_layer_eval = transform_output.transform_features_layer()
    spec = transform_output.raw_feature_spec()

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")],
                 autograph=False)
    def transform(serialized_examples):
        return model.tft_layer_eval(tf.io.parse_example(serialized_examples, spec))

    return transform


def export_serving_model(model: tf.keras.Model, transform_output: tft.TFTransformOutput,
                         raw_label_key: str, feature_keys: Sequence[str], path: str) -> None:
    """Saves `model` with the two signatures described above."""
    signatures = {
        SERVING_SIGNATURE: _serving_fn(model, transform_output, raw_label_key, feature_keys),
        TRANSFORM_SIGNATURE: _transform_fn(model, transform_output),
    }
    model.save(path, save_format="tf", signatures=signatures)
