#!/usr/bin/env python
"""Cold-run benchmark of `mlpipe run`: wall time, peak memory, per-component seconds.

This is a benchmark, not a test: it prints figures and asserts nothing about time.

For every repeat it runs, each in a fresh child process and (for pipelines) a
fresh pipeline root:

* the import floor: `python -c "import tensorflow, tensorflow_data_validation,
  tensorflow_transform, tensorflow_model_analysis"` in the same venv, the least
  any whole-process run of these libraries can cost;
* `mlpipe run <pipeline> --root <fresh tmp dir>` for each requested pipeline
  (`penguin`, the built-in default, and `taxi` on a CSV scaled up from
  /work/shared/data/chicago_taxi/data.csv to --taxi-rows rows).

Wall time is measured around the child; peak memory is the child's max RSS
from `os.wait4` (per child, and it covers any sub-process the child itself
waited for). Per-component seconds come from ML Metadata (each execution's
`duration_seconds`), rows from the ExampleGen output's `num_rows_train` and
`num_rows_eval`. Repeats are interleaved (floor, penguin, taxi, floor, ...)
so that background load on the machine spreads over all of them.

    .venv/bin/python benchmarks/run_benchmark.py --pipelines penguin --repeats 3
    .venv/bin/python benchmarks/run_benchmark.py --pipelines taxi --taxi-rows 1000000 --repeats 1
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterable, Sequence

from run_metadata import BenchmarkError, read_metadata  # benchmarks/ is the script's folder
from scaled_taxi import write_scaled_taxi_csv

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # so `pipeline` imports without an installed package too
    sys.path.insert(0, str(REPO))

PIPELINES = ("penguin", "taxi")  # the built-in ones
TAXI_SOURCE = str(REPO.parent / "shared" / "data" / "chicago_taxi" / "data.csv")
FLOOR_IMPORTS = ("tensorflow", "tensorflow_data_validation", "tensorflow_transform",
                 "tensorflow_model_analysis")
FLOOR = "import floor"
PENGUIN_TARGET_SECONDS = 25.0
# TFX 1.16's LocalDagRunner on the same penguin pipeline here: a quoted figure, not measured
TFX_QUOTED_SECONDS = 100.0
# components that read every row (train + eval), and Evaluator, which reads the eval split
ROW_COMPONENTS = ("ExampleGen", "StatisticsGen", "Transform", "Evaluator")
LOG_TAIL_LINES = 40
FIXED_COST_ROWS = 10_000  # below this, a component's seconds are imports and setup, not rows


@dataclasses.dataclass
class ChildRun:
    """One child process: how long it took and how much memory it held at most."""

    wall_seconds: float
    cpu_seconds: float  # user + system, less sensitive than wall time to a busy machine
    max_rss_kib: int
    returncode: int


@dataclasses.dataclass
class PipelineRun:
    """One cold `mlpipe run`, with what ML Metadata recorded about it."""

    pipeline: str
    child: ChildRun
    status: str
    components: dict[str, float]  # component id -> duration_seconds, in run order
    rows: int | None  # ExampleGen rows, train + eval
    eval_rows: int | None  # of which in the eval split (what Evaluator reads)
    rerun: ChildRun | None = None  # the same command again: every component cached
    transform_rows: int | None = None  # what Transform read: the train split if not materialized


# -- child processes ---------------------------------------------------------------------

def mlpipe_command() -> list[str]:
    """The venv's `mlpipe`, next to this interpreter; `python -m pipeline` otherwise."""
    script = Path(sys.executable).parent / "mlpipe"
    return [str(script)] if script.exists() else [sys.executable, "-m", "pipeline"]


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def log_tail(log_path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = log_path.read_text(errors="replace").splitlines()
    except OSError as error:
        return f"(no log: {error})"
    return "\n".join(text[-lines:])


def run_child(command: Sequence[str], log_path: Path, cwd: Path) -> ChildRun:
    """Runs `command` with stdout and stderr to `log_path`; wall time and the child's
    own max RSS (os.wait4 reports it per child, unlike RUSAGE_CHILDREN)."""
    with open(log_path, "wb") as log:
        started = time.perf_counter()
        process = subprocess.Popen(list(command), stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, cwd=cwd, env=child_env())
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:
            process.kill()
            process.wait()
            raise
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4 already
    cpu = usage.ru_utime + usage.ru_stime
    return ChildRun(wall, cpu, usage.ru_maxrss, process.returncode)  # Linux: ru_maxrss in KiB


def checked_child(command: Sequence[str], log_path: Path, cwd: Path, what: str) -> ChildRun:
    child = run_child(command, log_path, cwd)
    if child.returncode != 0:
        raise BenchmarkError(f"{what} exited with {child.returncode}: {' '.join(command)}\n"
                             f"--- last lines of {log_path} ---\n{log_tail(log_path)}")
    return child


# -- ML Metadata -------------------------------------------------------------------------

# -- measuring ---------------------------------------------------------------------------

def pipeline_command(name: str, root: Path, taxi_csv: Path | None) -> list[str]:
    command = mlpipe_command() + ["run", name, "--root", str(root)]
    if name == "taxi" and taxi_csv is not None:
        command += ["--data", str(taxi_csv)]
    return command


def floor_command() -> list[str]:
    return [sys.executable, "-c", "import " + ", ".join(FLOOR_IMPORTS)]


def measure_floor(work: Path, repeat: int) -> ChildRun:
    return checked_child(floor_command(), work / f"floor-{repeat}.log", work, FLOOR)


def measure_pipeline(name: str, work: Path, repeat: int, taxi_csv: Path | None) -> PipelineRun:
    root = work / f"{name}-{repeat}"  # fresh: a cold run every time
    log = work / f"{name}-{repeat}.log"
    child = checked_child(pipeline_command(name, root, taxi_csv), log, work, f"mlpipe run {name}")
    status, components, rows, eval_rows, transform_rows = read_metadata(root)
    if status != "COMPLETE":
        raise BenchmarkError(f"mlpipe run {name}: run status {status}\n"
                             f"--- last lines of {log} ---\n{log_tail(log)}")
    rerun = checked_child(pipeline_command(name, root, taxi_csv), work / f"{name}-{repeat}-rerun.log",
                          work, f"mlpipe run {name} (rerun)")
    return PipelineRun(name, child, status, components, rows, eval_rows, rerun, transform_rows)


def print_child(label: str, repeat: int, child: ChildRun, extra: str = "") -> None:
    print(f"  run {repeat + 1}: {label:<12} {child.wall_seconds:7.2f} s wall  "
          f"{child.cpu_seconds:7.2f} s CPU  max RSS {child.max_rss_kib / 1024:5.0f} MiB{extra}"
          f"  (load {os.getloadavg()[0]:.1f})", flush=True)


# -- reporting ---------------------------------------------------------------------------

def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table, padded so it also reads as plain text."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(headers), rule] + [line(r) for r in rows])


def whole_process_table(floor: list[ChildRun], runs: dict[str, list[PipelineRun]]) -> str:
    floor_median = median(c.wall_seconds for c in floor)
    rows = [[FLOOR, ", ".join(f"{c.wall_seconds:.1f}" for c in floor), f"{floor_median:.2f}",
             f"{median(c.cpu_seconds for c in floor):.2f}",
             f"{median(c.max_rss_kib for c in floor) / 1024:.0f}", "1.00", "-"]]
    for name, results in runs.items():
        walls = [r.child.wall_seconds for r in results]
        wall = median(walls)
        outside = median(r.child.wall_seconds - sum(r.components.values()) for r in results)
        rows.append([name, ", ".join(f"{w:.1f}" for w in walls), f"{wall:.2f}",
                     f"{median(r.child.cpu_seconds for r in results):.2f}",
                     f"{median(r.child.max_rss_kib for r in results) / 1024:.0f}",
                     f"{wall / floor_median:.2f}", f"{outside:.1f}"])
    return table(["process", "wall of each run (s)", "median wall (s)", "median CPU (s)",
                  "median max RSS (MiB)",
                  "x import floor", "outside components (s)"], rows)


def rerun_table(runs: dict[str, list[PipelineRun]]) -> str:
    """The unchanged rerun right after each cold run: every component cached."""
    rows = []
    for name, results in runs.items():
        reruns = [r.rerun for r in results if r.rerun is not None]
        if reruns:
            rows.append([name, ", ".join(f"{c.wall_seconds:.2f}" for c in reruns),
                         f"{median(c.wall_seconds for c in reruns):.2f}",
                         f"{median(c.max_rss_kib for c in reruns) / 1024:.0f}",
                         f"{median(r.child.wall_seconds for r in results) / median(c.wall_seconds for c in reruns):.0f}x"])
    return table(["pipeline", "wall of each rerun (s)", "median wall (s)", "median max RSS (MiB)",
                  "cold / rerun"], rows)


def component_table(runs: dict[str, list[PipelineRun]]) -> str:
    names = list(runs)
    order: list[str] = []
    for results in runs.values():
        for component in results[0].components:
            if component not in order:
                order.append(component)
    rows = []
    for component in order:
        cells = [component]
        for name in names:
            values = [r.components[component] for r in runs[name] if component in r.components]
            cells.append(f"{median(values):.2f}" if values else "-")
        rows.append(cells)
    totals = [median(sum(r.components.values()) for r in runs[n]) for n in names]
    rows.append(["sum of components"] + [f"{t:.2f}" for t in totals])
    return table(["component (median s)"] + names, rows)


def _rows_read(run: PipelineRun, component: str) -> tuple[int, str]:
    if component == "Evaluator":
        return run.eval_rows, "eval split only"
    if component == "Transform" and run.transform_rows not in (None, run.rows):
        return run.transform_rows, "train split only (not materialized)"
    return run.rows, "train + eval"


def rows_table(runs: dict[str, list[PipelineRun]]) -> str:
    rows = []
    for name, results in runs.items():
        known = [r for r in results if r.rows is not None and r.eval_rows is not None]
        if not known:
            continue
        for component in ROW_COMPONENTS:
            count, note = _rows_read(known[0], component)
            seconds = [r.components[component] for r in results if component in r.components]
            if seconds:
                secs = median(seconds)
                rate = f"{count / secs:,.0f}" if secs > 0 else "-"
                notes = [note]
                if count < FIXED_COST_ROWS:
                    notes.append("fixed costs dominate")
                note = "; ".join(notes)
                rows.append([name, component, f"{count:,}", f"{secs:.2f}", rate, note])
    return table(["pipeline", "component", "rows read", "median s", "rows/s", "note"],
                 rows)


def target_lines(floor: list[ChildRun], runs: dict[str, list[PipelineRun]]) -> list[str]:
    if "penguin" not in runs:
        return []
    wall = median(r.child.wall_seconds for r in runs["penguin"])
    verdict = "within" if wall <= PENGUIN_TARGET_SECONDS else "over"
    return [f"penguin target: <= {PENGUIN_TARGET_SECONDS:.0f} s whole process; measured median "
            f"{wall:.1f} s ({verdict} target)",
            f"TFX 1.16 LocalDagRunner, same pipeline on this machine: ~{TFX_QUOTED_SECONDS:.0f} s "
            f"(quoted, not measured here) -> {TFX_QUOTED_SECONDS / wall:.1f}x",
            f"import floor median {median(c.wall_seconds for c in floor):.1f} s of penguin's "
            f"{wall:.1f} s"]


def report(floor: list[ChildRun], runs: dict[str, list[PipelineRun]]) -> str:
    parts = ["Whole process (cold: fresh root each run)", whole_process_table(floor, runs), "",
             "Unchanged rerun (every component cached; target about 3 s)", rerun_table(runs), ""]
    if runs:
        parts += ["Per component (ML Metadata duration_seconds)", component_table(runs), "",
                  "Throughput", rows_table(runs), ""]
    parts += target_lines(floor, runs)
    return "\n".join(parts)


def to_json(floor: list[ChildRun], runs: dict[str, list[PipelineRun]], args: argparse.Namespace
            ) -> dict[str, object]:
    return {"args": {k: v for k, v in vars(args).items() if k != "json"},
            "cpus": os.cpu_count(), "floor": [dataclasses.asdict(c) for c in floor],
            "pipelines": {n: [dataclasses.asdict(r) for r in rs] for n, rs in runs.items()}}


# -- main --------------------------------------------------------------------------------

def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pipelines", default="penguin,taxi",
                        help="comma-separated built-in pipelines (default: penguin,taxi)")
    parser.add_argument("--repeats", type=int, default=3, help="cold runs of each (default 3)")
    parser.add_argument("--taxi-rows", type=int, default=1_000_000,
                        help="rows of the scaled taxi CSV (default 1,000,000)")
    parser.add_argument("--taxi-source", default=TAXI_SOURCE, help=f"default {TAXI_SOURCE}")
    parser.add_argument("--no-warmup", action="store_true",
                        help="skip the untimed import that warms the OS file cache first")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--json", help="also write the raw figures to this JSON file")
    args = parser.parse_args(argv)
    args.pipelines = [p.strip() for p in args.pipelines.split(",") if p.strip()]
    unknown = [p for p in args.pipelines if p not in PIPELINES]
    if unknown or not args.pipelines:
        parser.error(f"--pipelines: choose from {', '.join(PIPELINES)} (got {args.pipelines})")
    if args.repeats < 1 or args.taxi_rows < 1:
        parser.error("--repeats and --taxi-rows must be at least 1")
    return args


def prepare_taxi(args: argparse.Namespace, work: Path) -> Path:
    target = work / "taxi-data" / "data.csv"  # its own folder: --data may be a folder too
    target.parent.mkdir()
    started = time.perf_counter()
    try:
        written = write_scaled_taxi_csv(Path(args.taxi_source), target, args.taxi_rows)
    except (OSError, ValueError) as error:
        raise BenchmarkError(f"cannot scale the taxi CSV: {error}") from None
    print(f"taxi data: {written:,} rows, {target.stat().st_size / 2**20:.0f} MiB, written in "
          f"{time.perf_counter() - started:.1f} s (not timed below)", flush=True)
    return target


def benchmark(args: argparse.Namespace, work: Path
              ) -> tuple[list[ChildRun], dict[str, list[PipelineRun]]]:
    taxi_csv = prepare_taxi(args, work) if "taxi" in args.pipelines else None
    if not args.no_warmup:
        print("warm-up: one untimed import floor run", flush=True)
        checked_child(floor_command(), work / "warmup.log", work, FLOOR)
    floor: list[ChildRun] = []
    runs: dict[str, list[PipelineRun]] = {name: [] for name in args.pipelines}
    for repeat in range(args.repeats):
        floor.append(measure_floor(work, repeat))
        print_child(FLOOR, repeat, floor[-1])
        for name in args.pipelines:
            result = measure_pipeline(name, work, repeat, taxi_csv)
            runs[name].append(result)
            rows = f", {result.rows:,} rows" if result.rows is not None else ""
            print_child(name, repeat, result.child,
                        f"  (components {sum(result.components.values()):.1f} s{rows})")
            if not args.keep:  # frees disk early; the 1M-row taxi roots are large
                shutil.rmtree(work / f"{name}-{repeat}", ignore_errors=True)
    return floor, runs


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="mlpipe-bench-"))
    print(f"mlpipe benchmark: {', '.join(args.pipelines)}; {args.repeats} repeat(s); "
          f"{os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f}; {sys.executable}; "
          f"work dir {work}", flush=True)
    try:
        floor, runs = benchmark(args, work)
    except BenchmarkError as error:
        print(f"\nbenchmark failed: {error}", file=sys.stderr)
        if not args.keep:
            print("(rerun with --keep to look at the logs and roots)", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print("\n" + report(floor, runs))
    if args.json:
        Path(args.json).write_text(json.dumps(to_json(floor, runs, args), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
