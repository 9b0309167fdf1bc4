"""FnArgs: everything a user's run_fn is given."""
from __future__ import annotations

import dataclasses
from typing import Mapping

from components.trainer.component import Hyperparameter


@dataclasses.dataclass(frozen=True)
class FnArgs:
    """`train_files`/`eval_files` are gzipped TFRecords of tf.Examples: transformed
    ones if `examples_transformed` (a materialized Transform's output), else raw
    ones, to which the transform graph is still to be applied (see
    keras_utils.make_dataset); `transform_output` is the TransformGraph folder
    (tft.TFTransformOutput); run_fn must save its SavedModel to `serving_model_dir`."""

    train_files: list[str]
    eval_files: list[str]
    examples_transformed: bool
    transform_output: str
    schema_path: str
    serving_model_dir: str
    model_run_dir: str
    train_steps: int
    eval_steps: int
    hyperparameters: Mapping[str, Hyperparameter]
