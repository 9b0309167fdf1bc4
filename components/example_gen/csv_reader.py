"""Reads CSV files into an Arrow table, with messages that name file, column and problem."""
from __future__ import annotations

import csv
import hashlib
import re
from typing import Mapping

import pyarrow as pa
import pyarrow.csv as pa_csv

from components.example_gen import spans
from components.example_gen.spans import SpanSelection
from pipeline import fs
from pipeline.dsl import ComponentError

MISSING_VALUES = ["NA", ""]
_ARROW_TYPES = {"int": pa.int64(), "float": pa.float64(), "string": pa.string()}


def list_csv_files(input_path: str) -> list[str]:
    """The CSV file itself, or the sorted *.csv files of a folder."""
    if not fs.exists(input_path):
        raise ComponentError(f"{input_path}: no such file or folder; expected a CSV file "
                             f"or a folder of CSV files")
    if not fs.isdir(input_path):
        return [input_path]
    files = [fs.join(input_path, f) for f in fs.listdir(input_path) if f.lower().endswith(".csv")]
    if not files:
        raise ComponentError(f"{input_path}: folder holds no *.csv files")
    return files


def fingerprint(files: list[str]) -> str:
    """sha256 over the files' contents, in file-name order: it changes when any byte
    does, and not when identical data is re-imported under another name or folder."""
    digest = hashlib.sha256()
    for path in files:
        content = hashlib.sha256()
        with fs.open_file(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                content.update(block)
        digest.update(content.digest())
    return digest.hexdigest()


def input_files(input_path: str, span: int | None, window: int = 1
                ) -> list[tuple[SpanSelection, list[str]]]:
    """The spans to ingest, newest first, each with its CSV files: the newest (or the
    given) span of a pattern with span specs and the `window - 1` spans before it
    (see `spans`); span 0 (or `span`) of a plain path."""
    if not spans.has_spec(input_path):
        return [(SpanSelection(span or 0, None, (input_path,)), list_csv_files(input_path))]
    return [(selection, [f for path in selection.paths for f in list_csv_files(path)])
            for selection in spans.select_window(input_path, span, window)]


def input_fingerprint(params) -> str:
    """The content fingerprint of ExampleGen's input (its cache key's data part):
    the selected spans and versions, and the content of their files. So a span
    ingested before with the same content is a cache hit, and a new span is not."""
    return ";".join(f"span={selection.span};version={selection.version};{fingerprint(files)}"
                    for selection, files in input_files(params.input_path, params.span,
                                                        params.rolling_window))


def read_header(path: str) -> list[str]:
    """The column names of a CSV file's first line; ComponentError if it is empty."""
    with fs.open_file(path, "rb") as handle:
        # utf-8-sig: spreadsheet programs start CSV files with a byte-order mark,
        # which Arrow skips too.
        first = handle.readline().decode("utf-8-sig", errors="replace")
    if not first.strip():
        raise ComponentError(f"{path}: the file is empty; expected a header line and data rows")
    return next(csv.reader([first]))


def _check_columns(path: str, header: list[str], column_types: Mapping[str, str] | None) -> None:
    if not column_types:
        return
    missing = [c for c in column_types if c not in header]
    if missing:
        raise ComponentError(
            f"{path}: column {missing[0]!r} is missing"
            + (f" (and {len(missing) - 1} more: {missing[1:]})" if len(missing) > 1 else "")
            + f"; the header has: {', '.join(header)}. Rename the column in the file or fix "
            f"column_types in the pipeline definition")


# Values Arrow's CSV conversion surely accepts (at most 18 digits: no int64
# overflow). Arrow itself checks the few values outside these, so a bad value in
# the millionth row is found in one pass over its column.
_SURELY_NUMERIC = {"int": r"^\s*-?[0-9]{1,18}\s*$",
                   "float": r"^\s*-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*$"}
_ARROW_COLUMN = re.compile(r"In CSV column #(\d+):")


def _arrow_reads(value: str, kind: str) -> bool:
    import pyarrow.compute as pc

    try:
        pc.cast(pa.array([value.strip()]), _ARROW_TYPES[kind])
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True


def _first_bad_value(path: str, column: str, kind: str) -> tuple[int, str]:
    """(line number, value) of the first value of `column` that Arrow cannot read as
    a `kind`; (0, "") if there is none."""
    import pyarrow.compute as pc  # the error path only: a cached run's cache key reads no data

    table = pa_csv.read_csv(fs.readable(path), convert_options=pa_csv.ConvertOptions(
        include_columns=[column], column_types={column: pa.string()},
        null_values=MISSING_VALUES, strings_can_be_null=True))
    values = table.column(0)
    sure = pc.fill_null(pc.match_substring_regex(values, _SURELY_NUMERIC[kind]), True)
    for index in pc.indices_nonzero(pc.invert(sure)).to_pylist():
        value = values[index].as_py()
        if not _arrow_reads(value, kind):
            return index + 2, value
    return 0, ""


def _columns_to_check(error: pa.ArrowInvalid, header: list[str],
                      column_types: Mapping[str, str]) -> list[str]:
    """The numeric columns to search for a bad value: the one Arrow's error names first."""
    numeric = [c for c, kind in column_types.items() if kind != "string"]
    named = _ARROW_COLUMN.search(str(error))
    first = header[int(named.group(1))] if named and int(named.group(1)) < len(header) else None
    return ([first] if first in numeric else []) + [c for c in numeric if c != first]


def _first_ragged_row(path: str, width: int) -> tuple[int, int]:
    """(line number, field count) of the first row without `width` fields; (0, 0) if none."""
    with fs.open_file(path, "rb") as handle:
        lines = (line.decode("utf-8-sig", errors="replace") for line in handle)
        reader = csv.reader(lines)
        next(reader, None)
        for row in reader:
            if row and len(row) != width:
                return reader.line_num, len(row)
    return 0, 0


def read_csv(path: str, column_types: Mapping[str, str] | None) -> pa.Table:
    """One CSV file as a table; NA and empty fields become nulls.

    Raises ComponentError naming the file, the column and the problem for an
    empty or header-only file, a missing column, or a value of the wrong type.
    """
    header = read_header(path)
    _check_columns(path, header, column_types)
    types = {c: _ARROW_TYPES[k] for c, k in (column_types or {}).items()}
    try:
        table = pa_csv.read_csv(fs.readable(path), convert_options=pa_csv.ConvertOptions(
            column_types=types, null_values=MISSING_VALUES, strings_can_be_null=True))
    except pa.ArrowInvalid as error:
        _explain(path, header, column_types or {}, error)
        raise ComponentError(f"{path}: could not parse the CSV: {error}") from None
    if table.num_rows == 0:
        raise ComponentError(f"{path}: the file has a header but no data rows")
    return table


def _explain(path: str, header: list[str], column_types: Mapping[str, str],
             error: pa.ArrowInvalid) -> None:
    """Raises ComponentError naming the line of a ragged row or of a value of the wrong
    type, whichever Arrow stumbled on; returns if neither is found."""
    if not _ARROW_COLUMN.search(str(error)):  # a parse error, not a conversion error
        line, fields = _first_ragged_row(path, len(header))
        if line:
            raise ComponentError(
                f"{path}: line {line} has {fields} field(s) but the header has {len(header)}; "
                f"fix the row (quote values that contain commas)") from None
    for column in _columns_to_check(error, header, column_types):
        kind = column_types[column]
        line, value = _first_bad_value(path, column, kind)
        if line:
            raise ComponentError(
                f"{path}: column {column!r} should hold {kind} values but line {line} has "
                f"{value!r}; fix the value, mark it missing with NA, or declare the column "
                f"as string") from None


def read_all(files: list[str], column_types: Mapping[str, str] | None) -> pa.Table:
    """All files as one table; every file must have the same columns and types."""
    tables = [read_csv(path, column_types) for path in files]
    first = tables[0]
    for path, table in zip(files[1:], tables[1:]):
        if table.schema.names != first.schema.names:
            raise ComponentError(f"{path}: header {table.schema.names} differs from "
                                 f"{files[0]}'s {first.schema.names}; all files must share one header")
    try:
        return pa.concat_tables(tables, promote=True)
    except pa.ArrowInvalid as error:
        raise ComponentError(f"{files}: columns have different types in different files "
                             f"({error}); declare column_types in the pipeline definition") from None
