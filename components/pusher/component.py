"""Pusher: copies a blessed model to `<serving_dir>/<model_name>/<version>/` for TF
Serving, gives it a semantic version, and labels it in `<serving_dir>/models.config`."""
from __future__ import annotations

import dataclasses

from pipeline.dsl import (Component, ComponentSpec, Examples, Model, ModelBlessing, PushedModel,
                          Schema)
from pipeline.serving.labels import Label


@dataclasses.dataclass(frozen=True)
class PusherInputs:
    model: Model
    model_blessing: ModelBlessing
    schema: Schema | None = None  # what the model was trained with: a change is MAJOR
    examples: Examples | None = None  # its training data: a change is MINOR


@dataclasses.dataclass(frozen=True)
class PusherOutputs:
    pushed_model: PushedModel


@dataclasses.dataclass(frozen=True)
class PusherParams:
    """`serving_dir/model_name/<version>/` is the layout TF Serving's model base path
    expects. `deploy_as` is the label a new version gets in models.config: `stable`
    (all traffic), or `canary` (a share of it, until promoted; the first push is
    stable either way). `served_from` is where TF Serving sees `serving_dir` (a
    mount path in its container) for the config's base paths; default: the same.
    `warmup_requests` > 0 writes that many TF Serving warm-up requests from the
    eval split into the pushed model (`assets.extra/`; needs `examples`)."""

    serving_dir: str
    model_name: str
    deploy_as: Label = Label.STABLE
    served_from: str | None = None
    warmup_requests: int = 0

    def __post_init__(self) -> None:
        if self.warmup_requests < 0:
            raise ValueError(f"warmup_requests must be >= 0, got {self.warmup_requests}")


class Pusher(Component):
    """Pushes a blessed model (never an unblessed one) as a new integer version, records
    its semantic version (MAJOR.MINOR.PIPELINE: see semver.py), and labels it stable
    or canary in the serving folder's TF Serving model config.

    Example:
        Pusher(trainer.outputs.model, evaluator.outputs.blessing,
               schema=schema_gen.outputs.schema, examples=example_gen.outputs.examples,
               serving_dir="/srv/models", model_name="penguin", deploy_as="canary")
    """

    SPEC = ComponentSpec("Pusher", PusherInputs, PusherOutputs, PusherParams,
                         executor="components.pusher.executor:execute")

    def __init__(self, model, model_blessing, *, serving_dir: str, model_name: str,
                 schema=None, examples=None, deploy_as: str | Label = Label.STABLE,
                 served_from: str | None = None, warmup_requests: int = 0,
                 id: str | None = None, enable_cache: bool = True):
        try:
            label = Label(deploy_as)
        except ValueError:
            raise ValueError(f"deploy_as={deploy_as!r}: expected one of "
                             f"{', '.join(repr(l.value) for l in Label)}") from None
        super().__init__(id=id, inputs={"model": model, "model_blessing": model_blessing,
                                        "schema": schema, "examples": examples},
                         params=PusherParams(str(serving_dir), model_name, label, served_from,
                                             warmup_requests),
                         enable_cache=enable_cache)
