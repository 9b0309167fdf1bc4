"""Compiles a pipeline's IR into a KFP v2 pipeline spec (YAML).

One task per node (see `components.py`); each task gets its node's IR as a
JSON text constant (parameters visible and reviewable in the YAML, user files
embedded; JSON rather than a KFP struct, which would turn every integer into a
float),
the run parameters it uses, and its upstream artifacts. Tasks that may stop
the pipeline (can_halt) gate every task after them. KFP's own caching is off:
tasks reuse earlier outputs through ML Metadata with the same cache keys as
the local runner (`use_cache` turns that off per run).

No `from __future__ import annotations` here: kfp reads annotations as types.
"""

import json
import linecache
from typing import Any, Callable

from pipeline.ir.build import CompileError
from pipeline.ir.model import PipelineIR
from pipeline.ir.node_slice import node_slice

USE_CACHE_PARAMETER = "use_cache"


def _pipeline_source(ir: PipelineIR) -> str:
    names = [p.name for p in ir.parameters]
    if USE_CACHE_PARAMETER in names:
        raise CompileError(f"create_pipeline() argument {USE_CACHE_PARAMETER!r} clashes with "
                           f"the run parameter mlpipe adds; rename it")
    arguments = [f"{p.name}: {p.type} = {p.default!r}" for p in ir.parameters]
    arguments.append(f"{USE_CACHE_PARAMETER}: bool = True")
    values = ", ".join(f"{n!r}: {n}" for n in [*names, USE_CACHE_PARAMETER])
    return "\n".join(["def kfp_pipeline(", *(f"        {a}," for a in arguments), "):",
                      f"    build({{{values}}})", ""])


def _wire(ir: PipelineIR) -> Callable[[dict], None]:
    from kfp import dsl

    from pipeline.kubeflow.components import TaskNameError, task_component

    def build(values: dict) -> None:
        tasks: dict[str, Any] = {}
        gates = []
        for index, node in enumerate(ir.nodes):
            part = node_slice(ir, node.id)
            try:
                component = task_component(node, part.parameters, index == len(ir.nodes) - 1)
            except TaskNameError as error:
                raise CompileError(str(error)) from None
            artifacts = {name: tasks[source.producer].outputs[source.output]
                         for name, source in node.inputs.items() if source.producer}
            task = component(ir=json.dumps(part.to_dict(), sort_keys=True), run_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER,
                             use_cache=values[USE_CACHE_PARAMETER],
                             **{p.name: values[p.name] for p in part.parameters}, **artifacts)
            task.set_display_name(node.id)
            task.set_caching_options(False)  # mlpipe caches through ML Metadata instead
            for gate in gates:
                task.after(gate)
            if node.can_halt:
                gates.append(task)
            tasks[node.id] = task

    return build


def build_kfp_pipeline(ir: PipelineIR) -> Any:
    """A `@dsl.pipeline` whose parameters are the IR's run parameters."""
    from kfp import dsl

    text = _pipeline_source(ir)
    filename = f"<mlpipe pipeline {ir.name}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace: dict[str, Any] = {"__name__": "mlpipe_kfp_pipeline", "build": _wire(ir)}
    exec(compile(text, filename, "exec"), namespace)  # noqa: S102 - our own generated source
    return dsl.pipeline(name=ir.name.replace("_", "-"),
                        description=f"mlpipe pipeline {ir.name!r} ({ir.source})")(
        namespace["kfp_pipeline"])


def compile_to_file(ir: PipelineIR, output_path: str) -> None:
    """Writes the KFP v2 pipeline spec of the compiled pipeline to `output_path`."""
    from kfp import compiler

    compiler.Compiler().compile(build_kfp_pipeline(ir), output_path)
