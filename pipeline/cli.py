"""`mlpipe` (also `python -m pipeline`): run pipelines and read their history."""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import warnings

from pipeline.lineage.commands import COMMANDS as LINEAGE_COMMANDS
from pipeline.lineage.commands import add_commands as add_lineage_commands
from pipeline.lineage.graph import LineageError
from pipeline.loader import PipelineLoadError, load_pipeline
from pipeline.report.commands import COMMANDS as REPORT_COMMANDS
from pipeline.report.commands import add_commands as add_report_commands


def _quiet_libraries(verbose: bool) -> None:
    """TensorFlow, Beam and absl are chatty; keep their warnings out unless asked."""
    if verbose:
        logging.basicConfig(level=logging.INFO)
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow is imported
    warnings.filterwarnings("ignore")
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    for name in ("absl", "apache_beam", "tensorflow", "tensorflow_transform", "urllib3", "root"):
        logging.getLogger(name).setLevel(logging.ERROR)
    logging.getLogger("mlpipe").setLevel(logging.WARNING)
    try:
        from absl import logging as absl_logging
        absl_logging.set_verbosity(absl_logging.ERROR)
    except ImportError:
        pass


def _add_pipeline_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pipeline", nargs="?", default=None,
                        help="a pipeline file defining create_pipeline(), or a built-in name "
                             "(penguin, taxi); default: penguin")
    parser.add_argument("--root", help="pipeline root: where artifacts and the SQLite "
                                       "metadata go (default: ./mlpipe-output/<pipeline>)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mlpipe", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="show library logs and tracebacks")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run a pipeline end to end on this machine")
    _add_pipeline_args(run)
    run.add_argument("--data", dest="data_path", help="input CSV file or folder")
    run.add_argument("--serving-dir", help="where Pusher puts blessed models")
    run.add_argument("--no-cache", action="store_true",
                     help="execute every component, even where earlier outputs could be reused")
    run.add_argument("--beam-arg", dest="beam_args", action="append", default=[],
                     metavar="ARG", help="a Beam pipeline option, e.g. "
                     "--beam-arg=--direct_running_mode=multi_processing (repeatable)")
    runs = commands.add_parser("runs", help="list past runs recorded in ML Metadata")
    _add_pipeline_args(runs)
    compile_ = commands.add_parser("compile", help="compile a pipeline for Kubeflow Pipelines")
    _add_pipeline_args(compile_)
    compile_.add_argument("--target", choices=["kubeflow"], default="kubeflow")
    compile_.add_argument("-o", "--output", required=True, help="the KFP v2 pipeline spec (YAML)")
    compile_.add_argument("--data", dest="data_path", default="", help="default input data path")
    compile_.add_argument("--serving-dir", default="", help="default serving location")
    compile_.add_argument("--beam-arg", dest="beam_args", action="append", default=[], metavar="ARG")
    compile_.add_argument("--pipeline-ref", help="how the container finds the pipeline "
                          "definition (default: the built-in name or the file path given)")
    submit = commands.add_parser("submit", help="upload a compiled pipeline to KFP and start a run")
    submit.add_argument("package", help="the compiled pipeline YAML")
    submit.add_argument("--host", required=True, help="the KFP API endpoint, e.g. http://localhost:8888")
    submit.add_argument("--experiment", default="mlpipe")
    submit.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="a run parameter: root, data_path or serving_dir (repeatable)")
    add_report_commands(commands)
    add_lineage_commands(commands)
    component = commands.add_parser(
        "component", help="run one component of a pipeline (the container entrypoint that "
                          "orchestrators call): inputs and outputs as NAME=PATH")
    _add_pipeline_args(component)
    component.add_argument("--id", required=True, dest="component_id", help="the component's id")
    component.add_argument("--run-id", required=True, help="the run this execution belongs to")
    component.add_argument("--input", action="append", default=[], metavar="NAME=PATH")
    component.add_argument("--output", action="append", default=[], metavar="NAME=PATH")
    component.add_argument("--data", dest="data_path", default="")
    component.add_argument("--serving-dir", default="")
    component.add_argument("--beam-arg", dest="beam_args", action="append", default=[], metavar="ARG")
    return parser


def _pairs(values: list[str], flag: str) -> dict[str, str]:
    bad = [v for v in values if "=" not in v]
    if bad:
        raise UsageError(f"{flag} takes NAME=VALUE, got {bad[0]!r}")
    return dict(v.split("=", 1) for v in values)


def cmd_component(args: argparse.Namespace) -> int:
    from pipeline.kubeflow.task import run_task

    run_task(args.pipeline or "penguin", args.component_id, args.run_id,
             {"root": args.root or "", "data_path": args.data_path, "serving_dir": args.serving_dir},
             args.beam_args, _pairs(args.input, "--input"), _pairs(args.output, "--output"))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from pipeline.runner.console import ConsoleListener, summary
    from pipeline.runner.local import LocalRunner

    pipeline = load_pipeline(args.pipeline, root=args.root, data_path=args.data_path,
                             serving_dir=args.serving_dir, beam_args=tuple(args.beam_args))
    print(f"mlpipe: pipeline {pipeline.name!r}, root {pipeline.root}, "
          f"metadata {pipeline.metadata.describe()}", flush=True)
    result = LocalRunner(ConsoleListener(pipeline, show_tracebacks=args.verbose)).run(
        pipeline, use_cache=not args.no_cache)
    print(summary(result), flush=True)
    return 0 if result.ok else 1


def cmd_runs(args: argparse.Namespace) -> int:
    from pipeline.metadata.store import MetadataStore

    pipeline = load_pipeline(args.pipeline, root=args.root)
    runs = MetadataStore(pipeline.metadata).runs(pipeline.name) if pipeline.metadata.exists() else []
    if not runs:
        print(f"no runs of {pipeline.name!r} in {pipeline.metadata.describe()}")
        return 0
    print(f"{'RUN':<40} {'STARTED':<19} {'STATUS':<9} PUSHED VERSION")
    for run in runs:
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(run.started))
        pushed = run.properties.get("pushed_version")
        if pushed is None and "serving_version" in run.properties:
            pushed = f"(none new; {run.properties['serving_version']} serving)"
        print(f"{run.run_id:<40} {started:<19} {run.status:<9} {pushed or '-'}")
    return 0


def cmd_compile(args: argparse.Namespace) -> int:
    from pipeline.kubeflow.compiler import compile_to_file

    pipeline = load_pipeline(args.pipeline, root=args.root, data_path=args.data_path or None,
                             serving_dir=args.serving_dir or None)
    compile_to_file(pipeline, args.pipeline_ref or args.pipeline or "penguin", args.output,
                    root=args.root or "", data_path=args.data_path,
                    serving_dir=args.serving_dir, beam_args=tuple(args.beam_args))
    print(f"mlpipe: compiled {pipeline.name!r} ({len(pipeline.components)} tasks) to {args.output}")
    return 0


def cmd_submit(args: argparse.Namespace) -> int:
    from pipeline.kubeflow.submit import submit

    run_id = submit(args.package, args.host, _pairs(args.param, "--param"), args.experiment)
    print(f"mlpipe: submitted {args.package} to {args.host}: run {run_id}")
    return 0


class UsageError(Exception):
    """A command-line value that parses but makes no sense."""


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _quiet_libraries(args.verbose)
    from pipeline.dsl import PipelineDefinitionError
    from pipeline.kubeflow.compiler import CompileError
    from pipeline.kubeflow.submit import SubmitError
    from pipeline.kubeflow.task import TaskInputError
    from pipeline.metadata.config import MetadataConfigError

    commands = {"run": cmd_run, "runs": cmd_runs, "compile": cmd_compile, "submit": cmd_submit,
                "component": cmd_component, **REPORT_COMMANDS, **LINEAGE_COMMANDS}
    try:
        return commands[args.command](args)
    except (PipelineLoadError, PipelineDefinitionError, CompileError, UsageError,
            LineageError, TaskInputError, MetadataConfigError) as error:
        print(f"mlpipe: error: {error}", file=sys.stderr)
        return 2
    except SubmitError as error:
        print(f"mlpipe: error: {error}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
