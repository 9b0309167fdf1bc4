"""Two real penguin runs in one store, shared by the lineage tests that need them.

Run 1 has the defaults; run 2 trains for 50 steps instead of 400, so its
parameters and metrics differ, and the components before the Trainer are
CACHED (reusing run 1's artifacts). Package-scoped: the runs (about a minute
together) happen once for every test module here.
"""
from __future__ import annotations

import argparse
import dataclasses
import json

import pytest

import pipeline  # noqa: F401  (sets TF_USE_LEGACY_KERAS before anything imports TF)
from pipeline.dsl import Pipeline
from pipeline.lineage.commands import COMMANDS, add_commands
from pipeline.metadata.store import MetadataStore
from pipeline.runner.results import RunResult

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


@pytest.fixture(scope="package")
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


def parser() -> argparse.ArgumentParser:
    """A parser with only the lineage commands, as mlpipe's will have them."""
    result = argparse.ArgumentParser(prog="mlpipe")
    add_commands(result.add_subparsers(dest="command", required=True))
    return result


def run_command(capsys, *argv: str) -> tuple[int, str, str]:
    """Runs a lineage command in-process; returns (exit status, stdout, stderr)."""
    capsys.readouterr()
    args = parser().parse_args(list(argv))
    status = COMMANDS[args.command](args)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def run_json(capsys, *argv: str) -> dict:
    status, out, _ = run_command(capsys, *argv, "--json")
    assert status == 0
    return json.loads(out)
