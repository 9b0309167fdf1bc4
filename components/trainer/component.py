"""Trainer: the module file's run_fn trains a Keras model and exports a SavedModel."""
from __future__ import annotations

import dataclasses
from typing import Mapping, Union

from pipeline.dsl import Component, ComponentSpec, Examples, Model, Schema, TransformGraph

Hyperparameter = Union[int, float, str, bool]


@dataclasses.dataclass(frozen=True)
class TrainerInputs:
    examples: Examples
    transform_graph: TransformGraph
    schema: Schema


@dataclasses.dataclass(frozen=True)
class TrainerOutputs:
    model: Model


@dataclasses.dataclass(frozen=True)
class TrainerParams:
    """`run_fn(fn_args: FnArgs)` in `module_file` trains and saves the model."""

    module_file: str
    run_fn: str = "run_fn"
    train_steps: int = 1000
    eval_steps: int = 100
    hyperparameters: Mapping[str, Hyperparameter] = dataclasses.field(default_factory=dict)


class Trainer(Component):
    SPEC = ComponentSpec("Trainer", TrainerInputs, TrainerOutputs, TrainerParams,
                         executor="components.trainer.executor:execute",
                         file_params=("module_file",))

    def __init__(self, examples, transform_graph, schema, *, module_file: str,
                 run_fn: str = "run_fn", train_steps: int = 1000, eval_steps: int = 100,
                 hyperparameters: Mapping[str, Hyperparameter] | None = None,
                 id: str | None = None,
                 enable_cache: bool = True):
        super().__init__(
            id=id, inputs={"examples": examples, "transform_graph": transform_graph,
                           "schema": schema},
            params=TrainerParams(str(module_file), run_fn, train_steps, eval_steps,
                                 dict(hyperparameters or {})), enable_cache=enable_cache)
