"""SchemaGen executor: `schema.pbtxt` inferred from train statistics or imported."""
from __future__ import annotations

import hashlib

import tensorflow_data_validation as tfdv
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2

from components.schema_gen.component import SchemaGenInputs, SchemaGenOutputs, SchemaGenParams
from pipeline import fs
from pipeline.dsl import ComponentError, ExecutionContext, ExecutorOutcome


def load_curated_schema(path: str) -> schema_pb2.Schema:
    """Parses a schema text proto, with a message naming the file on failure."""
    if not fs.isfile(path):
        raise ComponentError(f"{path}: schema file not found; schema_file must name a "
                             f"schema.pbtxt (see schemas/)")
    try:
        return text_format.Parse(fs.read_text(path), schema_pb2.Schema())
    except text_format.ParseError as error:
        raise ComponentError(f"{path}: not a valid tensorflow_metadata Schema text proto: "
                             f"{error}") from None


def execute(inputs: SchemaGenInputs, outputs: SchemaGenOutputs, params: SchemaGenParams,
            context: ExecutionContext) -> ExecutorOutcome:
    if params.schema_file:
        schema = load_curated_schema(params.schema_file)
        source = fs.read_bytes(params.schema_file)
        outputs.schema.set("source_sha256", hashlib.sha256(source).hexdigest())
        outputs.schema.set("source", fs.absolute(params.schema_file))
        summary = f"imported {params.schema_file}"
    else:
        if params.infer_from_split not in inputs.statistics.split_names:
            raise ComponentError(f"statistics have no {params.infer_from_split!r} split "
                                 f"(found {inputs.statistics.split_names})")
        stats = tfdv.load_stats_binary(inputs.statistics.statistics_file(params.infer_from_split))
        schema = tfdv.infer_schema(stats, infer_feature_shape=params.infer_feature_shape)
        outputs.schema.set("source", f"inferred from the {params.infer_from_split} split")
        summary = f"inferred from {params.infer_from_split}"
    fs.makedirs(outputs.schema.uri)
    tfdv.write_schema_text(schema, outputs.schema.schema_file)
    outputs.schema.set("num_features", len(schema.feature))
    return ExecutorOutcome(summary=f"{summary}: {len(schema.feature)} features")
