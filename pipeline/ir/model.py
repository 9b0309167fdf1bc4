"""The compiled pipeline: one serializable intermediate representation (IR).

Every runner consumes this, never the user's pipeline code: the local runner,
the Kubeflow compiler and the Kubeflow task entrypoint. It holds per node its
id, component type, code references, parameters, input channels, output ports
and flags; the pipeline's name, root, metadata choice and Beam args; run
parameters with the places they are bound to; and the content of every user
file the pipeline needs (module files, reviewed schemas, the user's own
component modules). It is plain JSON:

    {"ir_version": 1, "pipeline": {"name": "penguin", "root": "...", ...},
     "nodes": [{"id": "Trainer", "type": "Trainer", "params": {...}, ...}],
     "parameters": [...], "files": {...}, "modules": [...]}
"""
from __future__ import annotations

import dataclasses
import json
from typing import Any

from pipeline.code.user_code import UserModule

IR_VERSION = 1


class IRFormatError(ValueError):
    """The document is not a compiled mlpipe pipeline this version can read."""


@dataclasses.dataclass(frozen=True)
class InputIR:
    """Where one input comes from: another node's output, the newest blessed
    model in ML Metadata (`latest_blessed` names the candidate input it excludes),
    or another artifact ML Metadata resolves at run time (`resolver`, e.g.
    "serving_model_statistics")."""

    type: str
    producer: str | None = None
    output: str | None = None
    latest_blessed: str | None = None
    resolver: str | None = None


@dataclasses.dataclass(frozen=True)
class NodeIR:
    """One component of the pipeline, as compiled."""

    id: str
    type: str
    component: str  # "module:Class", the component class that owns the spec
    executor: str  # "module:function"
    params: dict[str, Any]
    inputs: dict[str, InputIR]
    outputs: dict[str, str]  # port name: artifact type name
    files: dict[str, str] = dataclasses.field(default_factory=dict)  # param: file sha256
    enable_cache: bool = True
    can_halt: bool = False
    uses_beam: bool = False

    @property
    def upstream(self) -> list[str]:
        return [i.producer for i in self.inputs.values() if i.producer]


@dataclasses.dataclass(frozen=True)
class UserFile:
    """A file named by a parameter (module file, schema), shipped by content."""

    name: str  # the file's base name
    path: str  # where it was when compiled
    sha256: str
    content: str
    encoding: str = "utf-8"  # or "base64"


@dataclasses.dataclass(frozen=True)
class Binding:
    """Where a run parameter's value goes: a JSON path into the IR document, and
    for text the parts the value joins (`["", "/serving"]` makes `<value>/serving`);
    without parts the value replaces what is there."""

    path: tuple[Any, ...]
    parts: tuple[str, ...] | None = None


@dataclasses.dataclass(frozen=True)
class RunParameter:
    """A value that may be set per run (at submit time on Kubeflow).

    `optional` parameters (their `create_pipeline` default is None) take effect
    only when set, and then win over values derived from other parameters."""

    name: str
    type: str  # "str", "int", "float" or "bool"
    default: Any
    bindings: tuple[Binding, ...]
    optional: bool = False


@dataclasses.dataclass(frozen=True)
class PipelineIR:
    name: str
    root: str
    nodes: tuple[NodeIR, ...]
    metadata: dict[str, Any] | None = None  # None: the environment's, else <root>/metadata.sqlite
    beam_args: tuple[str, ...] = ()
    parameters: tuple[RunParameter, ...] = ()
    files: dict[str, UserFile] = dataclasses.field(default_factory=dict)
    modules: tuple[UserModule, ...] = ()
    source: str = ""  # what it was compiled from, for people

    def node(self, node_id: str) -> NodeIR:
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(f"pipeline {self.name!r} has no component {node_id!r}; "
                       f"it has: {', '.join(n.id for n in self.nodes)}")

    def to_dict(self) -> dict[str, Any]:
        doc = json.loads(json.dumps(dataclasses.asdict(self)))  # tuples become lists
        pipeline = {k: doc.pop(k) for k in ("name", "root", "metadata", "beam_args", "source")}
        return {"ir_version": IR_VERSION, "pipeline": pipeline, **doc}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, sort_keys=True)

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> "PipelineIR":
        version = doc.get("ir_version") if isinstance(doc, dict) else None
        if version != IR_VERSION:
            raise IRFormatError(f"not a compiled mlpipe pipeline of IR version {IR_VERSION} "
                                f"(found ir_version={version!r}); recompile it with this mlpipe")
        try:
            header = {**doc["pipeline"], "beam_args": tuple(doc["pipeline"]["beam_args"])}
            return cls(**header, nodes=tuple(_node(n) for n in doc["nodes"]),
                       parameters=tuple(_parameter(p) for p in doc["parameters"]),
                       files={k: UserFile(**f) for k, f in doc["files"].items()},
                       modules=tuple(UserModule(**m) for m in doc["modules"]))
        except (KeyError, TypeError) as error:
            raise IRFormatError(f"malformed compiled pipeline: {error}") from None

    @classmethod
    def from_json(cls, text: str) -> "PipelineIR":
        try:
            return cls.from_dict(json.loads(text))
        except json.JSONDecodeError as error:
            raise IRFormatError(f"not JSON: {error}") from None


def _node(doc: dict[str, Any]) -> NodeIR:
    return NodeIR(**{**doc, "inputs": {k: InputIR(**v) for k, v in doc["inputs"].items()}})


def _parameter(doc: dict[str, Any]) -> RunParameter:
    bindings = tuple(Binding(tuple(b["path"]), tuple(b["parts"]) if b.get("parts") is not None
                             else None) for b in doc["bindings"])
    return RunParameter(**{**doc, "bindings": bindings})
