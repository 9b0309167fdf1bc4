"""Channels: how one component's input names another's output."""
from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from pipeline.dsl.artifact import (Artifact, ExampleAnomalies, ExampleStatistics, Model,
                                   ModelEvaluation, PushedModel)

if TYPE_CHECKING:
    from pipeline.dsl.component import Component


@dataclasses.dataclass(frozen=True)
class UpstreamRef:
    """A producer known only by its id: a node outside the compiled part of a
    pipeline that one Kubeflow task runs."""

    id: str


@dataclasses.dataclass(frozen=True)
class Channel:
    """The output `output_name` of the component `producer`."""

    producer: "Component | UpstreamRef"
    output_name: str
    artifact_type: type[Artifact]

    def __repr__(self) -> str:
        return f"Channel({self.producer.id}.{self.output_name}: {self.artifact_type.TYPE_NAME})"


@dataclasses.dataclass(frozen=True)
class LatestBlessedModel:
    """Resolves, at run time, to the newest blessed Model of the same pipeline
    in ML Metadata, or to nothing on the first run. This is what change
    thresholds compare against (TFX's LatestBlessedModelStrategy). The model
    given to the same component as `candidate_input` is never its own baseline."""

    artifact_type: type[Artifact] = Model
    candidate_input: str = "model"


@dataclasses.dataclass(frozen=True)
class ServingModelStatistics:
    """Resolves, at run time, to the statistics of the data that trained the model
    now serving (the newest push of the same pipeline), found through its lineage
    in ML Metadata; to nothing before the first push. What drift is measured against."""

    artifact_type: type[Artifact] = ExampleStatistics
    RESOLVER = "serving_model_statistics"  # its name in the compiled pipeline


@dataclasses.dataclass(frozen=True)
class ServingModel:
    """Resolves, at run time, to the pipeline's newest push (the PushedModel of the
    model now serving), or to nothing before the first push."""

    artifact_type: type[Artifact] = PushedModel
    RESOLVER = "serving_model"


@dataclasses.dataclass(frozen=True)
class ServingModelSource:
    """Resolves, at run time, to the trained Model the serving push was made from
    (what a decay check evaluates on new data), or to nothing before the first push."""

    artifact_type: type[Artifact] = Model
    RESOLVER = "serving_model_source"


@dataclasses.dataclass(frozen=True)
class ServingModelEvaluation:
    """Resolves, at run time, to the evaluation that blessed the model now serving
    (its metrics when it was blessed), or to nothing before the first push."""

    artifact_type: type[Artifact] = ModelEvaluation
    RESOLVER = "serving_model_evaluation"


@dataclasses.dataclass(frozen=True)
class ServingSkew:
    """Resolves, at run time, to the newest `mlpipe skew` report on the model now
    serving (serving requests against its training data), or to nothing if none
    was made since that model was pushed."""

    artifact_type: type[Artifact] = ExampleAnomalies
    RESOLVER = "serving_skew"


# Inputs resolved through ML Metadata by name, as the compiled pipeline names them.
RESOLVED_SOURCES = {cls.RESOLVER: cls for cls in (ServingModelStatistics, ServingModel,
                                                  ServingModelSource, ServingModelEvaluation,
                                                  ServingSkew)}


class Outputs:
    """Attribute access to a component's output channels: `gen.outputs.examples`."""

    def __init__(self, channels: dict[str, Channel], omitted: dict[str, str] | None = None):
        self._channels = channels
        self._omitted = dict(omitted or {})  # port name: why this node does not produce it

    def __getattr__(self, name: str) -> Channel:
        try:
            return self.__dict__["_channels"][name]
        except KeyError:
            why = self.__dict__.get("_omitted", {}).get(name)
            if why:
                raise AttributeError(f"no output {name!r}: {why}") from None
            known = ", ".join(self.__dict__["_channels"]) or "none"
            raise AttributeError(f"no output named {name!r}; outputs are: {known}") from None

    def __getitem__(self, name: str) -> Channel:
        return getattr(self, name)

    def items(self):
        return self._channels.items()
