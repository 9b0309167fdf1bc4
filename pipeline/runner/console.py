"""Prints a run as it goes: a line per component, then a summary."""
from __future__ import annotations

import sys
from typing import TextIO

from pipeline.dsl import Component, ModelBlessing, ModelEvaluation, Pipeline, PushedModel
from pipeline.runner.results import FAILED, ComponentResult, RunResult


class ConsoleListener:
    """A LocalRunner listener writing one line per component event."""

    def __init__(self, pipeline: Pipeline, out: TextIO = sys.stdout, show_tracebacks: bool = False):
        self._out = out
        self._show_tracebacks = show_tracebacks
        self._index = {c.id: i + 1 for i, c in enumerate(pipeline.components)}
        self._total = len(pipeline.components)
        self._width = max(len(c.id) for c in pipeline.components)

    def __call__(self, event: str, component: Component, result: ComponentResult | None) -> None:
        prefix = f"[{self._index[component.id]}/{self._total}] {component.id:<{self._width}}"
        if result is None:
            print(f"{prefix}  started", file=self._out, flush=True)
            return
        outputs = " ".join(f"{name}=#{a.id}" for name, a in result.outputs.items())
        detail = result.error if result.error else result.summary
        print(f"{prefix}  {result.status:<6} {result.seconds:6.1f}s  {outputs}  {detail}".rstrip(),
              file=self._out, flush=True)
        if result.traceback and self._show_tracebacks:
            print(result.traceback, file=self._out, flush=True)
        elif result.traceback and "ComponentError" not in result.traceback:
            # An unexpected failure: the traceback matters, but stays out of the way.
            print(f"  (traceback recorded in ML Metadata, execution #{result.execution_id}; "
                  f"`mlpipe -v run ...` prints it)", file=self._out, flush=True)


def summary(result: RunResult) -> str:
    """The closing lines of a run: status, metrics, blessing, what was pushed."""
    lines = [f"Run {result.run_id}: {result.status} in {result.seconds:.1f}s"]
    lines += [f"  before this run: {notice}" for notice in result.notices]
    if result.message:
        lines.append(f"  {result.message}")
    evaluation = result.find_output(ModelEvaluation.TYPE_NAME)
    if isinstance(evaluation, ModelEvaluation):
        lines.append("  metrics (overall): " + ", ".join(
            f"{k}={v:.4f}" for k, v in sorted(evaluation.metrics.items())))
    blessing = result.find_output(ModelBlessing.TYPE_NAME)
    if isinstance(blessing, ModelBlessing):
        lines.append(f"  blessing: {blessing.reason}")
    pushed = result.find_output(PushedModel.TYPE_NAME)
    if isinstance(pushed, PushedModel) and pushed.pushed and result.pushed_from_cache:
        lines.append(f"  nothing new pushed: this model is already version "
                     f"{pushed.version} at {pushed.destination}")
    elif isinstance(pushed, PushedModel) and pushed.pushed:
        lines.append(f"  pushed: {pushed.destination} "
                     f"(model {pushed.get('model_name')}, version {pushed.version})")
    else:
        lines.append(f"  nothing pushed: {_why_nothing_pushed(result, pushed)}")
    return "\n".join(lines)


def _why_nothing_pushed(result: RunResult, pushed) -> str:
    if pushed is not None:
        return str(pushed.get("reason", "the model was not pushed"))
    failed = next((r for r in result.components if r.status == FAILED), None)
    if failed is not None:
        return f"{failed.component_id} failed"
    if result.status == "COMPLETE" and result.message:
        return result.message
    return "the run did not reach Pusher"
