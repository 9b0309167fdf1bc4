"""Pusher executor: pushes only blessed models, atomically, under a new version number."""
from __future__ import annotations


from components.pusher import semver, versions, warmup
from components.pusher.component import PusherInputs, PusherOutputs, PusherParams
from pipeline import faults, fs
from pipeline.dsl import ComponentError, ExecutionContext, ExecutorOutcome, PushedModel
from pipeline.serving import config as serving_config
from pipeline.serving import history
from pipeline.serving.labels import Label

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


def _label(inputs: PusherInputs, params: PusherParams, pushed: PushedModel, version: int) -> str:
    """Under the serving folder's lock: the semantic version after the previous push,
    recorded in the history, and the new version's label in models.config."""
    model_dir = fs.join(params.serving_dir, params.model_name)
    signature = (semver.schema_signature(fs.read_text(inputs.schema.schema_file))
                 if inputs.schema is not None else None)
    data = str(inputs.examples.get("input_fingerprint") or "") if inputs.examples else None
    with serving_config.locked(params.serving_dir):
        previous = history.newest(model_dir)
        chosen = semver.next_version(previous, signature, data)
        history.record(model_dir, version, {"semantic_version": chosen.semantic_version,
                                            "schema_signature": signature,
                                            "data_fingerprint": data})
        current = serving_config.labels(params.serving_dir, params.model_name)
        label = params.deploy_as if Label.STABLE in current else Label.STABLE
        before = serving_config.update_labels(params.serving_dir, params.model_name,
                                              {label: version}, params.served_from)
    pushed.set("semantic_version", chosen.semantic_version)
    pushed.set("version_bump", chosen.bump.value)
    pushed.set("version_reason", chosen.reason)
    pushed.set("label", label.value)
    if Label.STABLE in before:
        pushed.set("previous_stable", before[Label.STABLE])
    return f"{chosen.semantic_version} ({chosen.reason}), labelled {label.value}"


def _with_warmup(inputs: PusherInputs, params: PusherParams, context: ExecutionContext) -> str:
    """The SavedModel to push: the trained one, or a copy in the temp folder with TF
    Serving warm-up requests added."""
    if not params.warmup_requests:
        return inputs.model.serving_model_uri
    if inputs.examples is None:
        raise ComponentError("warmup_requests needs Pusher's examples= input (the eval split "
                             "the requests come from)")
    copy = fs.join(context.tmp_dir, "with-warmup")
    fs.copytree(inputs.model.serving_model_uri, copy)
    warmup.write(copy, inputs.examples.uri, params.model_name, params.warmup_requests)
    return copy


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
    try:
        serving_config.read(params.serving_dir)  # a corrupt config: nothing is pushed
    except serving_config.ServingConfigError as error:
        raise ComponentError(str(error)) from None
    source = _with_warmup(inputs, params, context)
    version, destination = push(source, fs.join(params.serving_dir, params.model_name), context)
    faults.point(f"{context.component_id}:pushed")
    fs.rmtree(pushed.uri)  # the artifact holds a flat copy of what was pushed, as in TFX
    fs.copytree(source, pushed.uri)
    pushed.set("pushed", 1)
    pushed.set("pushed_version", str(version))
    pushed.set("pushed_destination", destination)
    pushed.set("model_name", params.model_name)
    described = _label(inputs, params, pushed, version)
    return ExecutorOutcome(summary=f"pushed {params.model_name} version {version} to "
                                   f"{destination}: {described}")
