"""Pusher: copies a blessed model to `<serving_dir>/<model_name>/<version>/` for TF Serving."""
from __future__ import annotations

import dataclasses

from pipeline.dsl import Component, ComponentSpec, Model, ModelBlessing, PushedModel


@dataclasses.dataclass(frozen=True)
class PusherInputs:
    model: Model
    model_blessing: ModelBlessing


@dataclasses.dataclass(frozen=True)
class PusherOutputs:
    pushed_model: PushedModel


@dataclasses.dataclass(frozen=True)
class PusherParams:
    """`serving_dir/model_name/<version>/` is the layout TF Serving's model base path expects."""

    serving_dir: str
    model_name: str


class Pusher(Component):
    SPEC = ComponentSpec("Pusher", PusherInputs, PusherOutputs, PusherParams,
                         executor="components.pusher.executor:execute")

    def __init__(self, model, model_blessing, *, serving_dir: str, model_name: str,
                 id: str | None = None,
                 enable_cache: bool = True):
        super().__init__(id=id, inputs={"model": model, "model_blessing": model_blessing},
                         params=PusherParams(str(serving_dir), model_name),
                         enable_cache=enable_cache)
