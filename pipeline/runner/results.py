"""What a run reports back: per component, and for the whole run."""
from __future__ import annotations

import dataclasses

from pipeline.dsl.artifact import Artifact

RAN, CACHED, FAILED, NOT_RUN = "ran", "cached", "failed", "not run"


@dataclasses.dataclass
class ComponentResult:
    """One component's execution in a run."""

    component_id: str
    status: str
    seconds: float = 0.0
    execution_id: int | None = None
    outputs: dict[str, Artifact] = dataclasses.field(default_factory=dict)
    summary: str = ""
    error: str = ""
    traceback: str = ""


@dataclasses.dataclass
class RunResult:
    """A whole run. `status` is COMPLETE, FAILED (a component failed) or STOPPED
    (a component asked the pipeline to stop, e.g. on data anomalies)."""

    pipeline_name: str
    run_id: str
    status: str
    components: list[ComponentResult]
    message: str = ""
    seconds: float = 0.0
    notices: list[str] = dataclasses.field(default_factory=list)  # what recovery did first

    @property
    def ok(self) -> bool:
        return self.status == "COMPLETE"

    def output(self, component_id: str, output_name: str) -> Artifact | None:
        """An output artifact of this run, if that component produced it."""
        for result in self.components:
            if result.component_id == component_id:
                return result.outputs.get(output_name)
        return None

    @property
    def pushed_from_cache(self) -> bool:
        """The run's pushed model came from a reused (CACHED) execution: nothing new pushed."""
        return any(r.status == CACHED for r in self.components
                   for a in r.outputs.values() if a.TYPE_NAME == "PushedModel")

    def find_output(self, type_name: str) -> Artifact | None:
        """The last output of the given artifact type, e.g. "PushedModel"."""
        found = None
        for result in self.components:
            for artifact in result.outputs.values():
                if artifact.TYPE_NAME == type_name:
                    found = artifact
        return found
