"""Penguin species classification, Transform's part: features and preprocessing_fn.

Kept apart from the model code (model.py) so that a change to the model reruns
only Trainer, Evaluator and Pusher: each component's cache key includes the hash
of its own module file.
"""
from __future__ import annotations

import tensorflow as tf
import tensorflow_transform as tft

from components.transform.feature_utils import dense_single_value


LABEL = "species"
LABEL_XF = "species_xf"
SPECIES = ["Adelie", "Chinstrap", "Gentoo"]
NUMERIC = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
CATEGORICAL = {"island": ["Biscoe", "Dream", "Torgersen"], "sex": ["female", "male"]}


def xf(name: str) -> str:
    return f"{name}_xf"


FEATURE_KEYS = [xf(n) for n in NUMERIC + list(CATEGORICAL)]


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
        filled = dense_single_value(
            tf.SparseTensor(inputs[name].indices, raw, inputs[name].dense_shape), mean)
        outputs[xf(name)] = tf.expand_dims(tft.scale_to_z_score(filled, name=f"z_{name}"), 1)
    for name, vocabulary in CATEGORICAL.items():
        outputs[xf(name)] = _one_hot(dense_single_value(inputs[name], ""), vocabulary)
    species = dense_single_value(inputs[LABEL], "")
    outputs[LABEL_XF] = tf.argmax(tf.cast(_one_hot(species, SPECIES), tf.int64), axis=1)
    return outputs
