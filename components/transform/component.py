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
    transformed_examples: Examples | None = None  # None: materialize=False


@dataclasses.dataclass(frozen=True)
class TransformParams:
    """`preprocessing_fn` names the function in `module_file`. Analyzers (means,
    vocabularies) see only `analyze_split`. `materialize`: every split is also
    transformed and written as `transformed_examples`; False writes only the
    transform graph, and the Trainer reads the raw examples and applies the graph
    as it trains (TFX's `materialize=False`): at a million rows, writing the
    transformed copy costs about as much as the analysis."""

    module_file: str
    preprocessing_fn: str = "preprocessing_fn"
    analyze_split: str = "train"
    materialize: bool = True


class Transform(Component):
    """tensorflow-transform's `preprocessing_fn` from `module_file`: analyzed on the
    train split, written as a transform graph (with the raw schema, so that the
    serving signature parses raw tf.Examples) and, with `materialize=True`, applied
    to every split as `transformed_examples`.

    Example:
        transform = Transform(example_gen.outputs.examples, schema_gen.outputs.schema,
                              module_file="preprocessing.py", materialize=False)
        trainer = Trainer(example_gen.outputs.examples, transform.outputs.transform_graph,
                          schema_gen.outputs.schema, module_file="model.py")
    """

    SPEC = ComponentSpec("Transform", TransformInputs, TransformOutputs, TransformParams,
                         executor="components.transform.executor:execute",
                         file_params=("module_file",), uses_beam=True)

    def __init__(self, examples, schema, *, module_file: str,
                 preprocessing_fn: str = "preprocessing_fn", materialize: bool = True,
                 id: str | None = None, enable_cache: bool = True):
        super().__init__(id=id, inputs={"examples": examples, "schema": schema},
                         params=TransformParams(str(module_file), preprocessing_fn,
                                                materialize=materialize),
                         enable_cache=enable_cache)

    def omitted_outputs(self) -> dict[str, str]:
        if self.params.materialize:
            return {}
        return {"transformed_examples": f"{self.id} has materialize=False; give the Trainer "
                                        "the raw examples (it applies the transform graph)"}
