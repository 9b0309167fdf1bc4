"""A running process records, every few seconds, that it is alive: the run's
`heartbeat_time`. Where the process cannot be seen (another machine, a
Kubernetes pod), a heartbeat that stopped is how the next command knows the
run died (see `liveness`)."""
from __future__ import annotations

import copy
import threading
import time

from pipeline.defaults import heartbeat_seconds
from pipeline.dsl.metadata_config import MetadataConfig
from pipeline.metadata.store import MetadataStore, RunContexts

HEARTBEAT = "heartbeat_time"


class Heartbeat:
    """Beats for one run while the `with` block runs, from its own thread and its own
    store connection (so it never interleaves with the runner's writes). A beat
    that cannot be written (full disk, store down) is skipped: the next one retries.

    Example:
        with Heartbeat(pipeline.metadata, contexts):
            run_the_components()
    """

    def __init__(self, config: MetadataConfig, contexts: RunContexts,
                 interval: float | None = None):
        self._config, self._contexts = config, copy.deepcopy(contexts)  # not shared across threads
        self._interval = heartbeat_seconds() if interval is None else interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat_until_stopped, daemon=True,
                                        name=f"heartbeat-{contexts.run_id}")

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        self._thread.join(timeout=self._interval + 5)

    def _beat_until_stopped(self) -> None:
        store = None
        while not self._stop.is_set():
            try:
                store = store or MetadataStore(self._config)
                store.update_run(self._contexts, {HEARTBEAT: time.time()})
            except Exception:  # noqa: BLE001 - a missed beat is retried; the run goes on
                store = None
            self._stop.wait(self._interval)
