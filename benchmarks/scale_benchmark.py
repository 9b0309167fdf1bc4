#!/usr/bin/env python
"""Scale benchmark: `mlpipe run penguin` on the real penguins and on penguins
scaled to 100k and 1M rows, against TFX 1.16 on the same data in the same run.

A benchmark, not a test: it prints figures and checks no timings. Each repeat
runs, each as a fresh child process with a fresh root, interleaved so that
background load spreads over all of them:

* the import floor (TensorFlow, TFDV, TFT, TFMA imported, nothing else);
* for each size, `mlpipe run penguin --data <scaled CSV>` (the package's 344
  rows for size 0), then the same command again (every component cached);
* with --tfx-python, TFX's LocalDagRunner on the same CSV
  (benchmarks/tfx_penguin.py, in a venv with tfx 1.16; see the README).

The scaled CSVs are made first (benchmarks/scaled_penguins.py: noisy birds
inside the reviewed schema's domains), untimed. It prints whole-process wall
time and peak RSS (the child's, from os.wait4), per-component seconds and
rows/s (from ML Metadata), the ratio to TFX, time(largest) / time(next), and
the issue's targets.

    .venv/bin/python benchmarks/scale_benchmark.py --rows 0,100000,1000000 --repeats 3 \\
        --tfx-python /work/tfx-venv/bin/python
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

from run_benchmark import (FLOOR, BenchmarkError, ChildRun, PipelineRun, checked_child,
                           component_table, floor_command, median, mlpipe_command, print_child,
                           read_metadata, rows_table, table)
from scaled_penguins import write_scaled_penguin_csv

HERE = Path(__file__).resolve().parent
TFX_SCRIPT = HERE / "tfx_penguin.py"
TARGET_SPEEDUP = 4.0  # against TFX, same data, same machine
TARGET_MAX_RSS_MIB = 1024  # at 1M rows
TARGET_SCALING = 10.0  # time(1M) / time(100k)
TARGET_RERUN_SECONDS = 1.0


def label(rows: int) -> str:
    return "penguin" if rows == 0 else f"penguin-{rows // 1000}k" if rows < 10**6 \
        else f"penguin-{rows / 10**6:g}M"


def prepare_data(sizes: Sequence[int], work: Path) -> dict[int, Path | None]:
    data: dict[int, Path | None] = {}
    for rows in sizes:
        if rows == 0:
            data[rows] = None
            continue
        target = work / f"data-{rows}" / "penguins.csv"
        started = time.perf_counter()
        write_scaled_penguin_csv(target, rows)
        print(f"{label(rows)} data: {rows:,} rows, {target.stat().st_size / 2**20:.0f} MiB, "
              f"written in {time.perf_counter() - started:.1f} s (untimed)", flush=True)
        data[rows] = target
    return data


def measure_mlpipe(name: str, csv: Path | None, work: Path, repeat: int) -> PipelineRun:
    root = work / f"{name}-{repeat}"
    command = mlpipe_command() + ["run", "penguin", "--root", str(root)]
    command += ["--data", str(csv)] if csv else []
    log = work / f"{name}-{repeat}.log"
    child = checked_child(command, log, work, f"mlpipe run ({name})")
    status, components, rows, eval_rows, transform_rows = read_metadata(root)
    if status != "COMPLETE":
        raise BenchmarkError(f"mlpipe run ({name}): run status {status}; see {log}")
    rerun = checked_child(command, work / f"{name}-{repeat}-rerun.log", work,
                          f"mlpipe run ({name}, rerun)")
    shutil.rmtree(root, ignore_errors=True)
    return PipelineRun(name, child, status, components, rows, eval_rows, rerun, transform_rows)


def measure_tfx(python: str, name: str, csv: Path | None, work: Path, repeat: int) -> ChildRun:
    from pipeline.examples.penguin.pipeline import DATA_FILE

    root = work / f"tfx-{name}-{repeat}"
    command = [python, str(TFX_SCRIPT), "--data", str(csv or DATA_FILE), "--root", str(root)]
    child = checked_child(command, work / f"tfx-{name}-{repeat}.log", work, f"TFX ({name})")
    shutil.rmtree(root, ignore_errors=True)
    return child


def whole_process(floor: list[ChildRun], runs: dict[str, list[PipelineRun]],
                  tfx: dict[str, list[ChildRun]]) -> str:
    floor_wall = median(c.wall_seconds for c in floor)
    rows = [[FLOOR, f"{floor_wall:.2f}", f"{median(c.max_rss_kib for c in floor) / 1024:.0f}",
             "-", "-", "-", "-"]]
    for name, results in runs.items():
        wall = median(r.child.wall_seconds for r in results)
        rerun = median(r.rerun.wall_seconds for r in results if r.rerun)
        theirs = tfx.get(name, [])
        tfx_wall = median(c.wall_seconds for c in theirs) if theirs else None
        rss = median(r.child.max_rss_kib for r in results) / 1024
        rows.append([name, f"{wall:.2f}", f"{rss:.0f}", f"{rerun:.2f}",
                     f"{tfx_wall:.2f}" if tfx_wall else "-",
                     f"{median(c.max_rss_kib for c in theirs) / 1024:.0f}" if theirs else "-",
                     f"{tfx_wall / wall:.2f}x" if tfx_wall else "-"])
    return table(["process", "median wall (s)", "median max RSS (MiB)", "cached rerun (s)",
                  "TFX wall (s)", "TFX max RSS (MiB)", "TFX / mlpipe"], rows)


def target_lines(runs: dict[str, list[PipelineRun]], tfx: dict[str, list[ChildRun]]) -> list[str]:
    wall = {n: median(r.child.wall_seconds for r in rs) for n, rs in runs.items()}
    lines = []
    for name, results in runs.items():
        if tfx.get(name):
            speedup = median(c.wall_seconds for c in tfx[name]) / wall[name]
            lines.append(f"{name}: {speedup:.2f}x faster than TFX (target {TARGET_SPEEDUP:g}x)")
        rss = median(r.child.max_rss_kib for r in results) / 1024
        if name.endswith("M"):
            lines.append(f"{name}: peak RSS {rss:.0f} MiB (target <= {TARGET_MAX_RSS_MIB})")
    sized = [n for n in runs if n != "penguin"]
    for small, big in zip(sized, sized[1:]):
        lines.append(f"time({big}) / time({small}) = {wall[big] / wall[small]:.2f} "
                     f"(target <= {TARGET_SCALING:g} for 1M / 100k)")
    if "penguin" in runs:
        rerun = median(r.rerun.wall_seconds for r in runs["penguin"] if r.rerun)
        lines.append(f"penguin cached rerun {rerun:.2f} s (target < {TARGET_RERUN_SECONDS:g} s)")
    return lines


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default="0,100000,1000000",
                        help="comma-separated sizes; 0 is the package's 344 rows")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tfx-python", help="a venv's python with tfx 1.16 installed: also "
                                             "run TFX on the same data (same repeats)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs)")
    args = parser.parse_args(argv)
    args.rows = [int(r) for r in args.rows.split(",")]
    return args


def benchmark(args: argparse.Namespace, work: Path):
    data = prepare_data(args.rows, work)
    checked_child(floor_command(), work / "warmup.log", work, FLOOR)  # warms the file cache
    floor: list[ChildRun] = []
    runs: dict[str, list[PipelineRun]] = {label(r): [] for r in args.rows}
    tfx: dict[str, list[ChildRun]] = {label(r): [] for r in args.rows} if args.tfx_python else {}
    for repeat in range(args.repeats):
        floor.append(checked_child(floor_command(), work / f"floor-{repeat}.log", work, FLOOR))
        print_child(FLOOR, repeat, floor[-1])
        for rows, csv in data.items():
            name = label(rows)
            runs[name].append(measure_mlpipe(name, csv, work, repeat))
            print_child(name, repeat, runs[name][-1].child)
            if args.tfx_python:
                tfx[name].append(measure_tfx(args.tfx_python, name, csv, work, repeat))
                print_child(f"TFX {name}", repeat, tfx[name][-1])
    return floor, runs, tfx


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="mlpipe-scale-"))
    try:
        floor, runs, tfx = benchmark(args, work)
    except BenchmarkError as error:
        print(f"\nbenchmark failed: {error}", file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("\n" + "\n".join(["Whole process (cold: fresh root each run; medians)",
                            whole_process(floor, runs, tfx), "",
                            "Per component (ML Metadata duration_seconds)", component_table(runs),
                            "", "Throughput", rows_table(runs), "", *target_lines(runs, tfx)]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
