"""Durations on the command line: `mlpipe gc --older-than 7d`, `mlpipe watch --interval 60s`."""
from __future__ import annotations

import re

from pipeline.compiled import UsageError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_age(text: str) -> float:
    """'7d', '12h', '30m', '90s', '2w' or plain seconds -> seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", text)
    if not match:
        raise UsageError(f"{text!r}: expected a duration, a number with a unit, "
                         f"e.g. 7d, 12h, 30m, 90s or 2w")
    return float(match.group(1)) * _UNITS[match.group(2) or "s"]
