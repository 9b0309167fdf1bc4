"""Compiles a Python pipeline definition into a KFP v2 pipeline spec (YAML).

No `from __future__ import annotations` here or in components.py: kfp reads
the annotations of component and pipeline functions as types.
"""

from typing import Sequence

from pipeline.dsl import Channel, Pipeline


class CompileError(Exception):
    """The pipeline cannot be expressed as a Kubeflow pipeline."""


def _check_supported(pipeline: Pipeline) -> None:
    from pipeline.kubeflow.components import BY_TYPE

    unknown = [f"{c.id} ({c.SPEC.type_name})" for c in pipeline.components
               if c.SPEC.type_name not in BY_TYPE]
    if unknown:
        raise CompileError(f"no Kubeflow component for {', '.join(unknown)}; the known "
                           f"component types are: {', '.join(BY_TYPE)}")


def build_kfp_pipeline(pipeline: Pipeline, pipeline_ref: str, root: str = "",
                       data_path: str = "", serving_dir: str = "",
                       beam_args: Sequence[str] = ()):
    """A `@dsl.pipeline` function: one task per component, wired as the definition
    wires them, with `root`, `data_path` and `serving_dir` as run parameters."""
    from kfp import dsl

    from pipeline.kubeflow.components import BY_TYPE

    _check_supported(pipeline)

    @dsl.pipeline(name=pipeline.name.replace("_", "-"),
                  description=f"mlpipe pipeline {pipeline.name!r} ({pipeline_ref})")
    def kfp_pipeline(root: str = root, data_path: str = data_path, serving_dir: str = serving_dir):
        tasks = {}
        gates = []  # tasks that may stop the pipeline: everything listed after them waits
        for component in pipeline.components:
            artifacts = {name: tasks[source.producer.id].outputs[source.output_name]
                         for name, source in component.inputs.items() if isinstance(source, Channel)}
            task = BY_TYPE[component.SPEC.type_name](
                pipeline_ref=pipeline_ref, component_id=component.id,
                run_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER, root=root, data_path=data_path,
                serving_dir=serving_dir, beam_args=list(beam_args), **artifacts)
            task.set_display_name(component.id)
            task.set_caching_options(False)  # mlpipe records every execution in ML Metadata
            for gate in gates:
                task.after(gate)
            if component.SPEC.can_halt:
                gates.append(task)
            tasks[component.id] = task

    return kfp_pipeline


def compile_to_file(pipeline: Pipeline, pipeline_ref: str, output_path: str, **parameters) -> None:
    """Writes the KFP v2 pipeline spec of `pipeline` to `output_path`."""
    from kfp import compiler

    compiler.Compiler().compile(build_kfp_pipeline(pipeline, pipeline_ref, **parameters),
                                output_path)
