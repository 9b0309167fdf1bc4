"""Stops AutoGraph from transpiling tf_keras, tensorflow-transform and tfx-bsl.

TensorFlow 2.16 lists `keras` (Keras 3) among the packages AutoGraph must not
convert, but not `tf_keras`, the Keras 2 that tensorflow-transform needs. Left
alone, the first `model.fit` converts some 2,000 tf_keras functions (about 10 s
on two cores). Keras 2's own code never relied on AutoGraph (it used to live in
the `keras` package, which was exempt), so exempting it is safe. Likewise TFT's
transform layer and the tfx-bsl schema code it calls, which a run_fn's
tf.functions reach through `tft_layer`: TFT traces its own functions with
`autograph=False`. User code in module files is still converted. TFMA updates
Keras metrics batch by batch, eagerly, through AutoGraph: the Evaluator run alone
(a Kubeflow task) spends 5 s less on 200k rows with tf_keras exempt.
"""
from __future__ import annotations


EXEMPT_PACKAGES = ("tf_keras", "tensorflow_transform", "tfx_bsl")


def exempt_libraries() -> None:
    """Adds EXEMPT_PACKAGES to AutoGraph's do-not-convert rules (idempotent)."""
    from tensorflow.python.autograph.core import config

    for package in EXEMPT_PACKAGES:
        if not any(getattr(r, "_prefix", None) == package for r in config.CONVERSION_RULES):
            config.CONVERSION_RULES = (config.DoNotConvert(package),) + tuple(
                config.CONVERSION_RULES)
