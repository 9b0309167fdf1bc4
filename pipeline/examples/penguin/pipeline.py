"""The default pipeline: Palmer penguins species classification.

Blessing needs overall accuracy >= 0.9 on the eval split and, once a model is
serving, no drop in accuracy against it; and a p99 latency and size within
SERVING_LIMITS.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Sequence


from components import (Evaluator, ExampleGen, ExampleValidator, MetricThreshold, Pusher,
                        SchemaGen, ServingLimits, StatisticsGen, Trainer, Transform)
from pipeline.defaults import default_root, default_serving_dir
from pipeline.dsl import Pipeline, ServingModelSource
from pipeline.metadata import MetadataConfig

NAME = "penguin"
PREPROCESSING_FILE = str(Path(__file__).with_name("preprocessing.py"))
MODEL_FILE = str(Path(__file__).with_name("model.py"))
SCHEMA_FILE = str(Path(__file__).resolve().parents[3] / "schemas" / "penguin" / "schema.pbtxt")
# Found without importing palmerpenguins (which imports pandas): a cached rerun stays fast.
DATA_FILE = os.path.join(importlib.util.find_spec("palmerpenguins").submodule_search_locations[0],
                         "data", "penguins.csv")
COLUMN_TYPES = {"species": "string", "island": "string", "bill_length_mm": "float",
                "bill_depth_mm": "float", "flipper_length_mm": "int", "body_mass_g": "int",
                "sex": "string", "year": "int"}
# A 2x8 network answers in well under a millisecond; these bounds catch a model
# gone wrong (a huge vocabulary, a slow op) without failing on a busy machine.
SERVING_LIMITS = ServingLimits(max_p99_latency_ms=25.0, max_batch_p99_latency_ms=100.0,
                               max_model_size_mb=10.0)
LABEL_KEY = "species_xf"  # the label as Transform's transform_features gives it
ACCURACY = "SparseCategoricalAccuracy"


def create_pipeline(root: str | None = None, data_path: str | None = None,
                    serving_dir: str | None = None, metadata: MetadataConfig | None = None,
                    beam_args: Sequence[str] = (), accuracy_threshold: float = 0.9,
                    train_steps: int = 400, fail_on_anomalies: bool = True,
                    trainer_module_file: str | None = None,
                    span: int | None = None, rolling_window: int = 1,
                    compare_to_serving: bool = False, deploy_as: str = "stable",
                    served_from: str | None = None) -> Pipeline:
    """The eight-component penguin pipeline; every argument has a working default.
    `rolling_window` > 1 trains on that many newest spans of a span pattern;
    `compare_to_serving` gates on the model serving rather than the newest blessed;
    `deploy_as` "canary" labels new versions canary instead of stable;
    `served_from` is where TF Serving sees `serving_dir` (see Pusher)."""
    root = root or default_root(NAME)
    example_gen = ExampleGen(data_path or DATA_FILE, column_types=COLUMN_TYPES, span=span,
                             rolling_window=rolling_window)
    statistics_gen = StatisticsGen(example_gen.outputs.examples)
    schema_gen = SchemaGen(statistics_gen.outputs.statistics, schema_file=SCHEMA_FILE)
    example_validator = ExampleValidator(statistics_gen.outputs.statistics,
                                         schema_gen.outputs.schema,
                                         fail_on_anomalies=fail_on_anomalies)
    # Not materialized: the Trainer applies the transform graph to the raw examples
    # it reads (a few hundred batches), instead of Transform writing every row twice.
    transform = Transform(example_gen.outputs.examples, schema_gen.outputs.schema,
                          module_file=PREPROCESSING_FILE, materialize=False)
    trainer = Trainer(example_gen.outputs.examples, transform.outputs.transform_graph,
                      schema_gen.outputs.schema, module_file=trainer_module_file or MODEL_FILE,
                      train_steps=train_steps, eval_steps=5,
                      hyperparameters={"hidden_units": 8, "learning_rate": 0.01, "seed": 42})
    evaluator = Evaluator(
        example_gen.outputs.examples, trainer.outputs.model, label_key=LABEL_KEY,
        metrics=("SparseCategoricalCrossentropy",),
        thresholds=[MetricThreshold(ACCURACY, lower_bound=accuracy_threshold,
                                    max_decrease=0.0)],
        slice_by=[("island",)], serving_limits=SERVING_LIMITS,
        baseline_model=ServingModelSource() if compare_to_serving else None)
    pusher = Pusher(trainer.outputs.model, evaluator.outputs.blessing,
                    schema=schema_gen.outputs.schema, examples=example_gen.outputs.examples,
                    serving_dir=serving_dir or default_serving_dir(root), model_name=NAME,
                    deploy_as=deploy_as, served_from=served_from)
    return Pipeline(NAME, root, [example_gen, statistics_gen, schema_gen, example_validator,
                                 transform, trainer, evaluator, pusher],
                    metadata=metadata, beam_args=beam_args)
