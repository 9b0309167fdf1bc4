"""One node's part of the IR: what a single task needs, and nothing of the other nodes."""
from __future__ import annotations

import dataclasses

from pipeline.ir.model import Binding, PipelineIR


def node_slice(ir: PipelineIR, node_id: str) -> PipelineIR:
    """The IR reduced to one node: its files, the pipeline's header and user
    modules, and the run parameters' bindings into the header or this node."""
    index = [n.id for n in ir.nodes].index(node_id)
    node = ir.nodes[index]
    parameters = []
    for parameter in ir.parameters:
        bindings = tuple(_rebased(b, index) for b in parameter.bindings
                         if b.path[0] != "nodes" or b.path[1] == index)
        if bindings:
            parameters.append(dataclasses.replace(parameter, bindings=bindings))
    files = {key: ir.files[key] for key in node.files.values()}
    return dataclasses.replace(ir, nodes=(node,), parameters=tuple(parameters), files=files)


def _rebased(binding: Binding, index: int) -> Binding:
    if binding.path[0] != "nodes":
        return binding
    return dataclasses.replace(binding, path=("nodes", 0, *binding.path[2:]))

