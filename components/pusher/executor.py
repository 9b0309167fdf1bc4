"""Pusher executor: pushes only blessed models, atomically, under a new version number."""
from __future__ import annotations


from components.pusher import versions
from components.pusher.component import PusherInputs, PusherOutputs, PusherParams
from pipeline import faults, fs
from pipeline.dsl import ComponentError, ExecutionContext, ExecutorOutcome

SAVED_MODEL_FILE = "saved_model.pb"


def is_blessed(inputs: PusherInputs) -> bool:
    """True only if the blessing says so and is about this very model."""
    blessing = inputs.model_blessing
    blessed_model = blessing.get("current_model_id")
    if blessed_model and inputs.model.id and int(blessed_model) != inputs.model.id:
        raise ComponentError(f"the blessing #{blessing.id} is for model #{blessed_model}, "
                             f"not for model #{inputs.model.id}; wire Pusher's model and "
                             f"model_blessing to the same Evaluator")
    return blessing.blessed


def push(source: str, model_dir: str, context: ExecutionContext) -> tuple[int, str]:
    """Copies the SavedModel under a new version number without TF Serving ever
    loading a half-copied version. On a local disk it is copied under a hidden
    name and renamed into place. Object stores have no rename, so it is copied
    into place with saved_model.pb last: until that file lands TF Serving cannot
    load the version, and it retries. ML Metadata records the destination
    (`context.will_write_external`) before anything appears there."""
    version = versions.reserve(model_dir)
    destination = fs.join(model_dir, str(version))
    context.will_write_external(destination)
    if fs.is_remote(destination):
        fs.copytree(source, destination, last=(SAVED_MODEL_FILE,))
        return version, destination
    staging = fs.join(model_dir, fs.work_name("tmp", str(version)))
    try:
        fs.copytree(source, staging)
        faults.point(f"{context.component_id}:copied")
        fs.move(staging, destination)
    finally:
        fs.rmtree(staging)
    return version, destination


def execute(inputs: PusherInputs, outputs: PusherOutputs, params: PusherParams,
            context: ExecutionContext) -> ExecutorOutcome:
    pushed = outputs.pushed_model
    fs.makedirs(pushed.uri)
    pushed.set("model_id", int(inputs.model.id or 0))
    if not is_blessed(inputs):
        pushed.set("pushed", 0)
        reason = str(inputs.model_blessing.get("reason", "model not blessed"))
        pushed.set("reason", reason)
        return ExecutorOutcome(summary=f"not pushed: {reason}")
    version, destination = push(inputs.model.serving_model_uri,
                                fs.join(params.serving_dir, params.model_name), context)
    faults.point(f"{context.component_id}:pushed")
    fs.rmtree(pushed.uri)  # the artifact holds a flat copy of what was pushed, as in TFX
    fs.copytree(inputs.model.serving_model_uri, pushed.uri)
    pushed.set("pushed", 1)
    pushed.set("pushed_version", str(version))
    pushed.set("pushed_destination", destination)
    pushed.set("model_name", params.model_name)
    return ExecutorOutcome(summary=f"pushed {params.model_name} version {version} to {destination}")
