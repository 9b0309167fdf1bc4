"""`mlpipe` (also `python -m pipeline`): run pipelines and read their history."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import traceback
import warnings

from pipeline.compiled import UsageError, is_compiled, pairs, read_compiled
from pipeline.gc.commands import COMMANDS as GC_COMMANDS
from pipeline.gc.commands import add_commands as add_gc_commands
from pipeline.kubeflow.commands import COMMANDS as KUBEFLOW_COMMANDS
from pipeline.kubeflow.commands import add_commands as add_kubeflow_commands
from pipeline.lineage.commands import COMMANDS as LINEAGE_COMMANDS
from pipeline.lineage.commands import add_commands as add_lineage_commands
from pipeline.lineage.graph import LineageError
from pipeline.loader import PipelineLoadError, load_pipeline
from pipeline.report.commands import COMMANDS as REPORT_COMMANDS
from pipeline.report.commands import add_commands as add_report_commands
from pipeline.serving.commands import COMMANDS as SERVING_COMMANDS
from pipeline.serving.commands import add_commands as add_serving_commands
from pipeline.skew.commands import COMMANDS as SKEW_COMMANDS
from pipeline.skew.commands import add_commands as add_skew_commands


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
                             "(penguin, penguin_ct, taxi); default: penguin")
    parser.add_argument("--root", help="pipeline root: where artifacts and the SQLite "
                                       "metadata go (default: ./mlpipe-output/<pipeline>)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mlpipe", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="show library logs and tracebacks")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run a pipeline end to end on this machine")
    _add_pipeline_args(run)
    run.add_argument("--data", dest="data_path",
                     help="input CSV file or folder, or a pattern with spans: "
                          "'data/span-{SPAN}/*.csv', 'data/{YYYY}-{MM}-{DD}/*.csv'")
    run.add_argument("--span", type=int, help="the span of a --data pattern to ingest "
                                              "(default: the newest)")
    run.add_argument("--serving-dir", help="where Pusher puts blessed models")
    run.add_argument("--no-cache", action="store_true",
                     help="execute every component, even where earlier outputs could be reused")
    run.add_argument("--beam-arg", dest="beam_args", action="append", default=[],
                     metavar="ARG", help="a Beam pipeline option, e.g. "
                     "--beam-arg=--direct_running_mode=multi_processing (repeatable)")
    run.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                     help="a create_pipeline() argument, or a run parameter of a compiled "
                          "pipeline (.json) (repeatable)")
    watch = commands.add_parser("watch", help="run the pipeline, then again whenever its input "
                                              "data changes (a new span), until Ctrl-C")
    _add_pipeline_args(watch)
    watch.add_argument("--data", dest="data_path", help="input data, usually a pattern with "
                                                        "spans: 'data/span-{SPAN}/*.csv'")
    watch.add_argument("--serving-dir", help="where Pusher puts blessed models")
    watch.add_argument("--interval", default="60s", help="how often to look for new input "
                                                         "(60s, 5m, 1h; default 60s)")
    watch.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                       help="a create_pipeline() argument (repeatable)")
    runs = commands.add_parser("runs", help="list past runs recorded in ML Metadata")
    _add_pipeline_args(runs)
    runs.add_argument("--json", action="store_true",
                      help="print the runs as JSON (status, span, drift, decay, "
                           "retraining decision, pushed version)")
    add_kubeflow_commands(commands, _add_pipeline_args)
    add_gc_commands(commands, _add_pipeline_args)
    add_skew_commands(commands, _add_pipeline_args)
    add_serving_commands(commands, _add_pipeline_args)
    add_report_commands(commands)
    add_lineage_commands(commands)
    return parser


def cmd_run(args: argparse.Namespace) -> int:
    from pipeline.ir.materialize import materialize
    from pipeline.runner.console import ConsoleListener, summary
    from pipeline.runner.local import LocalRunner

    params = pairs(args.param, "--param")
    if is_compiled(args.pipeline):
        if args.root or args.data_path or args.serving_dir or args.beam_args or args.span:
            raise UsageError("a compiled pipeline takes its settings as --param NAME=VALUE")
        compiled, values = read_compiled(args.pipeline), params
        pipeline = materialize(compiled, values)
    else:
        pipeline = load_pipeline(args.pipeline, root=args.root, data_path=args.data_path,
                                 span=args.span,
                                 serving_dir=args.serving_dir, beam_args=tuple(args.beam_args),
                                 **params)
        compiled, values = pipeline, None
    print(f"mlpipe: pipeline {pipeline.name!r}, root {pipeline.root}, "
          f"metadata {pipeline.metadata.describe()}", flush=True)
    result = LocalRunner(ConsoleListener(pipeline, show_tracebacks=args.verbose)).run(
        compiled, use_cache=not args.no_cache, values=values)
    print(summary(result), flush=True)
    return 0 if result.ok else 1


def cmd_watch(args: argparse.Namespace) -> int:
    from pipeline.durations import parse_age
    from pipeline.runner.console import ConsoleListener, summary
    from pipeline.runner.local import LocalRunner
    from pipeline.runner.watch import Watcher

    interval = parse_age(args.interval)
    pipeline = load_pipeline(args.pipeline, root=args.root, data_path=args.data_path,
                             serving_dir=args.serving_dir, **pairs(args.param, "--param"))
    print(f"mlpipe: watching pipeline {pipeline.name!r}, root {pipeline.root}", flush=True)
    runner = LocalRunner(ConsoleListener(pipeline, show_tracebacks=args.verbose))
    Watcher(pipeline, runner, interval, lambda line: print(line, flush=True),
            lambda result: print(summary(result), flush=True)).watch()
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    from pipeline.lineage.runs import decay_words, describe_run, drift_words, trigger_words
    from pipeline.metadata.guard import StoreError
    from pipeline.metadata.store import MetadataStore
    from pipeline.runner.recovery import recover

    pipeline = load_pipeline(args.pipeline, root=args.root)
    runs, store = [], None
    if pipeline.metadata.exists():
        store = MetadataStore(pipeline.metadata)
        try:
            for note in recover(store, pipeline.name):  # a killed run's process is gone: say so
                print(f"mlpipe: {note}", file=sys.stderr if args.json else sys.stdout)
        except StoreError as error:  # a full or read-only disk: still list what is recorded
            print(f"mlpipe: could not update the records of dead runs: {error}", file=sys.stderr)
        runs = store.runs(pipeline.name)
    rows = [describe_run(store, run) for run in runs] if store else []
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print(f"no runs of {pipeline.name!r} in {pipeline.metadata.describe()}")
        return 0
    print(f"{'RUN':<40} {'STARTED':<19} {'STATUS':<9} {'SPAN':>5}  {'DRIFT':<30} "
          f"{'DECAY':<7} {'RETRAIN':<8} PUSHED VERSION")
    for row in rows:
        pushed = row["pushed_version"]
        if pushed is None and row["serving_version"] is not None:
            pushed = f"(none new; {row['serving_version']} serving)"
        span = "-" if row["span"] is None else str(row["span"])
        print(f"{row['run_id']:<40} {row['started'].replace('T', ' '):<19} {row['status']:<9} "
              f"{span:>5}  {drift_words(row['drift']):<30} {decay_words(row['decay']):<7} "
              f"{trigger_words(row['trigger']):<8} "
              f"{pushed or '-'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    from pipeline.s3 import exit_code

    return exit_code(_main(argv))


def console_main() -> None:
    """The `mlpipe` command (and `python -m pipeline`): `main`, then the process ends
    without the interpreter's slow teardown of TensorFlow (see process_exit)."""
    from pipeline.process_exit import exit_process

    exit_process(main())


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    _quiet_libraries(args.verbose)
    from pipeline.code.user_code import CodeReferenceError
    from pipeline.dsl import PipelineDefinitionError
    from pipeline.ir.build import CompileError
    from pipeline.ir.model import IRFormatError
    from pipeline.ir.run_parameters import RunParameterError
    from pipeline.kubeflow.submit import SubmitError
    from pipeline.kubeflow.task import TaskInputError
    from pipeline.runner.liveness import Terminated, handle_sigterm
    from pipeline.runner.local import RunnerError
    from pipeline.metadata.guard import StoreError
    from pipeline.dsl.metadata_config import MetadataConfigError

    commands = {"run": cmd_run, "runs": cmd_runs, "watch": cmd_watch, **KUBEFLOW_COMMANDS,
                **GC_COMMANDS, **SKEW_COMMANDS, **SERVING_COMMANDS, **REPORT_COMMANDS, **LINEAGE_COMMANDS}
    handle_sigterm()
    try:
        return commands[args.command](args)
    except KeyboardInterrupt:
        print("mlpipe: interrupted (Ctrl-C); the run is recorded CANCELED", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `mlpipe runs --json | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Terminated:
        print("mlpipe: terminated (SIGTERM); the run is recorded CANCELED", file=sys.stderr)
        return 143
    except (RunnerError, StoreError) as error:
        if args.verbose:
            traceback.print_exception(error, file=sys.stderr)
        print(f"mlpipe: error: {error}", file=sys.stderr)
        return 1
    except (PipelineLoadError, PipelineDefinitionError, CompileError, UsageError,
            LineageError, TaskInputError, MetadataConfigError, IRFormatError,
            RunParameterError, CodeReferenceError) as error:
        if args.verbose:
            traceback.print_exception(error, file=sys.stderr)
        print(f"mlpipe: error: {error}", file=sys.stderr)
        return 2
    except SubmitError as error:
        print(f"mlpipe: error: {error}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
