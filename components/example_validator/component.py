"""ExampleValidator: TFDV anomalies of every split against the schema."""
from __future__ import annotations

import dataclasses

from pipeline.dsl import Component, ComponentSpec, ExampleAnomalies, ExampleStatistics, Schema

@dataclasses.dataclass(frozen=True)
class ExampleValidatorInputs:
    statistics: ExampleStatistics
    schema: Schema


@dataclasses.dataclass(frozen=True)
class ExampleValidatorOutputs:
    anomalies: ExampleAnomalies


@dataclasses.dataclass(frozen=True)
class ExampleValidatorParams:
    """`fail_on_anomalies` (the default) stops the pipeline before Transform and
    Trainer when any split has anomalies; False reports them as warnings."""

    fail_on_anomalies: bool = True
    exclude_splits: tuple[str, ...] = ()


class ExampleValidator(Component):
    SPEC = ComponentSpec("ExampleValidator", ExampleValidatorInputs, ExampleValidatorOutputs,
                         ExampleValidatorParams,
                         executor="components.example_validator.executor:execute",
                         can_halt=True)

    def __init__(self, statistics, schema, *, fail_on_anomalies: bool = True,
                 exclude_splits: tuple[str, ...] = (), id: str | None = None,
                 enable_cache: bool = True):
        super().__init__(id=id, inputs={"statistics": statistics, "schema": schema},
                         params=ExampleValidatorParams(fail_on_anomalies, tuple(exclude_splits)),
                         enable_cache=enable_cache)
