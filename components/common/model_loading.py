"""How TFMA loads a model for evaluation, unless a component says otherwise.
Kept free of TensorFlow imports: component definitions read these defaults."""
from __future__ import annotations

SIGNATURE_NAME = "serving_default"
PREPROCESSING_FUNCTION_NAMES = ("transform_features",)  # where a transformed label comes from
# "tf_generic" loads the SavedModel by its signatures (about 2 s faster than
# "tf_keras", which rebuilds the Keras model and adds its compiled metrics).
MODEL_TYPE = "tf_generic"
