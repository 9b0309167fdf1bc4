"""Shared fixtures: small CSVs, and a chain of real artifacts in TFX's layout.

The chain fixtures run each executor directly (no orchestrator) on a small
penguin sample, each consuming the previous one's output folders, as the
runner would.
"""
from __future__ import annotations

import csv
import dataclasses
import os
from pathlib import Path

import pytest

import pipeline  # noqa: F401  (sets TF_USE_LEGACY_KERAS before anything imports TF)
from pipeline.dsl import ExecutionContext, Pipeline
from pipeline.metadata.store import MetadataStore
from pipeline.runner.results import RunResult
from pipeline.examples.penguin import pipeline as penguin

REPO = Path(__file__).resolve().parents[1]
PENGUIN_CSV = penguin.DATA_FILE


_SESSION = {"status": 0}


def pytest_sessionfinish(session, exitstatus):
    _SESSION["status"] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """After the summary: a session whose tensorflow-io touched S3 ends here with its
    own status, before tensorflow-io's exit-time abort (code 134; pipeline/s3.py)."""
    from pipeline import s3

    s3.exit_code(_SESSION["status"])


def read_penguin_rows() -> tuple[list[str], list[list[str]]]:
    with open(PENGUIN_CSV, newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def context(tmp: Path, component_id: str = "test") -> ExecutionContext:
    tmp_dir = tmp / f".tmp-{component_id}"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    return ExecutionContext("test-pipeline", "test-run", component_id, str(tmp_dir))


def out_dir(tmp: Path, name: str) -> str:
    path = tmp / name
    path.mkdir(parents=True, exist_ok=True)
    return str(path)


@pytest.fixture(scope="session")
def penguin_artifacts(tmp_path_factory):
    """ExampleGen -> StatisticsGen -> SchemaGen (curated) outputs for the penguin CSV."""
    from components.example_gen.component import ExampleGenInputs, ExampleGenOutputs, ExampleGenParams
    from components.example_gen.executor import execute as example_gen
    from components.schema_gen.component import SchemaGenInputs, SchemaGenOutputs, SchemaGenParams
    from components.schema_gen.executor import execute as schema_gen
    from components.statistics_gen.component import (StatisticsGenInputs, StatisticsGenOutputs,
                                                     StatisticsGenParams)
    from components.statistics_gen.executor import execute as statistics_gen
    from pipeline.dsl import Examples, ExampleStatistics, Schema

    tmp = tmp_path_factory.mktemp("penguin_chain")
    examples = Examples(uri=out_dir(tmp, "examples"))
    example_gen(ExampleGenInputs(), ExampleGenOutputs(examples),
                ExampleGenParams(PENGUIN_CSV, column_types=penguin.COLUMN_TYPES), context(tmp))
    statistics = ExampleStatistics(uri=out_dir(tmp, "statistics"))
    statistics_gen(StatisticsGenInputs(examples), StatisticsGenOutputs(statistics),
                   StatisticsGenParams(), context(tmp))
    schema = Schema(uri=out_dir(tmp, "schema"))
    schema_gen(SchemaGenInputs(statistics), SchemaGenOutputs(schema),
               SchemaGenParams(schema_file=penguin.SCHEMA_FILE), context(tmp))
    return {"tmp": tmp, "examples": examples, "statistics": statistics, "schema": schema}


def bad_penguin_csv(tmp_path: Path, case: str, column: str, value: str = "", row: int = 0) -> str:
    """A broken copy of the penguin CSV, for bad-input tests. `case`: "missing" (no file
    at all), "empty", "header_only", "renamed_column" (`column` renamed to
    `<column>_renamed`), "text_in_numeric" (`value` in `column` at data row `row`) or
    "ragged" (data row `row` cut to its first three fields)."""
    header, rows = read_penguin_rows()
    path = tmp_path / f"{case}.csv"
    if case == "empty":
        path.write_text("")
    elif case == "header_only":
        write_csv(path, header, [])
    elif case == "renamed_column":
        write_csv(path, [f"{h}_renamed" if h == column else h for h in header], rows)
    elif case == "text_in_numeric":
        rows = [list(r) for r in rows]
        rows[row][header.index(column)] = value
        write_csv(path, header, rows)
    elif case == "ragged":
        write_csv(path, header, [r[:3] if i == row else r for i, r in enumerate(rows)])
    return str(path)


# Two real penguin runs in one store, shared by the lineage and metadata tests.
# Run 1 has the defaults; run 2 trains for 50 steps instead of 400, so its
# parameters and metrics differ, and the components before the Trainer are
# CACHED (reusing run 1's artifacts). The runs (about a minute together) happen
# once per session.
SECOND_RUN_TRAIN_STEPS = 50
# Run 2 changes only the Trainer's parameters, so everything before it is reused.
CACHED_IN_SECOND_RUN = ("ExampleGen", "StatisticsGen", "SchemaGen", "ExampleValidator", "Transform")


@dataclasses.dataclass
class PenguinRuns:
    pipeline: Pipeline
    first: RunResult
    second: RunResult

    @property
    def root(self) -> str:
        return self.pipeline.root

    def store(self) -> MetadataStore:
        return MetadataStore(self.pipeline.metadata)


@pytest.fixture(scope="session")
def penguin_runs(tmp_path_factory) -> PenguinRuns:
    from pipeline.examples.penguin.pipeline import create_pipeline
    from pipeline.runner.local import LocalRunner

    root = str(tmp_path_factory.mktemp("lineage-penguin"))
    first_pipeline = create_pipeline(root=root)
    first = LocalRunner().run(first_pipeline)
    assert first.ok, first.message
    second = LocalRunner().run(create_pipeline(root=root, train_steps=SECOND_RUN_TRAIN_STEPS))
    assert second.ok, second.message
    return PenguinRuns(first_pipeline, first, second)
