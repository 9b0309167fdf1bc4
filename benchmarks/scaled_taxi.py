"""A Chicago taxi CSV scaled up to any number of rows, for the benchmark.

The source's rows are repeated; each repeat shifts the trip timestamp by a few
seconds and jitters the fare by a few cents, so that rows are not byte-identical
(they remain near-duplicates: accuracy figures on it are optimistic, times are not).
"""
from __future__ import annotations

import csv
from pathlib import Path


def _shift_int(text: str, by: int) -> str:
    return text if text == "" else str(int(float(text)) + by)


def _jitter_fare(text: str, copy: int, row: int) -> str:
    """A deterministic change of -0.05..+0.05, never below zero; empty stays empty."""
    if text == "":
        return text
    cents = ((copy * 7 + row) % 11) - 5
    return f"{max(0.0, float(text) + cents / 100):.2f}"


def perturbed(row: list[str], copy: int, index: int, timestamp_col: int | None,
              fare_col: int | None) -> list[str]:
    """Copy 0 is the source row itself; copy k shifts the timestamp by k seconds (hour,
    day and month stay those of the source row) and jitters the fare by a few cents."""
    if copy == 0:
        return row
    row = list(row)
    if timestamp_col is not None:
        row[timestamp_col] = _shift_int(row[timestamp_col], copy)
    if fare_col is not None:
        row[fare_col] = _jitter_fare(row[fare_col], copy, index)
    return row


def write_scaled_taxi_csv(source: Path, target: Path, rows: int) -> int:
    """Writes `rows` rows: the source's rows repeated, each repeat perturbed. Streams the
    output; only the source (15k rows) is held in memory. Returns the rows written."""
    with open(source, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        source_rows = [r for r in reader if r]
    if not source_rows:
        raise ValueError(f"{source}: no data rows")
    column = {name: i for i, name in enumerate(header)}
    timestamp_col, fare_col = column.get("trip_start_timestamp"), column.get("fare")
    written = 0
    with open(target, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        copy = 0
        while written < rows:
            chunk = source_rows[:rows - written]
            writer.writerows(perturbed(r, copy, i, timestamp_col, fare_col)
                             for i, r in enumerate(chunk))
            written += len(chunk)
            copy += 1
    return written
