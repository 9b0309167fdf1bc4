"""One KFP lightweight Python component per pipeline node, generated from the IR.

Nothing here is written per component type: each node's task function is
generated from its ports (inputs and outputs as KFP artifacts, run parameters
as KFP parameters) and calls the same entrypoint, `pipeline.kubeflow.task.run_task`,
with the node's compiled IR. KFP embeds the function's source in the spec, as
for any lightweight component; on a cluster it runs in the project image (no
pip install at run time), and `kfp.local`'s SubprocessRunner runs it here.
"""

import keyword
import linecache
import os
import re
from typing import Any, Sequence

from kfp import dsl

from pipeline.ir.model import NodeIR, RunParameter

IMAGE_ENV = "MLPIPE_IMAGE"
DEFAULT_IMAGE = "mlpipe:0.1.0"  # the Dockerfile at the top of the repository
RESERVED = ("ir", "run_id", "use_cache")
_KFP_ARTIFACT = {"Examples": "Dataset", "Model": "Model"}  # everything else: Artifact


class TaskNameError(ValueError):
    """A node's ports or the run parameters cannot be KFP argument names."""


def image() -> str:
    return os.environ.get(IMAGE_ENV, DEFAULT_IMAGE)


def task_name(node_id: str) -> str:
    """A Python identifier for the node's task function (`Trainer` -> `trainer`)."""
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", node_id)
    name = re.sub(r"\W", "_", name).lower().strip("_") or "task"
    return f"task_{name}" if name[0].isdigit() or keyword.iskeyword(name) else name


def _argument_names(node: NodeIR, parameters: Sequence[RunParameter]) -> list[str]:
    names = [*RESERVED, *(p.name for p in parameters),
             *(n for n, i in node.inputs.items() if i.producer), *node.outputs]
    clashes = sorted({n for n in names if names.count(n) > 1})
    if clashes:
        raise TaskNameError(f"component {node.id}: {', '.join(clashes)} is both a run parameter "
                            f"(or one of {', '.join(RESERVED)}) and a port name; rename the "
                            f"create_pipeline() argument")
    return names


def source(node: NodeIR, parameters: Sequence[RunParameter], final: bool) -> str:
    """The task function's source: what KFP embeds in the compiled spec."""
    _argument_names(node, parameters)
    inputs = [n for n, i in node.inputs.items() if i.producer]
    arguments = ["ir: str", "run_id: str", "use_cache: bool",
                 *(f"{p.name}: {p.type}" for p in parameters),
                 *(f"{n}: Input[{_KFP_ARTIFACT.get(node.inputs[n].type, 'Artifact')}]"
                   for n in inputs),
                 *(f"{n}: Output[{_KFP_ARTIFACT.get(t, 'Artifact')}]" for n, t in node.outputs.items())]
    values = ", ".join(f"{p.name!r}: {p.name}" for p in parameters)
    input_paths = ", ".join(f"{n!r}: {n}.path" for n in inputs)
    output_paths = ", ".join(f"{n!r}: {n}.path" for n in node.outputs)
    return "\n".join([
        f"def {task_name(node.id)}(",
        *(f"        {a}," for a in arguments),
        "):",
        f'    """Runs {node.id} ({node.type}) of the compiled mlpipe pipeline."""',
        "    from pipeline.kubeflow.task import run_task",
        f"    run_task(ir, run_id, {{{values}}}, {{{input_paths}}}, {{{output_paths}}},",
        f"             use_cache=use_cache, final={final})",
        ""])


def task_component(node: NodeIR, parameters: Sequence[RunParameter], final: bool) -> Any:
    """The node's KFP component. Its source is registered with `linecache`, so
    KFP reads it as it reads any function's source."""
    text = source(node, parameters, final)
    filename = f"<mlpipe task {node.id}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace: dict[str, Any] = {"__name__": "mlpipe_kfp_tasks", "Input": dsl.Input,
                                 "Output": dsl.Output, "Dataset": dsl.Dataset,
                                 "Model": dsl.Model, "Artifact": dsl.Artifact}
    exec(compile(text, filename, "exec"), namespace)  # noqa: S102 - our own generated source
    function = namespace[task_name(node.id)]
    return dsl.component(function, base_image=image(), install_kfp_package=False)
