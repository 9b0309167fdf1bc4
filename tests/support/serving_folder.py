"""A serving folder with pushes recorded as Pusher records them (a version folder,
its label in models.config, a PushedModel in ML Metadata), without running a
pipeline: for the label-change and `mlpipe serve` tests."""
from __future__ import annotations

import os
import shutil

from pipeline.dsl import PushedModel
from pipeline.metadata.store import MetadataStore
from pipeline.serving import config as serving_config
from pipeline.serving.labelling import Target
from pipeline.serving.labels import Label


def record_push(store: MetadataStore, pipeline_name: str, target: Target, version: int,
                label: Label, saved_model: str | None = None) -> None:
    """Version `version` (a copy of `saved_model`, or an empty folder), labelled."""
    destination = os.path.join(target.serving_dir, target.model_name, str(version))
    if saved_model is not None:
        shutil.copytree(saved_model, destination)
    else:
        os.makedirs(destination)
    serving_config.set_labels(target.serving_dir, target.model_name, {label: version})
    pushed = PushedModel(uri=destination + "-record")
    for name, value in {"pushed": 1, "pushed_version": str(version), "label": label.value,
                        "pushed_destination": destination}.items():
        pushed.set(name, value)
    execution = store.start_check(pipeline_name, "Pusher", {}, {})
    store.complete_execution(execution, {"pushed_model": pushed}, {})
