"""Stops AutoGraph from transpiling tf_keras itself.

TensorFlow 2.16 lists `keras` (Keras 3) among the packages AutoGraph must not
convert, but not `tf_keras`, the Keras 2 that tensorflow-transform needs. Left
alone, the first `model.fit` converts some 2,000 tf_keras functions (about 10 s
on two cores). Keras 2's own code never relied on AutoGraph (it used to live in
the `keras` package, which was exempt), so exempting it is safe; user code in
module files is still converted.
"""
from __future__ import annotations


def exempt_tf_keras() -> None:
    """Adds `tf_keras` to AutoGraph's do-not-convert rules (idempotent)."""
    from tensorflow.python.autograph.core import config

    rule = config.DoNotConvert("tf_keras")
    if not any(getattr(r, "_prefix", None) == "tf_keras" for r in config.CONVERSION_RULES):
        config.CONVERSION_RULES = (rule,) + tuple(config.CONVERSION_RULES)
