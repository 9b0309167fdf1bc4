"""Bad values at scale: a million-row CSV whose only bad value is in its last line
fails with that line number, found in one pass over the column by Arrow (a
vectorized screen, then Arrow's own parsing of the few values the screen cannot
vouch for). Numbers Arrow reads (exponents, nan, inf, padding) are not reported;
what Arrow cannot read ("+3", "1_000") is, with its line."""
from __future__ import annotations

import re

import pytest

from components.example_gen import csv_reader
from pipeline.dsl import ComponentError

ROWS = 1_000_000
HEADER = b"name,count,weight\n"
TYPES = {"name": "string", "count": "int", "weight": "float"}
# Odd but valid numbers first: none of them is the bad value.
ODD = b"a, 7 ,1e3\nb,-12,-.5\nc,3,nan\nd,4,INF\ne,NA,\n"


def _big_csv(tmp_path, last_line: bytes) -> str:
    path = tmp_path / "big.csv"
    path.write_bytes(HEADER + ODD + b"x,1,2.5\n" * (ROWS - 5) + last_line)
    return str(path)


@pytest.mark.parametrize("last_line, column, kind, value", [
    (b"y,12x,2.5\n", "count", "int", "12x"),
    (b"y,12,2.5kg\n", "weight", "float", "2.5kg"),
    (b"y,1.5,2.5\n", "count", "int", "1.5"),
])
def test_a_bad_value_in_the_last_of_a_million_lines_is_named_with_its_line(
        tmp_path, last_line, column, kind, value):
    path = _big_csv(tmp_path, last_line)
    with pytest.raises(ComponentError) as raised:
        csv_reader.read_csv(path, TYPES)
    assert str(raised.value).startswith(
        f"{path}: column {column!r} should hold {kind} values but line {ROWS + 2} has {value!r}")


def test_the_odd_but_valid_numbers_read(tmp_path):
    table = csv_reader.read_csv(_big_csv(tmp_path, b"y,12,2.5\n"), TYPES)
    assert table.num_rows == ROWS + 1
    assert table.column("count").null_count == 1 and table.column("weight").null_count == 1


@pytest.mark.parametrize("value", ["+3", "1_000", "99999999999999999999"])
def test_numbers_python_reads_but_arrow_does_not_are_named(tmp_path, value):
    path = tmp_path / "odd.csv"
    path.write_bytes(HEADER + f"a,1,1\nb,{value},1\n".encode())
    with pytest.raises(ComponentError, match=re.escape(
            f"column 'count' should hold int values but line 3 has {value!r}")):
        csv_reader.read_csv(str(path), TYPES)
