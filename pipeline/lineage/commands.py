"""CLI glue: `mlpipe lineage model|artifact` and `mlpipe diff`.

`add_commands(subparsers)` adds the parsers to `mlpipe`'s subcommands and
`COMMANDS` maps each command name to its handler; handlers return the exit
status and raise LineageError (or the loader's PipelineLoadError) on errors.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Callable

from pipeline.lineage.graph import LineageError, LineageGraph, downstream, resolve_artifact, upstream
from pipeline.loader import PipelineLoadError, load_pipeline
from pipeline.metadata.store import MetadataStore

MODEL_REFS = ("latest-pushed", "latest")


def _add_pipeline_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pipeline", nargs="?", default=None,
                        help="a pipeline file defining create_pipeline(), or a built-in name "
                             "(penguin, taxi); default: penguin")
    parser.add_argument("--root", help="pipeline root holding the SQLite metadata "
                                       "(default: ./mlpipe-output/<pipeline>)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def _add_graph_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--graph", metavar="OUT.svg|OUT.png",
                        help="also draw the graph with Graphviz's dot (needs Graphviz installed)")


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Adds `lineage` (with `model` and `artifact`) and `diff` to mlpipe's subcommands."""
    lineage = subparsers.add_parser(
        "lineage", help="where a model or artifact came from, or what was made from it, "
                        "from ML Metadata")
    kinds = lineage.add_subparsers(dest="lineage_command", required=True)
    model = kinds.add_parser(
        "model", help="the data, schema, code, evaluation and blessing behind a model")
    model.add_argument("ref", nargs="?", default="latest-pushed",
                       help="latest-pushed (default: the model being served), latest (the "
                            "newest Model), or an artifact id")
    _add_pipeline_args(model)
    _add_graph_arg(model)
    artifact = kinds.add_parser("artifact", help="the upstream (or --down: downstream) "
                                                 "lineage graph of one artifact")
    artifact.add_argument("artifact_id", metavar="ID",
                          help="an artifact id (or latest-pushed / latest)")
    _add_pipeline_args(artifact)
    artifact.add_argument("--down", action="store_true",
                          help="what was made from the artifact instead of what it came from")
    _add_graph_arg(artifact)
    diff = subparsers.add_parser("diff", help="what changed between two runs: data, "
                                              "parameters, code, metrics, outcome, caching")
    diff.add_argument("run_a", metavar="RUN_A", help="a run id, as listed by `mlpipe runs`")
    diff.add_argument("run_b", metavar="RUN_B", help="the run to compare with RUN_A")
    _add_pipeline_args(diff)


def _is_model_ref(text: str) -> bool:
    return text in MODEL_REFS or text.lstrip("#").isdigit()


def open_store(args: argparse.Namespace) -> tuple[str, MetadataStore]:
    """The pipeline's name and its metadata store, which must already exist."""
    pipeline = load_pipeline(args.pipeline, root=args.root)
    if not pipeline.metadata.exists():
        raise LineageError(f"no ML Metadata for pipeline {pipeline.name!r} at "
                           f"{pipeline.metadata.describe()}; run `mlpipe run "
                           f"{args.pipeline or pipeline.name}` first, or pass the --root the "
                           f"runs used")
    return pipeline.name, MetadataStore(pipeline.metadata)


def _print_json(value: object) -> None:
    print(json.dumps(value, indent=2, default=str))


def _check_graph_arg(args: argparse.Namespace) -> None:
    if args.graph:
        from pipeline.lineage.render import check_graph_path

        check_graph_path(args.graph)


def _draw(graph: LineageGraph, path: str | None, quiet: bool) -> None:
    if not path:
        return
    from pipeline.lineage.render import write_graph

    write_graph(graph, path)
    print(f"mlpipe: graph of {len(graph.nodes)} nodes written to {path}",
          file=sys.stderr if quiet else sys.stdout)


def cmd_lineage_model(args: argparse.Namespace) -> int:
    """`mlpipe lineage model [REF] [PIPELINE]`: a model's provenance. A lone argument
    that is not a model reference is taken as the pipeline (`mlpipe lineage model taxi`)."""
    from pipeline.lineage.render import to_json
    from pipeline.lineage.summary import model_provenance, provenance_text

    _check_graph_arg(args)
    if args.pipeline is None and not _is_model_ref(args.ref):
        args.pipeline, args.ref = args.ref, MODEL_REFS[0]
        try:
            name, store = open_store(args)
        except PipelineLoadError as error:
            raise LineageError(f"{args.pipeline!r} is neither a model reference (latest-pushed, "
                               f"latest or an artifact id) nor a pipeline: {error}") from error
    else:
        name, store = open_store(args)
    graph = upstream(store, resolve_artifact(store, name, args.ref))
    provenance = model_provenance(graph)
    if args.json:
        _print_json({"pipeline": name, "ref": args.ref, "provenance": provenance,
                     "graph": to_json(graph)})
    else:
        print(provenance_text(provenance))
    _draw(graph, args.graph, args.json)
    return 0


def cmd_lineage_artifact(args: argparse.Namespace) -> int:
    """`mlpipe lineage artifact ID [PIPELINE] [--down]`: one artifact's lineage graph."""
    from pipeline.lineage.render import graph_text, to_json

    _check_graph_arg(args)
    name, store = open_store(args)
    artifact_id = resolve_artifact(store, name, args.artifact_id)
    graph = (downstream if args.down else upstream)(store, artifact_id)
    direction = "downstream" if args.down else "upstream"
    if args.json:
        _print_json({"pipeline": name, "direction": direction, **to_json(graph)})
    else:
        root = graph.nodes[graph.root].label if graph.root else str(artifact_id)
        print(graph_text(graph, f"{direction} of {root} ({len(graph.nodes)} nodes)"))
    _draw(graph, args.graph, args.json)
    return 0


def cmd_lineage(args: argparse.Namespace) -> int:
    """`mlpipe lineage model|artifact ...`."""
    handlers = {"model": cmd_lineage_model, "artifact": cmd_lineage_artifact}
    return handlers[args.lineage_command](args)


def cmd_diff(args: argparse.Namespace) -> int:
    """`mlpipe diff RUN_A RUN_B [PIPELINE]`: what changed between two runs."""
    from pipeline.lineage.diff import diff_runs, diff_text

    _, store = open_store(args)
    result = diff_runs(store, args.run_a, args.run_b)
    if args.json:
        _print_json(result.to_dict())
    else:
        print(diff_text(result))
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"lineage": cmd_lineage,
                                                             "diff": cmd_diff}
