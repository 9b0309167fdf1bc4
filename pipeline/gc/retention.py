"""Which artifacts' files may go: those of runs outside what the user keeps
(`--keep-last N` newest runs, `--older-than D`), unless something still needs
them: the newest run (what the next run reuses from the cache), a RUNNING run,
the model being served (the newest push) and the newest blessed model (the next
Evaluator's baseline), each with everything upstream of it in its lineage, the
blessings of models that stay (baselines are found through them), and
every pushed model whose version folder is still in the serving folder. Version
folders themselves are never removed here: which versions to serve is the
serving side's decision."""
from __future__ import annotations

import dataclasses
import time

from ml_metadata.proto import metadata_store_pb2 as pb

from pipeline import fs
from pipeline.gc.leftovers import Removal
from pipeline.gc.records import PipelineRecords
from pipeline.lineage.graph import LineageError, resolve_artifact, upstream
from pipeline.metadata.records import RunRecord
from pipeline.metadata import resolvers
from pipeline.metadata.store import MetadataStore


@dataclasses.dataclass(frozen=True)
class Retention:
    """What the user keeps: the newest `keep_last` runs and/or runs younger than
    `older_than_seconds` (a run kept by either rule is kept)."""

    keep_last: int | None = None
    older_than_seconds: float | None = None

    def kept(self, runs: list[RunRecord], now: float) -> list[RunRecord]:
        """Runs newest first -> the ones kept; the newest and RUNNING runs always are."""
        kept = [r for i, r in enumerate(runs) if i == 0 or r.status == "RUNNING"
                or (self.keep_last is not None and i < self.keep_last)
                or (self.older_than_seconds is not None
                    and now - r.started < self.older_than_seconds)]
        return kept


def expired(store: MetadataStore, records: PipelineRecords, pipeline_name: str, root: str,
            retention: Retention, now: float | None = None) -> list[Removal]:
    """LIVE artifacts under `root` used only by runs the retention drops, and not
    needed by the served or baseline model."""
    runs = store.runs(pipeline_name)
    kept = {r.run_id for r in retention.kept(runs, time.time() if now is None else now)}
    used_by_kept, used_by_dropped = set(), set()
    for run in runs:
        ids = _artifacts_of_run(store, run.run_id)
        (used_by_kept if run.run_id in kept else used_by_dropped).update(ids)
    candidates = used_by_dropped - used_by_kept - _needed(store, records, pipeline_name)
    candidates -= _blessings_of_kept_models(store, records, candidates)
    prefix = fs.absolute(root).rstrip("/") + "/"
    chosen = [records.artifacts[i] for i in sorted(candidates) if i in records.artifacts]
    return [Removal(a.uri, f"{_type(store, a)} #{a.id} of runs no longer kept", a.id)
            for a in chosen if a.state == pb.Artifact.LIVE
            and not _stands_for_files_elsewhere(store, a)
            and fs.absolute(a.uri).startswith(prefix) and fs.exists(a.uri)]


def _stands_for_files_elsewhere(store: MetadataStore, artifact: pb.Artifact) -> bool:
    """A pushed model whose version folder is still in the serving folder stays LIVE:
    it is the record of a model that can be served."""
    return any(fs.exists(uri) for uri in store.to_artifact(artifact).external_uris())


def _artifacts_of_run(store: MetadataStore, run_id: str) -> set[int]:
    """Every artifact a run's executions read or wrote (reused ones included)."""
    executions = [e.id for e in store.executions(run_id)]
    return {event.artifact_id for event in store.events(executions)}


def _needed(store: MetadataStore, records: PipelineRecords, pipeline_name: str) -> set[int]:
    """The served model's and the baseline's artifacts and all their lineage inputs."""
    anchors = []
    try:
        anchors.append(resolve_artifact(store, pipeline_name, "latest-pushed"))
    except LineageError:
        pass  # nothing pushed yet
    baseline = resolvers.latest_blessed_model(store, pipeline_name)
    if baseline is not None:
        anchors.append(int(baseline.id))
    needed: set[int] = set()
    for anchor in anchors:
        graph = upstream(store, anchor)
        needed |= {node.id for node in graph.nodes.values() if node.kind == "artifact"}
    return needed


def _blessings_of_kept_models(store: MetadataStore, records: PipelineRecords,
                              candidates: set[int]) -> set[int]:
    """Blessings of models that stay: an Evaluator finds its baseline through them."""
    staying = {str(a.id) for a in records.artifacts.values()
               if a.id not in candidates and a.state == pb.Artifact.LIVE}
    return {a.id for a in records.artifacts.values() if a.id in candidates
            and str(store.to_artifact(a).get("current_model_id")) in staying
            and store.to_artifact(a).get("blessed") == 1}


def _type(store: MetadataStore, artifact: pb.Artifact) -> str:
    return store.to_artifact(artifact).TYPE_NAME
