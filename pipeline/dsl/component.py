"""Components: a typed spec (inputs, outputs, parameters) plus an executor.

A component's inputs, outputs and parameters are each a frozen dataclass. The
executor is a plain function `execute(inputs, outputs, params, context)` named
by its import path, so that a pipeline definition can be loaded (and compiled,
or found fully cached) without importing TensorFlow.
"""
from __future__ import annotations

import dataclasses
import enum
import importlib
import types
import typing
from typing import Any, Callable, ClassVar, Union

from pipeline import heap
from pipeline.deferred_imports import trim_library_imports
from pipeline.dsl.artifact import Artifact
from pipeline.dsl.channel import (Channel, LatestBlessedModel, Outputs, ServingModel,
                                  ServingModelStatistics)

InputSource = Union[Channel, LatestBlessedModel, ServingModelStatistics, ServingModel]


@dataclasses.dataclass(frozen=True)
class Port:
    """One input or output slot of a component."""

    name: str
    artifact_type: type[Artifact]
    optional: bool = False


def ports_of(dataclass_type: type) -> list[Port]:
    """Reads the ports declared by an inputs/outputs dataclass's annotations."""
    hints = typing.get_type_hints(dataclass_type)
    ports = []
    for field in dataclasses.fields(dataclass_type):
        hint = hints[field.name]
        args = typing.get_args(hint)
        optional = type(None) in args
        artifact_type = next((a for a in args if a is not type(None)), hint)
        if not (isinstance(artifact_type, type) and issubclass(artifact_type, Artifact)):
            raise TypeError(f"{dataclass_type.__name__}.{field.name}: expected an Artifact "
                            f"subclass (optionally `| None`), found {hint!r}")
        ports.append(Port(field.name, artifact_type, optional))
    return ports


@dataclasses.dataclass(frozen=True)
class ComponentSpec:
    """What a component type consumes, produces and is configured by."""

    type_name: str
    inputs_type: type
    outputs_type: type
    params_type: type
    executor: str | Callable[..., Any]  # "package.module:function", or the function itself
    uses_beam: bool = False
    can_halt: bool = False  # may stop the pipeline: what follows must wait for it
    # Caching: parameters that name or select the input rather than describe the
    # work (a path, a span: left out of the cache key), and "module:function" giving
    # the content fingerprint of what they select (e.g. ExampleGen's input files
    # and span), computed without running.
    location_params: tuple[str, ...] = ()
    content_fingerprint: str | None = None
    # Parameters naming a file that ships with the pipeline (a module file, a
    # reviewed schema): its content is embedded in the compiled pipeline and its
    # sha256, not its path, goes into the cache key.
    file_params: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        executor = self.executor
        if callable(executor):
            object.__setattr__(self, "executor", f"{executor.__module__}:{executor.__qualname__}")
        elif not isinstance(executor, str) or ":" not in executor:
            raise TypeError(f"{self.type_name}: executor must be a function or "
                            f"'package.module:function', got {executor!r}")

    @property
    def input_ports(self) -> list[Port]:
        return ports_of(self.inputs_type)

    @property
    def output_ports(self) -> list[Port]:
        return ports_of(self.outputs_type)

    @property
    def executor_module(self) -> str:
        return str(self.executor).partition(":")[0]

    @property
    def executor_name(self) -> str:
        return str(self.executor).partition(":")[2]

    def load_executor(self) -> Callable[..., Any]:
        # Executors import the TFX libraries: trim what those import first (once a process;
        # a fully cached run never gets here and pays nothing), and keep the collector
        # off what they leave (see pipeline/heap.py).
        trim_library_imports()
        with heap.imports_kept_from_collection():
            module = importlib.import_module(self.executor_module)
        return getattr(module, self.executor_name)


class Component:
    """A node of a pipeline: a component type, its input sources and parameters."""

    SPEC: ClassVar[ComponentSpec]

    def __init__(self, *, id: str | None, inputs: dict[str, InputSource | None],
                 params: Any, enable_cache: bool = True):
        self.id = id or self.SPEC.type_name
        self.params = params
        self.enable_cache = enable_cache  # False: always execute, never reuse earlier outputs
        self.inputs = self._checked_inputs(inputs)
        self.outputs = self._output_channels()

    def _checked_inputs(self, inputs: dict[str, InputSource | None]) -> dict[str, InputSource]:
        checked: dict[str, InputSource] = {}
        for port in self.SPEC.input_ports:
            source = inputs.get(port.name)
            if source is None:
                if not port.optional:
                    raise ValueError(f"{self.id}: input {port.name!r} "
                                     f"({port.artifact_type.TYPE_NAME}) is required but was not given")
                continue
            if not issubclass(source.artifact_type, port.artifact_type):
                raise TypeError(f"{self.id}: input {port.name!r} expects "
                                f"{port.artifact_type.TYPE_NAME}, got {source!r}")
            checked[port.name] = source
        unknown = set(inputs) - {p.name for p in self.SPEC.input_ports}
        if unknown:
            raise ValueError(f"{self.id}: unknown inputs {sorted(unknown)}")
        return checked

    @classmethod
    def from_parts(cls, component_id: str, inputs: dict[str, InputSource], params: Any,
                   enable_cache: bool = True) -> "Component":
        """A component rebuilt from its compiled form (ids, sources and a params
        instance), without the friendly constructor of the component class."""
        component = object.__new__(cls)
        component.id, component.params, component.enable_cache = component_id, params, enable_cache
        component.inputs = component._checked_inputs(inputs)
        component.outputs = component._output_channels()
        return component

    def omitted_outputs(self) -> dict[str, str]:
        """Optional output ports this node's parameters switch off, with the reason
        shown to whoever asks for one (e.g. Transform(materialize=False))."""
        return {}

    @property
    def output_ports(self) -> list[Port]:
        """The output ports this node produces: its spec's, minus the omitted ones."""
        omitted = self.omitted_outputs()
        return [p for p in self.SPEC.output_ports if p.name not in omitted]

    def _output_channels(self) -> Outputs:
        omitted = self.omitted_outputs()
        required = {p.name for p in self.SPEC.output_ports if not p.optional}
        if set(omitted) & required:
            raise TypeError(f"{self.id}: only optional outputs can be omitted, not "
                            f"{sorted(set(omitted) & required)}")
        return Outputs({p.name: Channel(self, p.name, p.artifact_type)
                        for p in self.output_ports}, omitted)

    @property
    def upstream(self) -> list["Component"]:
        return [s.producer for s in self.inputs.values()
                if isinstance(s, Channel) and isinstance(s.producer, Component)]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self.id!r})"


def params_to_dict(params: Any) -> dict[str, Any]:
    """A parameters dataclass as plain JSON-able values (tuples become lists)."""
    def plain(value: Any) -> Any:
        if dataclasses.is_dataclass(value):
            return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        if isinstance(value, (dict, types.MappingProxyType)):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, enum.Enum):
            return value.value
        return value
    return plain(params)
