"""`mlpipe watch`: the production loop on one machine. It checks the pipeline's
inputs every interval (the content fingerprint of each component that reads from
outside the pipeline: ExampleGen's newest span and its files) and runs the
pipeline when they changed since its last run and stayed the same for one
interval (so a span still being copied in is not read half-written). Ctrl-C or
SIGTERM while it waits stops it cleanly; during a run they cancel the run, as
for `mlpipe run`."""
from __future__ import annotations

import time
from typing import Callable

from pipeline.dsl import Pipeline
from pipeline.runner.cache import input_fingerprint
from pipeline.runner.liveness import Terminated
from pipeline.runner.local import LocalRunner
from pipeline.runner.results import RunResult

NO_INPUT = None  # a source whose data is not there yet


def source_fingerprints(pipeline: Pipeline) -> dict[str, str | None]:
    """{component id: fingerprint of what it reads} for the components that read
    from outside the pipeline; None where the input is missing (e.g. no span yet)."""
    found: dict[str, str | None] = {}
    for component in pipeline.components:
        if component.SPEC.content_fingerprint:
            try:
                found[component.id] = input_fingerprint(component)
            except Exception:  # noqa: BLE001 - no data yet: the next check looks again
                found[component.id] = NO_INPUT
    return found


class Watcher:
    """Runs `pipeline` whenever its inputs change, until stopped between runs.

    Example:
        Watcher(load_pipeline("penguin_ct", data_path="data/span-{SPAN}/*.csv"),
                LocalRunner(), interval=60, report=print).watch()
    """

    def __init__(self, pipeline: Pipeline, runner: LocalRunner, interval: float,
                 report: Callable[[str], None], on_run: Callable[[RunResult], None]):
        self._pipeline, self._runner, self._interval = pipeline, runner, interval
        self._report, self._on_run = report, on_run

    def watch(self) -> int:
        """Loops until Ctrl-C or SIGTERM arrives between runs; returns how many runs it made."""
        ran: dict[str, str | None] | None = None  # the inputs of the last run
        seen: dict[str, str | None] | None = None  # the inputs at the previous check
        runs, running = 0, False
        try:
            while True:
                current = source_fingerprints(self._pipeline)
                settled = current == seen  # unchanged for an interval: not still being written
                if settled and current != ran and NO_INPUT not in current.values():
                    running = True
                    result = self._runner.run(self._pipeline)  # interrupts cancel the run
                    running = False
                    self._on_run(result)
                    runs, ran = runs + 1, current
                    self._report(f"mlpipe: watching for new input (every {self._interval:g}s; "
                                 f"Ctrl-C stops)")
                elif current != seen and NO_INPUT in current.values():
                    missing = ", ".join(c for c, f in current.items() if f is NO_INPUT)
                    self._report(f"mlpipe: waiting for input of {missing}")
                seen = current
                time.sleep(self._interval)
        except (KeyboardInterrupt, Terminated) as stop:
            if running:
                raise
            self._report(f"mlpipe: watch stopped between runs ({type(stop).__name__}) after "
                         f"{runs} run(s)")
            return runs
