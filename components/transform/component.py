"""Transform: tensorflow-transform's preprocessing_fn, analyzed on the train split only."""
from __future__ import annotations

import dataclasses

from pipeline.dsl import Component, ComponentSpec, Examples, Schema, TransformGraph

TRANSFORMED_PREFIX = "transformed_examples"


@dataclasses.dataclass(frozen=True)
class TransformInputs:
    examples: Examples
    schema: Schema


@dataclasses.dataclass(frozen=True)
class TransformOutputs:
    transform_graph: TransformGraph
    transformed_examples: Examples


@dataclasses.dataclass(frozen=True)
class TransformParams:
    """`preprocessing_fn` names the function in `module_file`. Analyzers (means,
    vocabularies) see only `analyze_split`; every split is transformed."""

    module_file: str
    preprocessing_fn: str = "preprocessing_fn"
    analyze_split: str = "train"


class Transform(Component):
    SPEC = ComponentSpec("Transform", TransformInputs, TransformOutputs, TransformParams,
                         executor="components.transform.executor:execute",
                         file_params=("module_file",), uses_beam=True)

    def __init__(self, examples, schema, *, module_file: str,
                 preprocessing_fn: str = "preprocessing_fn", id: str | None = None,
                 enable_cache: bool = True):
        super().__init__(id=id, inputs={"examples": examples, "schema": schema},
                         params=TransformParams(str(module_file), preprocessing_fn),
                         enable_cache=enable_cache)
