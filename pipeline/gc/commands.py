"""`mlpipe gc`: frees a pipeline root of what nothing needs."""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Callable

from pipeline import fs
from pipeline.compiled import UsageError
from pipeline.durations import parse_age

if TYPE_CHECKING:
    from pipeline.gc.leftovers import Removal

def add_commands(commands: argparse._SubParsersAction,
                 add_pipeline_args: Callable[[argparse.ArgumentParser], None]) -> None:
    gc = commands.add_parser(
        "gc", help="remove what no recorded artifact owns and, with --keep-last or "
                   "--older-than, the files of old artifacts nothing needs")
    add_pipeline_args(gc)
    gc.add_argument("--keep-last", type=int, metavar="N",
                    help="keep the artifacts of the N newest runs; older ones' files go")
    gc.add_argument("--older-than", metavar="AGE",
                    help="remove the files of artifacts of runs older than AGE (7d, 12h, ...)")
    gc.add_argument("--dry-run", action="store_true", help="list what would go; remove nothing")


def cmd_gc(args: argparse.Namespace) -> int:
    from pipeline.gc.leftovers import leftovers
    from pipeline.gc.records import PipelineRecords
    from pipeline.gc.retention import Retention, expired
    from pipeline.loader import load_pipeline
    from pipeline.metadata.store import MetadataStore
    from pipeline.runner.recovery import recover

    if args.keep_last is not None and args.keep_last < 1:
        raise UsageError(f"--keep-last {args.keep_last}: keep at least the newest run (1)")
    retention = Retention(args.keep_last,
                          parse_age(args.older_than) if args.older_than else None)
    pipeline = load_pipeline(args.pipeline, root=args.root)
    if not pipeline.metadata.exists():
        print(f"nothing to collect: no runs of {pipeline.name!r} in {pipeline.metadata.describe()}")
        return 0
    store = MetadataStore(pipeline.metadata)
    if not args.dry_run:
        for note in recover(store, pipeline.name):  # dead runs first: their files become leftovers
            print(f"mlpipe: {note}")
    records = PipelineRecords.read(store, pipeline.name)
    removals = leftovers(records, pipeline.root)
    if retention.keep_last is not None or retention.older_than_seconds is not None:
        removals += expired(store, records, pipeline.name, pipeline.root, retention)
    freed = sum(_size(r.path) for r in removals)
    verb = "would remove" if args.dry_run else "removed"
    for removal in removals:
        if not args.dry_run:
            _remove(store, removal)
        print(f"{verb} {removal.path}  ({removal.reason})")
    deleted = sum(1 for r in removals if r.artifact_id is not None)
    print(f"{verb} {len(removals)} folders, {freed / 1e6:.1f} MB; "
          f"{deleted} artifacts {'would be ' if args.dry_run else ''}marked DELETED")
    return 0


def _remove(store, removal: Removal) -> None:
    """Marks the artifact DELETED first: a crash in between leaves files that the
    next gc finds as unrecorded, never a LIVE record without its files."""
    if removal.artifact_id is not None:
        store.mark_artifacts_deleted([removal.artifact_id])
    fs.rmtree(removal.path)


def _size(path: str) -> int:
    if not fs.isdir(path):
        return 0
    return sum(fs.size(fs.join(path, name)) for name in fs.walk_files(path))


COMMANDS = {"gc": cmd_gc}
