"""Serving requests as `mlpipe skew` reads them: CSV files without the label, or
TFRecord files of serialized tf.Examples (the form a request log takes), and
the checks that they are requests of this model before any statistics."""
from __future__ import annotations

import enum

from tensorflow_metadata.proto.v0 import schema_pb2

from pipeline import fs

SERVING_ENVIRONMENT = "SERVING"
_CSV_TYPES = {schema_pb2.INT: "int", schema_pb2.FLOAT: "float", schema_pb2.BYTES: "string"}


class ServingDataError(Exception):
    """The serving data is missing, unreadable, or not requests of the serving model."""


class DataFormat(enum.Enum):
    CSV = "CSV"
    TFRECORD = "TFRecord of tf.Examples"


def serving_files(path: str) -> list[str]:
    """The files of PATH: a file, a folder's files (hidden ones skipped) or a glob."""
    if fs.isdir(path):
        files = [fs.join(path, n) for n in sorted(fs.listdir(path))
                 if not n.startswith((".", "_")) and not fs.isdir(fs.join(path, n))]
    elif fs.exists(path):
        files = [path]
    else:
        files = sorted(fs.glob(path))
    if not files:
        raise ServingDataError(f"{path}: no serving data there; expected a CSV file, TFRecord "
                               f"files of tf.Examples, a folder of them or a glob")
    return files


def data_format(files: list[str]) -> DataFormat:
    """CSV if every file ends in .csv, TFRecord if none does; mixed is an error."""
    csv = [f for f in files if f.lower().endswith(".csv")]
    if csv and len(csv) != len(files):
        other = next(f for f in files if f not in csv)
        raise ServingDataError(f"{csv[0]} is CSV but {other} is not; keep one format per check")
    return DataFormat.CSV if csv else DataFormat.TFRECORD


def labels(schema: schema_pb2.Schema, declared: tuple[str, ...]) -> tuple[str, ...]:
    """The label features: those given, else the features the schema keeps out of
    the SERVING environment; ServingDataError if neither says."""
    if declared:
        unknown = [name for name in declared if name not in {f.name for f in schema.feature}]
        if unknown:
            raise ServingDataError(f"--label {unknown[0]!r} is not a feature of the serving "
                                   f"model's schema")
        return declared
    found = tuple(f.name for f in schema.feature if SERVING_ENVIRONMENT in f.not_in_environment)
    if not found:
        raise ServingDataError("the serving model's schema does not say which feature is the "
                               "label (no feature has not_in_environment: \"SERVING\"); pass "
                               "--label NAME")
    return found


def check_features(present: set[str], schema: schema_pb2.Schema, label_names: tuple[str, ...],
                   where: str) -> None:
    """ServingDataError if the requests carry a label or lack a feature the model needs."""
    carried = sorted(present & set(label_names))
    if carried:
        raise ServingDataError(f"{where}: holds the label {', '.join(map(repr, carried))}; serving "
                               f"requests carry features only. Drop the label column from the "
                               f"file (or pass the right --label)")
    needed = [f.name for f in schema.feature if f.name not in label_names
              and f.presence.min_fraction > 0]
    missing = [name for name in needed if name not in present]
    if missing:
        raise ServingDataError(f"{where}: missing feature(s) {', '.join(map(repr, missing))} "
                               f"the serving model reads; it has "
                               f"{', '.join(sorted(present)) or 'none'}")


def csv_as_records(files: list[str], schema: schema_pb2.Schema, label_names: tuple[str, ...],
                   destination: str) -> int:
    """Reads serving CSVs as ExampleGen reads training CSVs (NA and empty are
    missing; types from the schema), checks their columns, and writes them as one
    gzipped TFRecord of tf.Examples at `destination`; returns the number of rows."""
    from components.example_gen.csv_reader import read_all, read_header
    from components.example_gen.executor import encode, write_records
    from pipeline.dsl import ComponentError

    for path in files:
        check_features(set(read_header(path)), schema, label_names, path)
    header = read_header(files[0])
    types = {f.name: _CSV_TYPES[f.type] for f in schema.feature
             if f.name in header and f.type in _CSV_TYPES}
    try:
        table = read_all(files, types)
    except ComponentError as error:
        raise ServingDataError(str(error)) from None
    write_records(destination, encode(table))
    return table.num_rows
