"""What a benchmark reads back from a finished run's ML Metadata (SQLite in its root)."""
from __future__ import annotations

from pathlib import Path


class BenchmarkError(Exception):
    """A child process failed, or its run is not what was expected; the message says how."""


def read_metadata(root: Path
                  ) -> tuple[str, dict[str, float], int | None, int | None, int | None]:
    """The run's status, each component's duration_seconds, ExampleGen's row counts
    (train + eval, and eval alone), and the rows Transform read (all of them if it
    wrote transformed examples, else the train split it analyzed)."""
    from ml_metadata.proto import metadata_store_pb2 as pb

    from pipeline.metadata import SqliteConfig
    from pipeline.metadata.store import MetadataStore

    store = MetadataStore(SqliteConfig(str(root / "metadata.sqlite")))
    runs = store.runs()
    if len(runs) != 1:
        raise BenchmarkError(f"{root}: expected one run in ML Metadata, found {len(runs)}")
    executions = store.executions(runs[0].run_id)
    durations = {e.component_id: float(e.properties.get("duration_seconds", float("nan")))
                 for e in executions}
    rows = eval_rows = None
    example_gens = [e.id for e in executions if e.type_name == "ExampleGen"
                    or e.component_id == "ExampleGen"]
    for event in store.events(example_gens):
        if event.type != pb.Event.OUTPUT:
            continue
        artifact = store.artifact(event.artifact_id)
        train, eval_ = artifact.get("num_rows_train"), artifact.get("num_rows_eval")
        if train is not None and eval_ is not None:
            rows, eval_rows = int(train) + int(eval_), int(eval_)
    transforms = [e.id for e in executions if e.type_name == "Transform"]
    materialized = any(e.type == pb.Event.OUTPUT and e.path.steps[0].key == "transformed_examples"
                       for e in store.events(transforms))
    transform_rows = rows if materialized or rows is None else rows - (eval_rows or 0)
    return runs[0].status, durations, rows, eval_rows, transform_rows
