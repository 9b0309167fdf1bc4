"""IR to runnable components: what every runner executes.

Parameters come from the IR (never from re-running the user's pipeline code),
with run parameter values applied; shipped files are used where they were
compiled if their content is unchanged, else written out; shipped user modules
are made importable.
"""
from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from typing import Any, Mapping

from pipeline import fs
from pipeline.code import user_code
from pipeline.code.user_code import CodeRef
from pipeline.dsl import Channel, Component, LatestBlessedModel, Pipeline
from pipeline.dsl.channel import RESOLVED_SOURCES
from pipeline.dsl.channel import UpstreamRef
from pipeline.dsl.metadata_config import MetadataConfig
from pipeline.ir.build import CompileError
from pipeline.ir.metadata import metadata_from_dict
from pipeline.ir.model import NodeIR, PipelineIR, UserFile
from pipeline.ir.params import ParamsError, params_from_dict
from pipeline.ir.run_parameters import apply_parameters


def materialize(ir: PipelineIR, values: Mapping[str, Any] | None = None,
                only: str | None = None, metadata: MetadataConfig | None = None) -> Pipeline:
    """The runnable pipeline of an IR, with run parameter `values` applied.

    `only` materializes a single node (a Kubeflow task): its channel inputs then
    name their producers by id only. `metadata` replaces the IR's store settings
    (the compiling process's own, password included, which the IR never holds)."""
    if values:
        ir = apply_parameters(ir, values)
    user_code.install(ir.modules)
    nodes = [ir.node(only)] if only else list(ir.nodes)
    built: dict[str, Component] = {}
    for node in nodes:
        built[node.id] = _component(node, ir.files, built)
    return Pipeline(ir.name, ir.root, list(built.values()),
                    metadata=metadata or metadata_from_dict(ir.metadata), beam_args=ir.beam_args)


def _component(node: NodeIR, files: Mapping[str, UserFile],
               built: Mapping[str, Component]) -> Component:
    cls = user_code.resolve(CodeRef.parse(node.component))
    if not (isinstance(cls, type) and issubclass(cls, Component)):
        raise CompileError(f"component {node.id}: {node.component} is not a Component class")
    spec = cls.SPEC
    if str(spec.executor) != node.executor:
        raise CompileError(f"component {node.id}: its class now runs {spec.executor}, but "
                           f"the pipeline was compiled with {node.executor}; recompile it")
    params = dict(node.params)
    for name, key in node.files.items():
        params[name] = local_copy(files[key])
    try:
        params_value = params_from_dict(spec.params_type, params)
    except (ParamsError, TypeError) as error:
        raise CompileError(f"component {node.id}: parameters do not fit "
                           f"{spec.params_type.__name__}: {error}") from None
    ports = {p.name: p.artifact_type for p in spec.input_ports}
    inputs: dict[str, Any] = {}
    for name, source in node.inputs.items():
        if source.latest_blessed is not None:
            inputs[name] = LatestBlessedModel(ports[name], source.latest_blessed)
        elif source.resolver in RESOLVED_SOURCES:
            inputs[name] = RESOLVED_SOURCES[source.resolver](ports[name])
        elif source.resolver is not None:
            raise CompileError(f"component {node.id}: input {name!r} is resolved by "
                               f"{source.resolver!r}, which this mlpipe does not know; recompile")
        else:
            producer = built.get(source.producer) or UpstreamRef(source.producer)
            inputs[name] = Channel(producer, source.output, ports[name])
    return cls.from_parts(node.id, inputs, params_value, node.enable_cache)


def local_copy(file: UserFile) -> str:
    """A local path holding the shipped file: where it was compiled from if it is
    still the same there, else a copy under the temp folder named by its content."""
    if not fs.is_remote(file.path) and os.path.isfile(file.path):
        with open(file.path, "rb") as handle:
            if hashlib.sha256(handle.read()).hexdigest() == file.sha256:
                return file.path
    content = base64.b64decode(file.content) if file.encoding == "base64" \
        else file.content.encode("utf-8")
    folder = os.path.join(tempfile.gettempdir(), f"mlpipe-user-files-{os.getuid()}",
                          file.sha256[:16])
    target = os.path.join(folder, file.name)
    if not os.path.isfile(target):
        os.makedirs(folder, exist_ok=True)
        staged = f"{target}.{os.getpid()}.tmp"
        with open(staged, "wb") as handle:
            handle.write(content)
        os.replace(staged, target)
    return target
