"""Input patterns with spans and versions, as TFX's ExampleGen reads them.

A pattern names where each span of data lands, e.g. `data/span-{SPAN}/*.csv`:

- `{SPAN}` matches a span number (digits), `{SPAN:2}` exactly two digits;
- `{VERSION}` (or `{VERSION:n}`) a version of a span: a span re-delivered
  with corrections; the newest version of a span wins;
- `{YYYY}`, `{MM}` and `{DD}` (all three, instead of `{SPAN}`) a date; its span
  number is the days since 1970-01-01, as in TFX.

By default the newest span is selected; a given span number selects that one.
A rolling window selects the N newest spans up to that one. A path without any
of these is span 0, as before.

Example: with `data/2026-11-24/a.csv` and `data/2026-11-25/a.csv` present,
`select("data/{YYYY}-{MM}-{DD}/*.csv")` picks span 20782 (2026-11-25), and
`select(..., span=20781)` the day before.
"""
from __future__ import annotations

import dataclasses
import datetime
import re

from pipeline import fs
from pipeline.dsl import ComponentError

_SPEC = re.compile(r"\{(SPAN|VERSION)(?::(\d+))?\}|\{(YYYY|MM|DD)\}")
_DATE_DIGITS = {"YYYY": 4, "MM": 2, "DD": 2}
_EPOCH = datetime.date(1970, 1, 1)


@dataclasses.dataclass(frozen=True)
class SpanSelection:
    """The span (and version) chosen, and the paths of the pattern that hold it."""

    span: int
    version: int | None
    paths: tuple[str, ...]


def has_spec(pattern: str) -> bool:
    """True if the path is a pattern with span, version or date specs."""
    return bool(_SPEC.search(pattern))


def date_to_span(year: int, month: int, day: int) -> int:
    """TFX's span number of a date: days since 1970-01-01."""
    return (datetime.date(year, month, day) - _EPOCH).days


def select(pattern: str, span: int | None = None) -> SpanSelection:
    """The newest span matching `pattern` (or span `span`), in its newest version.
    Raises ComponentError naming the pattern when nothing fits."""
    return select_window(pattern, span, 1)[0]


def select_window(pattern: str, span: int | None, count: int) -> list[SpanSelection]:
    """The `count` newest spans up to the newest (or up to span `span`), each in its
    newest version, newest first (TFX's RollingRange); fewer if fewer exist.
    Raises ComponentError naming the pattern when nothing fits."""
    kinds = _check(pattern)
    regex, glob = _translate(pattern)
    found: dict[tuple[int, int | None], list[str]] = {}
    for path in fs.glob(glob):
        match = regex.fullmatch(path.rstrip("/"))
        if match:
            found.setdefault(_numbers(match, kinds, path), []).append(path)
    if not found:
        raise ComponentError(f"no input matches {pattern!r} (looked for {glob!r}); check the "
                             f"pattern and that the data for at least one span is there")
    spans = sorted({s for s, _ in found})
    chosen = max(spans) if span is None else span
    if chosen not in spans:
        raise ComponentError(f"{pattern!r} has no span {span}; the spans there are "
                             f"{_listed(spans)}")
    window = [s for s in spans if s <= chosen][-count:]
    selections = []
    for number in reversed(window):
        version = max((v for s, v in found if s == number), key=lambda v: -1 if v is None else v)
        selections.append(SpanSelection(number, version, tuple(sorted(found[(number, version)]))))
    return selections


def _check(pattern: str) -> list[str]:
    """The spec kinds in order; refuses combinations TFX refuses."""
    kinds = [m.group(1) or m.group(3) for m in _SPEC.finditer(pattern)]
    dates = [k for k in kinds if k in _DATE_DIGITS]
    problems = []
    if any(kinds.count(k) > 1 for k in ("SPAN", "VERSION")):
        problems.append("{SPAN} and {VERSION} may each appear once")
    if dates and sorted(dates) != sorted(_DATE_DIGITS):
        problems.append("a date needs all of {YYYY}, {MM} and {DD}, once each")
    if dates and "SPAN" in kinds:
        problems.append("use either {SPAN} or a date ({YYYY}-{MM}-{DD}), not both")
    if "VERSION" in kinds and not ("SPAN" in kinds or dates):
        problems.append("{VERSION} needs {SPAN} or a date")
    if problems:
        raise ComponentError(f"input pattern {pattern!r}: " + "; ".join(problems))
    return kinds


def _translate(pattern: str) -> tuple[re.Pattern, str]:
    """A regex capturing each spec's digits, and the glob matching the same paths."""
    regex, glob, last = [], [], 0
    for match in _SPEC.finditer(pattern):
        regex.append(_glob_to_regex(pattern[last:match.start()]))
        glob.append(pattern[last:match.start()])
        width = match.group(2) or _DATE_DIGITS.get(match.group(3) or "")
        regex.append(rf"(\d{{{width}}})" if width else r"(\d+)")
        glob.append("?" * int(width) if width else "*")
        last = match.end()
    regex.append(_glob_to_regex(pattern[last:]))
    glob.append(pattern[last:])
    return re.compile("".join(regex)), "".join(glob)


def _glob_to_regex(text: str) -> str:
    """A literal stretch of the pattern, with its glob wildcards, as regex."""
    return "".join("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c) for c in text)


def _numbers(match: re.Match, kinds: list[str], path: str) -> tuple[int, int | None]:
    values = dict(zip(kinds, (int(g) for g in match.groups())))
    if "YYYY" not in values:
        return values["SPAN"], values.get("VERSION")
    try:
        return date_to_span(values["YYYY"], values["MM"], values["DD"]), values.get("VERSION")
    except ValueError as error:
        raise ComponentError(f"{path}: not a date ({error}); fix or remove it") from None


def _listed(spans: list[int]) -> str:
    shown = ", ".join(map(str, spans[-10:]))
    return shown if len(spans) <= 10 else f"{len(spans)} spans, the newest {shown}"
