"""Transform executor: the transform graph and, with materialize=True, the transformed
examples of every split."""
from __future__ import annotations

import apache_beam as beam
import tensorflow_data_validation as tfdv
import tensorflow_transform as tft
import tensorflow_transform.beam as tft_beam
from tensorflow_transform.tf_metadata import dataset_metadata, metadata_io
from tfx_bsl.coders import example_coder
from tfx_bsl.public import tfxio

from components.common import splits
from components.common.module_file import file_sha256, load_function
from components.transform.component import (TRANSFORMED_PREFIX, TransformInputs,
                                             TransformOutputs, TransformParams)
from components.transform.example_reader import ExampleReader
from pipeline import fs
from pipeline.dsl import ComponentError, ExecutionContext, ExecutorOutcome


def _read(pipeline: beam.Pipeline, examples_uri: str, split: str, schema,
          label: str | None = None):
    """(record batches, their TensorAdapterConfig): the dataset TFT takes."""
    splits.record_files(examples_uri, split)
    pattern = splits.record_pattern(examples_uri, split)
    label = label or f"Read[{split}]"
    reader = ExampleReader.for_schema(schema)
    if reader is not None:
        return pipeline | label >> reader.read(pattern), reader.tensor_adapter_config()
    source = tfxio.TFExampleRecord(file_pattern=pattern, schema=schema)
    return pipeline | label >> source.BeamSource(), source.TensorAdapterConfig()


def _write_transformed(transformed, output_uri: str, split: str) -> None:
    prefix = fs.join(splits.split_dir(output_uri, split), TRANSFORMED_PREFIX)
    _ = (transformed
         | f"Encode[{split}]" >> beam.FlatMapTuple(
             lambda batch, _: example_coder.RecordBatchToExamples(batch))
         | f"Write[{split}]" >> beam.io.WriteToTFRecord(prefix, file_name_suffix=".gz"))


def execute(inputs: TransformInputs, outputs: TransformOutputs, params: TransformParams,
            context: ExecutionContext) -> ExecutorOutcome:
    preprocessing_fn = load_function(params.module_file, params.preprocessing_fn)
    schema = tfdv.load_schema_text(inputs.schema.schema_file)
    split_names = inputs.examples.split_names
    if params.analyze_split not in split_names:
        raise ComponentError(f"examples have no {params.analyze_split!r} split to analyze "
                             f"(found {split_names})")
    with context.beam_pipeline() as pipeline:
        # Deep copies: a preprocessing_fn whose analyzers depend on each other (the
        # z-score of a mean-imputed value) analyzes in several phases. Without them the
        # DirectRunner holds the whole decoded split in memory between phases (about
        # 250 MiB at 800k penguin rows); with them each phase reads the files again.
        # TFX's Transform sets the same.
        with tft_beam.Context(temp_dir=fs.join(context.tmp_dir, "tft"),
                              use_deep_copy_optimization=True):
            analyze_data = _read(pipeline, inputs.examples.uri, params.analyze_split, schema)
            transform_fn = analyze_data | "Analyze" >> tft_beam.AnalyzeDataset(preprocessing_fn)
            _ = transform_fn | "WriteTransformFn" >> tft_beam.WriteTransformFn(
                outputs.transform_graph.uri)
            if outputs.transformed_examples is not None:
                _materialize(pipeline, inputs, outputs.transformed_examples, params,
                             transform_fn, schema)
    # The raw schema lets the serving signature parse raw tf.Examples (TFX does the same).
    metadata_io.write_metadata(dataset_metadata.DatasetMetadata(schema), fs.join(
        outputs.transform_graph.uri, tft.TFTransformOutput.RAW_METADATA_DIR))
    outputs.transform_graph.set("module_sha256", file_sha256(params.module_file))
    if outputs.transformed_examples is None:
        return ExecutorOutcome(summary=f"analyzed {params.analyze_split} (not materialized)")
    outputs.transformed_examples.split_names = split_names
    outputs.transformed_examples.set("span", int(inputs.examples.get("span", 0) or 0))
    outputs.transformed_examples.set(splits.TRANSFORMED_PROPERTY, 1)
    return ExecutorOutcome(summary=f"analyzed {params.analyze_split}, transformed "
                           f"{', '.join(split_names)}")


def _materialize(pipeline: beam.Pipeline, inputs: TransformInputs, transformed_examples,
                 params: TransformParams, transform_fn, schema) -> None:
    """Every split transformed and written. The analyzed split is read again rather
    than reused: reusing it would hold it in memory until the analysis ends."""
    for split in inputs.examples.split_names:
        data = _read(pipeline, inputs.examples.uri, split, schema, label=f"Reread[{split}]"
                     if split == params.analyze_split else None)
        transformed, _ = ((data, transform_fn) | f"Transform[{split}]"
                          >> tft_beam.TransformDataset(output_record_batches=True))
        _write_transformed(transformed, transformed_examples.uri, split)
