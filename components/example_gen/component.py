"""ExampleGen: CSV file(s) -> gzipped TFRecord tf.Examples, split train/eval."""
from __future__ import annotations

import dataclasses
from typing import Mapping

from pipeline.dsl import Component, ComponentSpec, Examples

COLUMN_TYPES = ("int", "float", "string")


@dataclasses.dataclass(frozen=True)
class ExampleGenInputs:
    pass


@dataclasses.dataclass(frozen=True)
class ExampleGenOutputs:
    examples: Examples


@dataclasses.dataclass(frozen=True)
class ExampleGenParams:
    """`input_path` is a CSV file or a folder of CSV files sharing one header, or a
    pattern with spans (`data/span-{SPAN}/*.csv`, see `spans`): then `span` picks
    one (default: the newest). The Examples artifact records the span (0 for a
    plain path) and the version.

    `eval_fraction` of the rows go to the eval split, chosen by a hash of the
    row (or of `split_key`'s value, so that rows sharing a key share a split).
    `column_types` ("int", "float" or "string" per column) makes ExampleGen
    check every column is there and every value parses; without it, types are
    inferred. `NA` and empty fields are missing values.

    `rolling_window` > 1 (a pattern with spans; TFX's RollingRange) ingests the N
    newest spans up to the selected one: the train split holds the train rows of
    all of them, the eval split the newest span's eval rows only, and the
    `newest_span` split the newest span's train rows (what drift is measured on).
    """

    input_path: str
    eval_fraction: float = 0.2
    split_key: str | None = None
    column_types: Mapping[str, str] | None = None
    span: int | None = None
    rolling_window: int = 1

    def __post_init__(self) -> None:
        if self.rolling_window < 1:
            raise ValueError(f"rolling_window must be at least 1 (the newest span), got "
                             f"{self.rolling_window}")
        if not 0.0 < self.eval_fraction < 1.0:
            raise ValueError(f"eval_fraction must be between 0 and 1, got {self.eval_fraction}")
        for column, kind in (self.column_types or {}).items():
            if kind not in COLUMN_TYPES:
                raise ValueError(f"column_types[{column!r}] must be one of {COLUMN_TYPES}, "
                                 f"got {kind!r}")


class ExampleGen(Component):
    """Reads CSV input into gzipped TFRecord tf.Examples, split train/eval by hash.

    Example:
        ExampleGen("data/span-{SPAN}/*.csv", column_types={"species": "int"})
        # ingests the newest span; span=3 ingests span 3; rolling_window=3 trains
        # on the three newest spans
    """

    SPEC = ComponentSpec("ExampleGen", ExampleGenInputs, ExampleGenOutputs, ExampleGenParams,
                         executor="components.example_gen.executor:execute",
                         location_params=("input_path", "span"),
                         content_fingerprint="components.example_gen.csv_reader:input_fingerprint")

    def __init__(self, input_path: str, *, eval_fraction: float = 0.2,
                 split_key: str | None = None, column_types: Mapping[str, str] | None = None,
                 span: int | None = None, rolling_window: int = 1, id: str | None = None,
                 enable_cache: bool = True):
        params = ExampleGenParams(str(input_path), eval_fraction, split_key,
                                  dict(column_types) if column_types else None, span,
                                  rolling_window)
        super().__init__(id=id, inputs={}, params=params, enable_cache=enable_cache)
