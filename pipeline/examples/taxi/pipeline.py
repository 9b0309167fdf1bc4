"""The second built-in pipeline: Chicago taxi "big tipper" binary classification.

Predicts whether a trip's tip is more than 20% of its fare, from the 15,002-trip
sample in `../shared/data/chicago_taxi/data.csv` (see its README), validated
against the reviewed schema in `schemas/taxi/` (an inferred one flags the rare
companies and the all-but-empty pickup_census_tract on eval). Blessing needs
binary accuracy >= 0.8 (always answering "no" scores about 0.78) and AUC >= 0.85
overall, and, once a model is serving, no drop in accuracy against it; metrics
are also reported per trip_start_day.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from components import (Evaluator, ExampleGen, ExampleValidator, MetricThreshold, Pusher,
                        SchemaGen, StatisticsGen, Trainer, Transform)
from pipeline.defaults import default_root, default_serving_dir
from pipeline.dsl import Pipeline
from pipeline.metadata import MetadataConfig

NAME = "taxi"
MODULE_FILE = str(Path(__file__).with_name("module.py"))
_REPO = Path(__file__).resolve().parents[3]
SCHEMA_FILE = str(_REPO / "schemas" / "taxi" / "schema.pbtxt")
DATA_FILE = str(_REPO.parent / "shared" / "data" / "chicago_taxi" / "data.csv")
COLUMN_TYPES = {
    "pickup_community_area": "int", "fare": "float", "trip_start_month": "int",
    "trip_start_hour": "int", "trip_start_day": "int", "trip_start_timestamp": "int",
    "pickup_latitude": "float", "pickup_longitude": "float", "dropoff_latitude": "float",
    "dropoff_longitude": "float", "trip_miles": "float", "pickup_census_tract": "int",
    "dropoff_census_tract": "int", "payment_type": "string", "company": "string",
    "trip_seconds": "int", "dropoff_community_area": "int", "tips": "float"}


def create_pipeline(root: str | None = None, data_path: str | None = None,
                    serving_dir: str | None = None, metadata: MetadataConfig | None = None,
                    beam_args: Sequence[str] = (), accuracy_threshold: float = 0.8,
                    auc_threshold: float = 0.85, train_steps: int = 500,
                    fail_on_anomalies: bool = True,
                    span: int | None = None) -> Pipeline:
    """The eight-component taxi pipeline; every argument has a working default."""
    root = root or default_root(NAME)
    example_gen = ExampleGen(data_path or DATA_FILE, column_types=COLUMN_TYPES, span=span)
    statistics_gen = StatisticsGen(example_gen.outputs.examples)
    schema_gen = SchemaGen(statistics_gen.outputs.statistics, schema_file=SCHEMA_FILE)
    example_validator = ExampleValidator(statistics_gen.outputs.statistics,
                                         schema_gen.outputs.schema,
                                         fail_on_anomalies=fail_on_anomalies)
    transform = Transform(example_gen.outputs.examples, schema_gen.outputs.schema,
                          module_file=MODULE_FILE)
    trainer = Trainer(transform.outputs.transformed_examples, transform.outputs.transform_graph,
                      schema_gen.outputs.schema, module_file=MODULE_FILE,
                      train_steps=train_steps, eval_steps=20,
                      hyperparameters={"hidden_units": 32, "learning_rate": 0.003,
                                       "batch_size": 64, "seed": 42})
    evaluator = Evaluator(
        example_gen.outputs.examples, trainer.outputs.model, label_key="big_tipper_xf",
        metrics=("BinaryAccuracy", "AUC", "BinaryCrossentropy"),
        thresholds=[MetricThreshold("BinaryAccuracy", lower_bound=accuracy_threshold,
                                    max_decrease=0.0),
                    MetricThreshold("AUC", lower_bound=auc_threshold)],
        slice_by=[("trip_start_day",)])
    pusher = Pusher(trainer.outputs.model, evaluator.outputs.blessing,
                    schema=schema_gen.outputs.schema, examples=example_gen.outputs.examples,
                    serving_dir=serving_dir or default_serving_dir(root), model_name=NAME)
    return Pipeline(NAME, root, [example_gen, statistics_gen, schema_gen, example_validator,
                                 transform, trainer, evaluator, pusher],
                    metadata=metadata, beam_args=beam_args)
