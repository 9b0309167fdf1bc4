"""Helpers for preprocessing_fn in module files.

With a schema that gives features no fixed shape (so that values may be
missing), tensorflow-transform hands preprocessing_fn SparseTensors.
"""
from __future__ import annotations

import tensorflow as tf


def dense_single_value(value, default) -> tf.Tensor:
    """A [batch] tensor from a single-valued feature that may be missing (sparse):
    absent values become `default` (a scalar, or an analyzer output such as a mean)."""
    if isinstance(value, tf.sparse.SparseTensor):
        value = tf.sparse.to_dense(
            tf.SparseTensor(value.indices, value.values, [value.dense_shape[0], 1]),
            default_value=default)
    return tf.reshape(value, [-1])
