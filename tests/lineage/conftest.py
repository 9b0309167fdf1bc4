"""Helpers for the lineage commands; the two penguin runs they read (`penguin_runs`)
are in tests/conftest.py, shared with the metadata tests."""
from __future__ import annotations

import argparse
import json

from pipeline.lineage.commands import COMMANDS, add_commands

from tests.conftest import CACHED_IN_SECOND_RUN, SECOND_RUN_TRAIN_STEPS, PenguinRuns  # noqa: F401


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
