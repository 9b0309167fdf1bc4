"""Penguin species classification: preprocessing_fn (Transform) and run_fn (Trainer)."""
from __future__ import annotations

import tensorflow as tf
import tensorflow_transform as tft

from components.trainer import keras_utils
from components.trainer.fn_args import FnArgs

LABEL = "species"
LABEL_XF = "species_xf"
SPECIES = ["Adelie", "Chinstrap", "Gentoo"]
NUMERIC = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
CATEGORICAL = {"island": ["Biscoe", "Dream", "Torgersen"], "sex": ["female", "male"]}


def xf(name: str) -> str:
    return f"{name}_xf"


FEATURE_KEYS = [xf(n) for n in NUMERIC + list(CATEGORICAL)]


def _dense(value, default) -> tf.Tensor:
    """A [batch] tensor from a (possibly sparse, possibly missing) single-valued feature."""
    if isinstance(value, tf.sparse.SparseTensor):
        value = tf.sparse.to_dense(
            tf.SparseTensor(value.indices, value.values, [value.dense_shape[0], 1]),
            default_value=default)
    return tf.reshape(value, [-1])


def _one_hot(values: tf.Tensor, vocabulary: list[str]) -> tf.Tensor:
    """[batch, len(vocabulary)]; a missing or unknown value is all zeros."""
    return tf.cast(tf.equal(tf.expand_dims(values, 1), tf.constant(vocabulary)), tf.float32)


def preprocessing_fn(inputs: dict) -> dict:
    """Numeric features: missing values imputed with the train mean, then z-scored
    (both analyzers see the train split only). Categoricals: one-hot. Label: index."""
    outputs = {}
    for name in NUMERIC:
        raw = tf.cast(inputs[name].values, tf.float32)
        mean = tft.mean(raw, name=f"mean_{name}")
        filled = _dense(tf.SparseTensor(inputs[name].indices, raw, inputs[name].dense_shape), mean)
        outputs[xf(name)] = tf.expand_dims(tft.scale_to_z_score(filled, name=f"z_{name}"), 1)
    for name, vocabulary in CATEGORICAL.items():
        outputs[xf(name)] = _one_hot(_dense(inputs[name], ""), vocabulary)
    species = _dense(inputs[LABEL], "")
    outputs[LABEL_XF] = tf.argmax(tf.cast(_one_hot(species, SPECIES), tf.int64), axis=1)
    return outputs


def build_model(transform_output: tft.TFTransformOutput, hidden_units: int,
                learning_rate: float) -> tf.keras.Model:
    spec = transform_output.transformed_feature_spec()
    inputs = {key: tf.keras.Input(shape=spec[key].shape, name=key) for key in FEATURE_KEYS}
    x = tf.keras.layers.Concatenate()(list(inputs.values()))
    for _ in range(2):
        x = tf.keras.layers.Dense(hidden_units, activation="relu")(x)
    outputs = tf.keras.layers.Dense(len(SPECIES), activation="softmax")(x)
    model = tf.keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate),
                  loss="sparse_categorical_crossentropy",
                  metrics=[tf.keras.metrics.SparseCategoricalAccuracy()])
    return model


def run_fn(fn_args: FnArgs) -> None:
    """Trains on the transformed train split and exports a raw-example serving model."""
    hp = fn_args.hyperparameters
    tf.keras.utils.set_random_seed(int(hp.get("seed", 42)))
    transform_output = tft.TFTransformOutput(fn_args.transform_output)
    batch_size = int(hp.get("batch_size", 32))
    train = keras_utils.make_dataset(fn_args.train_files, transform_output, LABEL_XF, batch_size)
    evaluation = keras_utils.make_dataset(fn_args.eval_files, transform_output, LABEL_XF,
                                          batch_size, shuffle=False)
    model = build_model(transform_output, int(hp.get("hidden_units", 8)),
                        float(hp.get("learning_rate", 0.01)))
    model.fit(train, steps_per_epoch=fn_args.train_steps, epochs=1, verbose=0,
              validation_data=evaluation, validation_steps=fn_args.eval_steps)
    keras_utils.export_serving_model(model, transform_output, LABEL, FEATURE_KEYS,
                                     fn_args.serving_model_dir)
