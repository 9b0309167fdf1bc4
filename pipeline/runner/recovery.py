"""What the next command does about runs that ended without recording it: marks
runs whose process is gone ABANDONED, and removes what their executions (or
failed ones) wrote outside the pipeline root without confirming it in ML
Metadata, e.g. a version folder a killed Pusher had renamed into place.
"""
from __future__ import annotations

import os

from pipeline import fs
from pipeline.metadata import intents
from pipeline.metadata.store import MetadataStore
from pipeline.runner import staging
from pipeline.runner.liveness import mark_abandoned


def recover(store: MetadataStore, pipeline_name: str) -> list[str]:
    """Marks dead runs of this pipeline ABANDONED and rolls back their unconfirmed
    writes; returns one line per thing done, for the user."""
    notes = []
    for run_id in mark_abandoned(store, pipeline_name):
        notes.append(f"run {run_id} was abandoned: its process ended without recording an outcome")
        _discard_staging(store, pipeline_name, run_id)
    return notes + roll_back(store, pipeline_name=pipeline_name)


def _discard_staging(store: MetadataStore, pipeline_name: str, run_id: str) -> None:
    """Removes the staging folders the abandoned run's executions left in its root."""
    [run] = [r for r in store.runs(pipeline_name) if r.run_id == run_id]
    root = run.properties.get("pipeline_root")
    if root:
        for execution in store.executions(run_id):
            staging.discard(str(root), execution.id)


def roll_back(store: MetadataStore, pipeline_name: str | None = None,
              execution_id: int | None = None) -> list[str]:
    """Removes what failed or canceled executions (of a pipeline, or one execution)
    announced they would write outside their outputs, unless a recorded artifact
    names it; records the removal on each execution."""
    notes = []
    for intent in intents.unconfirmed(store, pipeline_name, execution_id):
        removed = [uri for uri in intent.uris
                   if fs.exists(uri) and not intents.named_by_artifact(store, uri)]
        who = (f"{intent.component_id} (execution #{intent.execution_id}, run {intent.run_id}) "
               f"wrote it but did not complete")
        try:
            for uri in removed:
                _remove_atomically(uri)
                if os.path.basename(uri.rstrip("/")).isdigit():  # a pushed version folder
                    from pipeline.serving import config as serving_config

                    serving_config.forget_version(uri)
                notes.append(f"removed {uri}: {who}")
        except OSError as error:  # left unresolved: the next command tries again
            notes.append(f"could not remove {error.filename or uri} ({error.strerror}): {who}; "
                         f"remove it by hand, or make its folder writable")
            continue
        intents.mark_rolled_back(store, intent.execution_id, removed)
    return notes


def _remove_atomically(uri: str) -> None:
    """Makes the folder vanish at once where the disk can rename (so TF Serving never
    sees half of it), then deletes it."""
    if fs.is_remote(uri):
        fs.rmtree(uri)
        return
    name = os.path.basename(uri.rstrip("/"))
    hidden = os.path.join(fs.parent(uri), fs.work_name("removing", name))
    os.rename(uri, hidden)
    fs.rmtree(hidden)
