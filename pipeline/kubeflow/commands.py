"""`mlpipe compile`, `mlpipe submit` and `mlpipe component` (the task entrypoint
other orchestrators call)."""
from __future__ import annotations

import argparse
from typing import Callable

from pipeline.compiled import UsageError, is_compiled, pairs, read_compiled


def add_commands(commands: argparse._SubParsersAction,
                 add_pipeline_args: Callable[[argparse.ArgumentParser], None]) -> None:
    compile_ = commands.add_parser("compile", help="compile a pipeline: the IR (JSON) or a "
                                                   "Kubeflow Pipelines spec (YAML)")
    add_pipeline_args(compile_)
    compile_.add_argument("--target", choices=["kubeflow", "ir"], default="kubeflow")
    compile_.add_argument("-o", "--output", required=True, help="the file to write")
    compile_.add_argument("--data", dest="data_path", help="default input data path")
    compile_.add_argument("--serving-dir", help="default serving location")
    compile_.add_argument("--beam-arg", dest="beam_args", action="append", default=[],
                          metavar="ARG")
    compile_.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                          help="a create_pipeline() argument (repeatable)")
    submit = commands.add_parser("submit", help="upload a compiled pipeline to KFP and start a run")
    submit.add_argument("package", help="the compiled pipeline YAML")
    submit.add_argument("--host", required=True, help="the KFP API endpoint, e.g. http://localhost:8888")
    submit.add_argument("--experiment", default="mlpipe")
    submit.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="a run parameter of the pipeline (repeatable)")
    submit.add_argument("--no-cache", action="store_true",
                        help="execute every task, even where earlier outputs could be reused")
    component = commands.add_parser(
        "component", help="run one component of a pipeline (the container entrypoint that "
                          "orchestrators call): inputs and outputs as NAME=PATH")
    add_pipeline_args(component)
    component.add_argument("--id", required=True, dest="component_id", help="the component's id")
    component.add_argument("--run-id", required=True, help="the run this execution belongs to")
    component.add_argument("--input", action="append", default=[], metavar="NAME=PATH")
    component.add_argument("--output", action="append", default=[], metavar="NAME=PATH")
    component.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    component.add_argument("--no-cache", action="store_true")


def cmd_compile(args: argparse.Namespace) -> int:
    from pipeline.loader import compile_pipeline

    traced = compile_pipeline(args.pipeline, root=args.root, data_path=args.data_path,
                              serving_dir=args.serving_dir, beam_args=tuple(args.beam_args),
                              **pairs(args.param, "--param"))
    ir = traced.ir
    if args.target == "ir":
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(ir.to_json())
    else:
        from pipeline.kubeflow.compiler import compile_to_file

        compile_to_file(ir, args.output)
    print(f"mlpipe: compiled {ir.name!r} ({len(ir.nodes)} components) to {args.output}")
    print(f"  run parameters: {', '.join(f'{p.name}={p.default!r}' for p in ir.parameters) or 'none'}")
    for name, reason in traced.skipped.items():
        print(f"  not a run parameter: {name}: {reason}")
    return 0


def cmd_submit(args: argparse.Namespace) -> int:
    from pipeline.kubeflow.compiler import USE_CACHE_PARAMETER
    from pipeline.kubeflow.submit import submit

    arguments: dict[str, object] = dict(pairs(args.param, "--param"))
    if args.no_cache:
        arguments[USE_CACHE_PARAMETER] = False
    run_id = submit(args.package, args.host, arguments, args.experiment)
    print(f"mlpipe: submitted {args.package} to {args.host}: run {run_id}")
    return 0


def cmd_component(args: argparse.Namespace) -> int:
    from pipeline.ir.build import build_ir
    from pipeline.ir.node_slice import node_slice
    from pipeline.kubeflow.task import run_task
    from pipeline.loader import load_pipeline

    values = pairs(args.param, "--param")
    if is_compiled(args.pipeline):
        if args.root:
            raise UsageError("a compiled pipeline takes its root as --param root=PATH")
        ir = read_compiled(args.pipeline)
    else:
        ir = build_ir(load_pipeline(args.pipeline, root=args.root, **values))
        values = {}
    try:
        part = node_slice(ir, args.component_id)
    except ValueError:
        raise UsageError(f"pipeline {ir.name!r} has no component {args.component_id!r}; it has: "
                         f"{', '.join(n.id for n in ir.nodes)}") from None
    run_task(part.to_dict(), args.run_id, values, pairs(args.input, "--input"),
             pairs(args.output, "--output"), use_cache=not args.no_cache,
             final=args.component_id == ir.nodes[-1].id)
    return 0


COMMANDS = {"compile": cmd_compile, "submit": cmd_submit, "component": cmd_component}
