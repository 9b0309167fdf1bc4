"""Command-line helpers shared by the commands that take a pipeline: a compiled
one (the IR as a .json file) or a definition, and NAME=VALUE options."""
from __future__ import annotations

from pipeline.ir.model import PipelineIR


class UsageError(Exception):
    """A command-line value that parses but makes no sense."""


def pairs(values: list[str], flag: str) -> dict[str, str]:
    bad = [v for v in values if "=" not in v]
    if bad:
        raise UsageError(f"{flag} takes NAME=VALUE, got {bad[0]!r}")
    return dict(v.split("=", 1) for v in values)


def is_compiled(ref: str | None) -> bool:
    return bool(ref) and ref.endswith(".json")


def read_compiled(path: str) -> PipelineIR:
    """A pipeline compiled with `mlpipe compile --target ir`."""
    try:
        with open(path, encoding="utf-8") as handle:
            return PipelineIR.from_json(handle.read())
    except OSError as error:
        raise UsageError(f"{path}: cannot read the compiled pipeline: {error.strerror}") from None
