"""SchemaGen: infers the schema from the train split's statistics, or imports a curated one."""
from __future__ import annotations

import dataclasses

from pipeline.dsl import Component, ComponentSpec, ExampleStatistics, Schema

@dataclasses.dataclass(frozen=True)
class SchemaGenInputs:
    statistics: ExampleStatistics


@dataclasses.dataclass(frozen=True)
class SchemaGenOutputs:
    schema: Schema


@dataclasses.dataclass(frozen=True)
class SchemaGenParams:
    """`schema_file`, when set, is a reviewed schema (text proto) used instead of
    inferring one. Inference only ever reads `infer_from_split` (train): the
    eval split must not shape the schema it is validated against."""

    schema_file: str | None = None
    infer_from_split: str = "train"
    infer_feature_shape: bool = False


class SchemaGen(Component):
    SPEC = ComponentSpec("SchemaGen", SchemaGenInputs, SchemaGenOutputs, SchemaGenParams,
                         executor="components.schema_gen.executor:execute",
                         file_params=("schema_file",))

    def __init__(self, statistics, *, schema_file: str | None = None,
                 infer_feature_shape: bool = False, id: str | None = None,
                 enable_cache: bool = True):
        super().__init__(id=id, inputs={"statistics": statistics},
                         params=SchemaGenParams(str(schema_file) if schema_file else None,
                                                infer_feature_shape=infer_feature_shape),
                                                enable_cache=enable_cache)
