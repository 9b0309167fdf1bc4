"""Penguin species classification, Trainer's part: the Keras model and run_fn."""
from __future__ import annotations

import tensorflow as tf
import tensorflow_transform as tft

from components.trainer import keras_utils
from components.trainer.fn_args import FnArgs
from pipeline.examples.penguin.preprocessing import FEATURE_KEYS, LABEL, LABEL_XF, SPECIES


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
    """Trains on the train split (transformed, or raw put through the transform graph)
    and exports a raw-example serving model."""
    hp = fn_args.hyperparameters
    tf.keras.utils.set_random_seed(int(hp.get("seed", 42)))
    transform_output = tft.TFTransformOutput(fn_args.transform_output)
    batch_size = int(hp.get("batch_size", 32))
    transformed = fn_args.examples_transformed
    train = keras_utils.make_dataset(fn_args.train_files, transform_output, LABEL_XF, batch_size,
                                     transformed=transformed)
    evaluation = keras_utils.make_dataset(fn_args.eval_files, transform_output, LABEL_XF,
                                          batch_size, shuffle=False, transformed=transformed)
    model = build_model(transform_output, int(hp.get("hidden_units", 8)),
                        float(hp.get("learning_rate", 0.01)))
    model.fit(train, steps_per_epoch=fn_args.train_steps, epochs=1, verbose=0,
              validation_data=evaluation, validation_steps=fn_args.eval_steps)
    keras_utils.export_serving_model(model, transform_output, LABEL, FEATURE_KEYS,
                                     fn_args.serving_model_dir)
