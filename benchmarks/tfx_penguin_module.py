"""TFX module file (preprocessing_fn, run_fn) of benchmarks/tfx_penguin.py, the TFX 1.16 baseline.

The penguin module that ships with TFX (tfx/examples/penguin/penguin_utils_keras.py)
does not fit the raw palmerpenguins CSV: it expects `culmen_*` columns, no missing
values and an integer label. This file is mlpipe's own penguin model rewritten as a
plain TFX module (it runs in the TFX venv and imports nothing from mlpipe):
pipeline/examples/penguin/preprocessing.py and model.py. It has the same features
(four numeric ones, imputed with the train mean and z-scored; island and sex
one-hot), the same label (species_xf, the index of species), the same 2x8 network
(softmax output, Adam 0.01, batch 32, seed 42), and the same export (a
`serving_default` signature on raw tf.Examples and a `transform_features` one).

Only the TFX data plumbing differs: batches come from TFX's
`data_accessor.tf_dataset_factory`, not from mlpipe's keras_utils.make_dataset.
"""
from __future__ import annotations

import tensorflow as tf
import tensorflow_transform as tft
from tfx import v1 as tfx
from tfx_bsl.public import tfxio

LABEL = "species"
LABEL_XF = "species_xf"
SPECIES = ["Adelie", "Chinstrap", "Gentoo"]
NUMERIC = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
CATEGORICAL = {"island": ["Biscoe", "Dream", "Torgersen"], "sex": ["female", "male"]}
HYPERPARAMETERS = {"hidden_units": 8, "learning_rate": 0.01, "seed": 42, "batch_size": 32}


def xf(name: str) -> str:
    return f"{name}_xf"


FEATURE_KEYS = [xf(n) for n in NUMERIC + list(CATEGORICAL)]


def _dense(value, default) -> tf.Tensor:
    """A [batch] tensor from a single-valued feature that may be missing (sparse)."""
    if isinstance(value, tf.sparse.SparseTensor):
        value = tf.sparse.to_dense(
            tf.SparseTensor(value.indices, value.values, [value.dense_shape[0], 1]),
            default_value=default)
    return tf.reshape(value, [-1])


def _one_hot(values: tf.Tensor, vocabulary: list[str]) -> tf.Tensor:
    """[batch, len(vocabulary)]; a missing or unknown value is all zeros."""
    return tf.cast(tf.equal(tf.expand_dims(values, 1), tf.constant(vocabulary)), tf.float32)


def preprocessing_fn(inputs: dict) -> dict:
    """Numeric: missing values imputed with the train mean, then z-scored.
    Categorical: one-hot. Label: the species' index."""
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


def _dataset(files, data_accessor, transform_output: tft.TFTransformOutput, batch_size: int,
             shuffle: bool, seed: int) -> tf.data.Dataset:
    options = tfxio.TensorFlowDatasetOptions(batch_size=batch_size, label_key=LABEL_XF,
                                             shuffle=shuffle, shuffle_seed=seed)
    return data_accessor.tf_dataset_factory(files, options,
                                            transform_output.transformed_metadata.schema)


def _build_model(transform_output: tft.TFTransformOutput, hidden_units: int,
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


def _signatures(model: tf.keras.Model, transform_output: tft.TFTransformOutput) -> dict:
    model.tft_layer = transform_output.transform_features_layer()

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
    def serve(serialized_examples):
        spec = transform_output.raw_feature_spec()
        spec.pop(LABEL, None)
        transformed = model.tft_layer(tf.io.parse_example(serialized_examples, spec))
        return {"outputs": model({k: transformed[k] for k in FEATURE_KEYS})}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
    def transform_features(serialized_examples):
        raw = tf.io.parse_example(serialized_examples, transform_output.raw_feature_spec())
        return model.tft_layer(raw)

    return {"serving_default": serve, "transform_features": transform_features}


def run_fn(fn_args: tfx.components.FnArgs) -> None:
    """Trains on the transformed train split and exports a raw-example serving model."""
    hp = {**HYPERPARAMETERS, **(fn_args.custom_config or {})}
    seed, batch_size = int(hp["seed"]), int(hp["batch_size"])
    tf.keras.utils.set_random_seed(seed)
    transform_output = tft.TFTransformOutput(fn_args.transform_output)
    train = _dataset(fn_args.train_files, fn_args.data_accessor, transform_output, batch_size,
                     shuffle=True, seed=seed)
    evaluation = _dataset(fn_args.eval_files, fn_args.data_accessor, transform_output,
                          batch_size, shuffle=False, seed=seed)
    model = _build_model(transform_output, int(hp["hidden_units"]), float(hp["learning_rate"]))
    model.fit(train, steps_per_epoch=fn_args.train_steps, epochs=1, verbose=0,
              validation_data=evaluation, validation_steps=fn_args.eval_steps)
    model.save(fn_args.serving_model_dir, save_format="tf",
               signatures=_signatures(model, transform_output))
