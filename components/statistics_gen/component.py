"""StatisticsGen: TFDV statistics of every split, computed with Beam."""
from __future__ import annotations

import dataclasses

from pipeline.dsl import Component, ComponentSpec, Examples, ExampleStatistics

@dataclasses.dataclass(frozen=True)
class StatisticsGenInputs:
    examples: Examples


@dataclasses.dataclass(frozen=True)
class StatisticsGenOutputs:
    statistics: ExampleStatistics


@dataclasses.dataclass(frozen=True)
class StatisticsGenParams:
    """`exclude_splits` are not described; `num_top_values` per string feature."""

    exclude_splits: tuple[str, ...] = ()
    num_top_values: int = 20


class StatisticsGen(Component):
    SPEC = ComponentSpec("StatisticsGen", StatisticsGenInputs, StatisticsGenOutputs,
                         StatisticsGenParams, executor="components.statistics_gen.executor:execute",
                         uses_beam=True)

    def __init__(self, examples, *, exclude_splits: tuple[str, ...] = (), num_top_values: int = 20,
                 id: str | None = None,
                 enable_cache: bool = True):
        super().__init__(id=id, inputs={"examples": examples},
                         params=StatisticsGenParams(tuple(exclude_splits), num_top_values),
                         enable_cache=enable_cache)
