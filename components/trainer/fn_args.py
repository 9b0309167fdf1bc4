"""FnArgs: everything a user's run_fn is given."""
from __future__ import annotations

import dataclasses
from typing import Mapping

from components.trainer.component import Hyperparameter


@dataclasses.dataclass(frozen=True)
class FnArgs:
    """`train_files`/`eval_files` are gzipped TFRecords of transformed tf.Examples;
    `transform_output` is the TransformGraph folder (tft.TFTransformOutput);
    run_fn must save its SavedModel to `serving_model_dir`."""

    train_files: list[str]
    eval_files: list[str]
    transform_output: str
    schema_path: str
    serving_model_dir: str
    model_run_dir: str
    train_steps: int
    eval_steps: int
    hyperparameters: Mapping[str, Hyperparameter]
