"""`mlpipe report RUN [pipeline]`: write a run's static HTML report.

pipeline/cli.py wires this in: `add_commands(subparsers)` adds the parser and
`COMMANDS` maps the command name to its handler, which returns the exit status.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Callable

LATEST = "latest"


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Adds `report RUN [pipeline] [--root R] [-o out.html] [--facets]`."""
    report = subparsers.add_parser(
        "report", help="write a static HTML report of a run (statistics, anomalies, drift, "
                       "metrics, blessing, push, lineage)")
    report.add_argument("run", metavar="RUN",
                        help="a run id as listed by `mlpipe runs`, or 'latest' (the newest run)")
    report.add_argument("pipeline", nargs="?", default=None,
                        help="a pipeline file defining create_pipeline(), or a built-in name "
                             "(penguin, taxi); default: penguin")
    report.add_argument("--root", help="pipeline root: where artifacts and the SQLite "
                                       "metadata are (default: ./mlpipe-output/<pipeline>)")
    report.add_argument("-o", "--output", help="the HTML file to write (default: "
                        "<root>/reports/<run>.html, or ./report-<run>.html for a remote root)")
    report.add_argument("--facets", action="store_true",
                        help="also embed TFDV's Facets statistics view (it loads its code from "
                             "the internet when the report is opened)")


def default_output(pipeline_root: str, run_id: str) -> str:
    """`<root>/reports/<run>.html` for a local root, else `./report-<run>.html`."""
    if pipeline_root and "://" not in pipeline_root:
        return os.path.join(pipeline_root, "reports", f"{run_id}.html")
    return os.path.abspath(f"report-{run_id}.html")


def _error(message: str) -> int:
    print(f"mlpipe: error: {message}", file=sys.stderr)
    return 2


def cmd_report(args: argparse.Namespace) -> int:
    """Writes the report and prints its path; 2 if the run cannot be found."""
    from pipeline.loader import load_pipeline
    from pipeline.metadata.store import MetadataStore
    from pipeline.report.build import write_report

    pipeline = load_pipeline(args.pipeline, root=args.root)
    if not pipeline.metadata.exists():
        return _error(f"no runs of {pipeline.name!r}: {pipeline.metadata.describe()} does not "
                      f"exist (run `mlpipe run` first, or pass --root)")
    store = MetadataStore(pipeline.metadata)
    run_id = args.run
    if run_id == LATEST:
        runs = store.runs(pipeline.name)
        if not runs:
            return _error(f"no runs of {pipeline.name!r} in {pipeline.metadata.describe()}")
        run_id = runs[0].run_id
    elif run_id not in {r.run_id for r in store.runs()}:
        return _error(f"no run {run_id!r} in {pipeline.metadata.describe()}; see `mlpipe runs`")
    output = args.output or default_output(pipeline.root, run_id)
    print(write_report(store, run_id, output, facets=args.facets))
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"report": cmd_report}
