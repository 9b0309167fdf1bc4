"""AutoGraph leaves tf_keras, tensorflow-transform and tfx-bsl alone, user code not."""
from __future__ import annotations

import tensorflow_transform as tft
import tf_keras
from tensorflow.python.autograph.impl import conversion
from tfx_bsl.tfxio import tensor_representation_util

from components.common.autograph import exempt_libraries


def users_function(x):
    return x + 1 if x > 0 else x


def test_libraries_are_exempt_and_user_code_is_converted():
    exempt_libraries()
    exempt_libraries()  # idempotent
    for library_function in (tft.TFTransformOutput.transform_raw_features,
                             tf_keras.metrics.SparseCategoricalAccuracy.update_state,
                             tensor_representation_util.InferTensorRepresentationsFromSchema):
        assert conversion.is_allowlisted(library_function), library_function
    assert not conversion.is_allowlisted(users_function)
