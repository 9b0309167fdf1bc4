"""Pipeline definition to IR: code references checked, user files and modules embedded."""
from __future__ import annotations

import base64
import hashlib
import os
from typing import Any

from pipeline import fs
from pipeline.code.user_code import (CodeRef, CodeReferenceError, check_resolvable, reference,
                                     user_modules)
from pipeline.dsl import Channel, Component, LatestBlessedModel, Pipeline
from pipeline.dsl.channel import RESOLVED_SOURCES
from pipeline.ir.metadata import metadata_to_dict
from pipeline.ir.model import InputIR, NodeIR, PipelineIR, UserFile
from pipeline.ir.params import params_to_dict


class CompileError(Exception):
    """The pipeline cannot be compiled: the message names the component and the fix."""


def build_ir(pipeline: Pipeline, source: str = "") -> PipelineIR:
    """The IR of a pipeline definition. Raises CompileError naming the component
    whose code cannot be referenced, whose ports are not artifact types, or whose
    files cannot be read."""
    files: dict[str, UserFile] = {}
    code_modules: set[str] = set()
    nodes = []
    for component in pipeline.components:
        node = _node(component, files)
        code_modules.update(CodeRef.parse(ref).module for ref in (node.component, node.executor))
        nodes.append(node)
    metadata = metadata_to_dict(pipeline.metadata) if pipeline.metadata_given else None
    return PipelineIR(pipeline.name, pipeline.root, tuple(nodes), metadata,
                      tuple(pipeline.beam_args), (), files, tuple(user_modules(code_modules)),
                      source)


def _node(component: Component, files: dict[str, UserFile]) -> NodeIR:
    spec = component.SPEC
    where = f"component {component.id} ({spec.type_name})"
    try:
        inputs, outputs = spec.input_ports, component.output_ports
        component_ref = reference(type(component), where)
        executor_ref = CodeRef.parse(str(spec.executor))
        check_resolvable(component_ref, f"{where}, component class")
        check_resolvable(executor_ref, f"{where}, executor")
    except (TypeError, CodeReferenceError) as error:
        raise CompileError(f"{where}: {error}") from None
    params = params_to_dict(component.params)
    node_files = {}
    for name in spec.file_params:
        if params.get(name):
            node_files[name] = _embed(str(params[name]), files, f"{where}, parameter {name}")
    return NodeIR(component.id, spec.type_name, str(component_ref), str(executor_ref), params,
                  {name: _input(component, name, source) for name, source in component.inputs.items()},
                  {p.name: p.artifact_type.TYPE_NAME for p in outputs}, node_files,
                  component.enable_cache, spec.can_halt, spec.uses_beam)


def _input(component: Component, name: str, source: Any) -> InputIR:
    type_name = source.artifact_type.TYPE_NAME
    if isinstance(source, Channel):
        return InputIR(type_name, producer=source.producer.id, output=source.output_name)
    if isinstance(source, LatestBlessedModel):
        return InputIR(type_name, latest_blessed=source.candidate_input)
    if isinstance(source, tuple(RESOLVED_SOURCES.values())):
        return InputIR(type_name, resolver=source.RESOLVER)
    raise CompileError(f"component {component.id}: input {name!r} is {source!r}, "
                       f"neither a channel nor resolved from ML Metadata")


def _embed(path: str, files: dict[str, UserFile], where: str) -> str:
    """Adds the file's content to `files`; returns its key (sha256 of the bytes)."""
    try:
        content = fs.read_bytes(path)
    except OSError as error:
        raise CompileError(f"{where}: cannot read {path}: {error}") from None
    key = hashlib.sha256(content).hexdigest()
    try:
        text, encoding = content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = base64.b64encode(content).decode("ascii"), "base64"
    files[key] = UserFile(os.path.basename(path), path, key, text, encoding)
    return key
