"""Pusher executor: pushes only blessed models, atomically, under a new version number."""
from __future__ import annotations

import os
import shutil
import time

from components.evaluator.component import BLESSED_FILE
from components.pusher.component import PusherInputs, PusherOutputs, PusherParams
from components.trainer.executor import serving_model_path
from pipeline.dsl import ComponentError, ExecutionContext, ExecutorOutcome


def is_blessed(inputs: PusherInputs) -> bool:
    """True only if the blessing says so and is about this very model."""
    blessing = inputs.model_blessing
    blessed_model = blessing.get("current_model_id")
    if blessed_model and inputs.model.id and int(blessed_model) != inputs.model.id:
        raise ComponentError(f"the blessing #{blessing.id} is for model #{blessed_model}, "
                             f"not for model #{inputs.model.id}; wire Pusher's model and "
                             f"model_blessing to the same Evaluator")
    return blessing.get("blessed") == 1 and os.path.exists(os.path.join(blessing.uri, BLESSED_FILE))


def next_version(model_dir: str) -> int:
    """A version above every existing one: the push time in seconds, or one more
    than the newest version if that is later (two pushes within a second)."""
    existing = [int(v) for v in os.listdir(model_dir) if v.isdigit()] if os.path.isdir(model_dir) else []
    return max([int(time.time()), *(v + 1 for v in existing)])


def push(source: str, model_dir: str) -> tuple[int, str]:
    """Copies the SavedModel under a hidden temporary name, then renames it into
    place, so TF Serving never sees a half-copied version."""
    os.makedirs(model_dir, exist_ok=True)
    version = next_version(model_dir)
    staging = os.path.join(model_dir, f".tmp-{version}-{os.getpid()}")
    shutil.copytree(source, staging)
    destination = os.path.join(model_dir, str(version))
    os.rename(staging, destination)
    return version, destination


def execute(inputs: PusherInputs, outputs: PusherOutputs, params: PusherParams,
            context: ExecutionContext) -> ExecutorOutcome:
    pushed = outputs.pushed_model
    os.makedirs(pushed.uri, exist_ok=True)
    pushed.set("model_id", int(inputs.model.id or 0))
    if not is_blessed(inputs):
        pushed.set("pushed", 0)
        reason = str(inputs.model_blessing.get("reason", "model not blessed"))
        pushed.set("reason", reason)
        return ExecutorOutcome(summary=f"not pushed: {reason}")
    version, destination = push(serving_model_path(inputs.model.uri),
                                os.path.join(params.serving_dir, params.model_name))
    pushed.set("pushed", 1)
    pushed.set("pushed_version", version)
    pushed.set("pushed_destination", destination)
    pushed.set("model_name", params.model_name)
    return ExecutorOutcome(summary=f"pushed {params.model_name} version {version} to {destination}")
