"""The penguin pipeline for continuous training: it ingests the newest span of a
data pattern and measures how far that span drifted from the data that trained
the model now serving, before training on it.

    mlpipe run pipeline/examples/penguin_ct/pipeline.py --data 'penguins/span-{SPAN}/*.csv'

The drift report (DriftValidator's output, recorded in ML Metadata with the
distance per feature) and the decay report (DecayValidator's: the serving
model's accuracy on the new span against its accuracy when blessed) are the
evidence RetrainTrigger decides on: by default a span retrains only if it
drifted, the serving model decayed, or no model is serving yet; otherwise the
run ends there, COMPLETE, and the model serving stays.
"""
from __future__ import annotations

from typing import Sequence

from components import DecayValidator, DriftValidator, RetrainTrigger
from components.common import splits
from components.decay_validator.component import DEFAULT_MAX_DECREASE
from components.drift_validator.component import DEFAULT_DRIFT_THRESHOLD
from pipeline.defaults import default_root
from pipeline.dsl import Pipeline, ServingModelStatistics
from pipeline.dsl.metadata_config import MetadataConfig
from pipeline.examples.penguin import pipeline as penguin

NAME = "penguin_ct"
# Not compared: the survey year changes with every span by design.
NOT_COMPARED = ("year",)


def create_pipeline(root: str | None = None, data_path: str | None = None,
                    span: int | None = None, serving_dir: str | None = None,
                    metadata: MetadataConfig | None = None, beam_args: Sequence[str] = (),
                    drift_threshold: float = DEFAULT_DRIFT_THRESHOLD,
                    max_decay: float = DEFAULT_MAX_DECREASE,
                    retrain: str = "on_drift_or_decay", accuracy_threshold: float = 0.9,
                    train_steps: int = 400, rolling_window: int = 1,
                    deploy_as: str = "stable", served_from: str | None = None) -> Pipeline:
    """Penguin's eight components, plus a DriftValidator against the serving model's
    data, a DecayValidator of the serving model on the new span (decayed when its
    accuracy fell more than `max_decay`), and a RetrainTrigger that ends the run
    when there is no reason to retrain (`retrain`: "on_drift_or_decay", "always"
    or "never"). `rolling_window` > 1 trains on that many newest spans; drift and
    decay are then measured on the newest span alone. A retrained model is gated
    against the model serving, on the newest span's eval split."""
    root = root or default_root(NAME)
    base = penguin.create_pipeline(root=root, data_path=data_path, span=span,
                                   serving_dir=serving_dir, metadata=metadata,
                                   beam_args=beam_args, accuracy_threshold=accuracy_threshold,
                                   train_steps=train_steps, rolling_window=rolling_window,
                                   compare_to_serving=True, deploy_as=deploy_as,
                                   served_from=served_from)
    newest = splits.NEWEST_SPAN if rolling_window > 1 else splits.TRAIN
    drift = DriftValidator(base.component("StatisticsGen").outputs.statistics,
                           base.component("SchemaGen").outputs.schema,
                           baseline_statistics=ServingModelStatistics(),
                           default_threshold=drift_threshold, skip_features=NOT_COMPARED,
                           split=newest, baseline_split=splits.TRAIN)
    decay = DecayValidator(base.component("ExampleGen").outputs.examples,
                           label_key=penguin.LABEL_KEY, metric=penguin.ACCURACY,
                           max_decrease=max_decay, split_names=(newest, splits.EVAL))
    trigger = RetrainTrigger(drift.outputs.drift, decay=decay.outputs.decay, policy=retrain)
    components = list(base.components)
    after_validation = components.index(base.component("ExampleValidator")) + 1
    components[after_validation:after_validation] = [drift, decay, trigger]
    return Pipeline(NAME, root, components, metadata=metadata, beam_args=beam_args)
