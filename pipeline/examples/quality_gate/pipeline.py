"""The penguin pipeline with a user-written data-quality gate, as a user's own
project lays it out: this file, the component in `quality_gate.py` and the module
files beside it. Copy the folder anywhere; `mlpipe run` and `mlpipe compile` take
this file's path.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from quality_gate import DataQualityGate

from components import (Evaluator, ExampleGen, ExampleValidator, MetricThreshold, Pusher,
                        SchemaGen, StatisticsGen, Trainer, Transform)
from pipeline.defaults import default_root, default_serving_dir
from pipeline.dsl import Pipeline
from pipeline.examples.penguin.pipeline import COLUMN_TYPES, DATA_FILE, SCHEMA_FILE

NAME = "penguin_gated"
HERE = Path(__file__).resolve().parent


def create_pipeline(root: str | None = None, data_path: str | None = None,
                    serving_dir: str | None = None, beam_args: Sequence[str] = (),
                    max_missing_fraction: float = 0.05, train_steps: int = 200) -> Pipeline:
    """Penguins, gated on missing values before anything is transformed or trained."""
    root = root or default_root(NAME)
    example_gen = ExampleGen(data_path or DATA_FILE, column_types=COLUMN_TYPES)
    statistics_gen = StatisticsGen(example_gen.outputs.examples)
    gate = DataQualityGate(statistics_gen.outputs.statistics,
                           max_missing_fraction=max_missing_fraction)
    schema_gen = SchemaGen(statistics_gen.outputs.statistics, schema_file=SCHEMA_FILE)
    example_validator = ExampleValidator(statistics_gen.outputs.statistics,
                                         schema_gen.outputs.schema)
    transform = Transform(example_gen.outputs.examples, schema_gen.outputs.schema,
                          module_file=str(HERE / "preprocessing.py"))
    trainer = Trainer(transform.outputs.transformed_examples, transform.outputs.transform_graph,
                      schema_gen.outputs.schema, module_file=str(HERE / "model.py"),
                      train_steps=train_steps, eval_steps=5,
                      hyperparameters={"hidden_units": 8, "learning_rate": 0.01, "seed": 7})
    evaluator = Evaluator(example_gen.outputs.examples, trainer.outputs.model,
                          label_key="species_xf", metrics=("SparseCategoricalCrossentropy",),
                          thresholds=[MetricThreshold("SparseCategoricalAccuracy", lower_bound=0.8)])
    pusher = Pusher(trainer.outputs.model, evaluator.outputs.blessing,
                    schema=schema_gen.outputs.schema, examples=example_gen.outputs.examples,
                    serving_dir=serving_dir or default_serving_dir(root), model_name=NAME)
    return Pipeline(NAME, root, [example_gen, statistics_gen, gate, schema_gen, example_validator,
                                 transform, trainer, evaluator, pusher], beam_args=beam_args)
