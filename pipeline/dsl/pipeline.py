"""The Pipeline: components, where outputs go, and which metadata store records them."""
from __future__ import annotations

import dataclasses
import os
from typing import Sequence

from pipeline import fs
from pipeline.dsl.component import Component
from pipeline.dsl.metadata_config import (MetadataConfig, SqliteConfig, UnconfiguredMetadata,
                                      metadata_from_env)


class PipelineDefinitionError(ValueError):
    """The pipeline definition is inconsistent (cycle, missing input, duplicate id)."""


@dataclasses.dataclass
class Pipeline:
    """A named DAG of components.

    `root` is where every artifact is written (`<root>/<component>/<output>/<execution id>`).
    `metadata` defaults to the MySQL connection given by MLPIPE_MLMD_* environment
    variables if set (a cluster deployment), else an SQLite file `<root>/metadata.sqlite`.
    A root in a bucket (gs://, s3://) needs a metadata store outside it: SQLite
    cannot live in an object store, so opening the store of such a pipeline without
    one configured fails with a message saying how to configure one.
    `beam_args` are Beam pipeline options for the components that use Beam.
    """

    name: str
    root: str
    components: Sequence[Component]
    metadata: MetadataConfig | None = None
    beam_args: Sequence[str] = ()
    # True when `metadata` was given, not taken from the environment or the root:
    # only a given store is part of the compiled pipeline.
    metadata_given: bool = dataclasses.field(init=False, default=False)

    def __post_init__(self) -> None:
        self.root = fs.absolute(self.root)
        self.metadata_given = self.metadata is not None
        if self.metadata is None:
            self.metadata = metadata_from_env() or self.default_metadata()
        self.components = topological_order(self.components)

    def default_metadata(self) -> MetadataConfig:
        if fs.is_remote(self.root):
            return UnconfiguredMetadata(
                f"pipeline root {self.root} is in an object store, where an SQLite metadata "
                f"file cannot live; set MLPIPE_MLMD_SQLITE to a local file, MLPIPE_MLMD_HOST "
                f"(and _DATABASE, _USER, _PASSWORD) for MySQL, or pass metadata= to Pipeline")
        return SqliteConfig(os.path.join(self.root, "metadata.sqlite"))

    def component(self, component_id: str) -> Component:
        for component in self.components:
            if component.id == component_id:
                return component
        raise KeyError(f"pipeline {self.name!r} has no component {component_id!r}; "
                       f"it has: {', '.join(c.id for c in self.components)}")


def topological_order(components: Sequence[Component]) -> list[Component]:
    """Components ordered so that every producer comes before its consumers.

    Keeps the given order where dependencies allow it. Raises
    PipelineDefinitionError on duplicate ids, cycles, or inputs from a
    component that is not part of the pipeline.
    """
    ids = [c.id for c in components]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise PipelineDefinitionError(f"component ids must be unique; repeated: {duplicates}")
    members = {id(c) for c in components}
    for component in components:
        for producer in component.upstream:
            if id(producer) not in members:
                raise PipelineDefinitionError(
                    f"{component.id} takes an input from {producer.id}, which is not in the "
                    f"pipeline's component list: add it to the list")
    ordered: list[Component] = []
    done: set[int] = set()
    visiting: set[int] = set()

    def visit(component: Component, path: list[str]) -> None:
        if id(component) in done:
            return
        if id(component) in visiting:
            cycle = " -> ".join(path[path.index(component.id):] + [component.id])
            raise PipelineDefinitionError(f"the pipeline has a cycle: {cycle}")
        visiting.add(id(component))
        for producer in component.upstream:
            visit(producer, path + [component.id])
        visiting.discard(id(component))
        done.add(id(component))
        ordered.append(component)

    for component in components:
        visit(component, [])
    return ordered
