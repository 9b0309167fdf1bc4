"""What the metadata store answers with: plain records of runs and executions."""
from __future__ import annotations

import dataclasses
from typing import Iterable

from pipeline.dsl.artifact import Artifact


@dataclasses.dataclass(frozen=True)
class RunRecord:
    """One pipeline run as recorded in ML Metadata."""

    run_id: str
    pipeline_name: str
    started: float
    status: str
    properties: dict[str, object]


@dataclasses.dataclass(frozen=True)
class CachedExecution:
    """An earlier execution whose outputs a new one may reuse."""

    id: int
    outputs: dict[str, Artifact]
    properties: dict[str, object]


@dataclasses.dataclass(frozen=True)
class ExecutionRecord:
    """One component execution as recorded in ML Metadata."""

    id: int
    type_name: str
    component_id: str
    state: str
    properties: dict[str, object]


def derived_run_status(execution_states: Iterable[str]) -> str:
    """The status of a run that recorded none (one TFX wrote), from its executions."""
    states = set(execution_states)
    if "FAILED" in states:
        return "FAILED"
    if not states or states & {"NEW", "RUNNING"}:
        return "RUNNING"
    return "COMPLETE"
