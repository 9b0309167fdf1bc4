"""Chicago taxi "big tipper" classification: preprocessing_fn (Transform) and run_fn (Trainer).

A trip's label is 1 when the tip is more than 20% of the fare. Every raw
feature may be missing (an empty CSV field): the schema (schemas/taxi) gives no
shapes, so Transform sees each one as a SparseTensor, densified here.
"""
from __future__ import annotations

import tensorflow as tf
import tensorflow_transform as tft

from components.trainer import keras_utils
from components.trainer.fn_args import FnArgs
from components.transform.feature_utils import dense_single_value

LABEL = "tips"
FARE = "fare"
LABEL_XF = "big_tipper_xf"
# Imputed with the train mean, then z-scored: one float each.
NUMERIC = ["fare", "trip_miles", "trip_seconds"]
# Imputed with the train mean, cut into train quantiles, one-hot.
BUCKETED = ["pickup_latitude", "pickup_longitude", "dropoff_latitude", "dropoff_longitude"]
NUM_BUCKETS = 10
# Small known integer ranges: one-hot of the value (depth = max + 1); missing is all zeros.
ONE_HOT = {"trip_start_hour": 24, "trip_start_day": 8, "trip_start_month": 13}
# Vocabularies from the train split (values seen fewer than `min_count` times go to
# the OOV bucket); the model one-hots the index, with its size from the vocabulary.
VOCAB = {"payment_type": 1, "company": 5, "pickup_community_area": 5,
         "dropoff_community_area": 5, "dropoff_census_tract": 5}
NUM_OOV_BUCKETS = 1
# Not features: trip_start_timestamp (the split is not by time; month/day/hour carry
# the seasonality), pickup_census_tract (one non-missing value in the whole data set).


def xf(name: str) -> str:
    return f"{name}_xf"


FEATURE_KEYS = [xf(n) for n in NUMERIC + BUCKETED + list(ONE_HOT) + list(VOCAB)]


def _as_float(value) -> tf.SparseTensor | tf.Tensor:
    if isinstance(value, tf.sparse.SparseTensor):
        return tf.SparseTensor(value.indices, tf.cast(value.values, tf.float32), value.dense_shape)
    return tf.cast(value, tf.float32)


def _mean_filled(inputs: dict, name: str) -> tf.Tensor:
    """[batch] float32, missing values replaced by the train mean."""
    value = _as_float(inputs[name])
    mean = tft.mean(value.values if isinstance(value, tf.sparse.SparseTensor) else value,
                    name=f"mean_{name}")
    return dense_single_value(value, mean)


def vocab_file(name: str) -> str:
    return f"vocab_{name}"


def preprocessing_fn(inputs: dict) -> dict:
    """Transformed features, each [batch, k]; the label `big_tipper_xf` is [batch] int64.

    Label: tips > 0.2 * fare. A trip whose tips or fare is missing is labelled 0
    (not a big tipper), as in TFX's taxi example; the sample has no such rows.
    Serving needs no `tips`: the label is then left out of the transform.
    Vocabulary features: index + 1, so 0 means missing, 1..V a vocabulary entry and
    V+1.. the OOV buckets.
    """
    outputs = {}
    for name in NUMERIC:
        filled = _mean_filled(inputs, name)
        outputs[xf(name)] = tf.expand_dims(tft.scale_to_z_score(filled, name=f"z_{name}"), 1)
    for name in BUCKETED:
        buckets = tft.bucketize(_mean_filled(inputs, name), NUM_BUCKETS, name=f"bucketize_{name}")
        outputs[xf(name)] = tf.one_hot(buckets, NUM_BUCKETS, dtype=tf.float32)
    for name, depth in ONE_HOT.items():
        outputs[xf(name)] = tf.one_hot(dense_single_value(inputs[name], tf.constant(-1, tf.int64)), depth,
                                       dtype=tf.float32)
    for name, min_count in VOCAB.items():
        index = tft.compute_and_apply_vocabulary(
            inputs[name], frequency_threshold=min_count, num_oov_buckets=NUM_OOV_BUCKETS,
            vocab_filename=vocab_file(name), name=f"vocabulary_{name}")
        outputs[xf(name)] = tf.expand_dims(dense_single_value(index, tf.constant(-1, tf.int64)) + 1, 1)
    tips = dense_single_value(_as_float(inputs[LABEL]), float("nan"))
    fare = dense_single_value(_as_float(inputs[FARE]), float("nan"))
    # A comparison with NaN is False: missing tips or fare gives label 0.
    outputs[LABEL_XF] = tf.cast(tf.greater(tips, 0.2 * fare), tf.int64)
    return outputs


def build_model(transform_output: tft.TFTransformOutput, hidden_units: int,
                learning_rate: float) -> tf.keras.Model:
    """Vocabulary indices one-hot encoded, everything concatenated, two ReLU layers,
    one sigmoid unit: P(big tipper)."""
    spec = transform_output.transformed_feature_spec()
    inputs = {key: tf.keras.Input(shape=spec[key].shape, name=key, dtype=spec[key].dtype)
              for key in FEATURE_KEYS}
    encoded = dict(inputs)
    for name in VOCAB:  # 0 = missing, then the vocabulary, then the OOV buckets
        size = transform_output.vocabulary_size_by_name(vocab_file(name)) + NUM_OOV_BUCKETS + 1
        encoded[xf(name)] = tf.keras.layers.CategoryEncoding(
            size, output_mode="one_hot", name=f"one_hot_{name}")(inputs[xf(name)])
    x = tf.keras.layers.Concatenate()(list(encoded.values()))
    for _ in range(2):
        x = tf.keras.layers.Dense(hidden_units, activation="relu")(x)
    outputs = tf.keras.layers.Dense(1, activation="sigmoid")(x)
    model = tf.keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate), loss="binary_crossentropy",
                  metrics=[tf.keras.metrics.BinaryAccuracy(), tf.keras.metrics.AUC()])
    return model


def run_fn(fn_args: FnArgs) -> None:
    """Trains on the train split and exports a raw-example serving model
    that needs no `tips` (`fare` is a feature, so only `tips` is dropped at serving)."""
    hp = fn_args.hyperparameters
    tf.keras.utils.set_random_seed(int(hp.get("seed", 42)))
    transform_output = tft.TFTransformOutput(fn_args.transform_output)
    batch_size = int(hp.get("batch_size", 64))
    transformed = fn_args.examples_transformed
    train = keras_utils.make_dataset(fn_args.train_files, transform_output, LABEL_XF, batch_size,
                                     transformed=transformed)
    evaluation = keras_utils.make_dataset(fn_args.eval_files, transform_output, LABEL_XF,
                                          batch_size, shuffle=False, transformed=transformed)
    model = build_model(transform_output, int(hp.get("hidden_units", 32)),
                        float(hp.get("learning_rate", 0.003)))
    model.fit(train, steps_per_epoch=fn_args.train_steps, epochs=1, verbose=0,
              validation_data=evaluation, validation_steps=fn_args.eval_steps)
    keras_utils.export_serving_model(model, transform_output, LABEL, FEATURE_KEYS,
                                     fn_args.serving_model_dir)
