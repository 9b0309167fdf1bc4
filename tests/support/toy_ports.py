"""Ports of the small components that tests write into user files: importable, so a
test's pipeline file or module imports them instead of defining them again."""
from __future__ import annotations

import dataclasses
import os

from pipeline.dsl import Model, Schema, TransformGraph


@dataclasses.dataclass(frozen=True)
class Nothing:
    pass


@dataclasses.dataclass(frozen=True)
class SchemaPort:
    schema: Schema


@dataclasses.dataclass(frozen=True)
class GraphPort:
    graph: TransformGraph


@dataclasses.dataclass(frozen=True)
class ModelPort:
    model: Model


def write(folder: str, text: str) -> None:
    with open(os.path.join(folder, "out.txt"), "w") as handle:
        handle.write(text)


def read(folder: str) -> str:
    with open(os.path.join(folder, "out.txt")) as handle:
        return handle.read()
