"""The gate of `mlpipe promote`: the canary's answers, as `mlpipe serve` logged
them (request_log.py), against stable's. It refuses when the canary answered
too few requests to judge, is slower (p95 latency) by more than a share, or
predicts classes in proportions too far from stable's (L-infinity distance
between the two distributions of predicted classes)."""
from __future__ import annotations

import dataclasses
import glob
import json
import os
from typing import Callable

import numpy as np

from pipeline.serving.request_log import OUTCOMES_PREFIX, outcomes_folder


@dataclasses.dataclass(frozen=True)
class GateBounds:
    min_requests: int = 100
    max_latency_increase: float = 0.5  # canary p95 <= stable p95 x (1 + this)
    max_prediction_shift: float = 0.2  # L-infinity of the predicted-class shares


@dataclasses.dataclass(frozen=True)
class GateResult:
    passed: bool
    reasons: list[str]
    figures: dict[str, float]


def outcomes(folder: str) -> dict[int, list[dict]]:
    """{version: [outcome, ...]} from every outcomes file in a model's log folder."""
    found: dict[int, list[dict]] = {}
    pattern = os.path.join(outcomes_folder(folder), f"{OUTCOMES_PREFIX}*.jsonl")
    for path in sorted(glob.glob(pattern)):
        with open(path) as handle:
            for line in handle:
                if line.strip():
                    outcome = json.loads(line)
                    found.setdefault(int(outcome["version"]), []).append(outcome)
    return found


def _shares(answers: list[dict]) -> dict[int, float]:
    classes = [c for a in answers for c in a["predicted"]]
    values, counts = np.unique(classes, return_counts=True)
    return {int(v): c / len(classes) for v, c in zip(values, counts)}


def check(folder: str, stable: int, canary: int, bounds: GateBounds) -> GateResult:
    """The canary's answers against stable's, in the log folder of the model."""
    logged = outcomes(folder)
    mine, theirs = logged.get(canary, []), logged.get(stable, [])
    figures = {"canary_requests": len(mine), "stable_requests": len(theirs)}
    short = [f"{who} {version} answered {len(answers)} logged requests, fewer than "
             f"{bounds.min_requests}" for who, version, answers in
             (("canary", canary, mine), ("stable", stable, theirs))
             if len(answers) < bounds.min_requests]
    if short:
        return GateResult(False, short + [f"(logs: {folder})"], figures)
    p95 = lambda answers: float(np.percentile([a["latency_ms"] for a in answers], 95))
    figures.update(canary_p95_ms=round(p95(mine), 3), stable_p95_ms=round(p95(theirs), 3))
    shares, reference = _shares(mine), _shares(theirs)
    shift = max(abs(shares.get(c, 0.0) - reference.get(c, 0.0)) for c in {*shares, *reference})
    figures["prediction_shift"] = round(shift, 4)
    reasons = []
    allowed = figures["stable_p95_ms"] * (1 + bounds.max_latency_increase)
    if figures["canary_p95_ms"] > allowed:
        reasons.append(f"canary p95 latency {figures['canary_p95_ms']:.2f} ms > {allowed:.2f} ms "
                       f"(stable's {figures['stable_p95_ms']:.2f} ms + "
                       f"{bounds.max_latency_increase:.0%})")
    if shift > bounds.max_prediction_shift:
        reasons.append(f"predicted classes shifted by {shift:.3f} (L-infinity) > "
                       f"{bounds.max_prediction_shift} against stable's")
    return GateResult(not reasons, reasons, figures)


def as_gate(folder: str, bounds: GateBounds, force: bool) -> Callable[[int, int], dict]:
    """The gate `labelling.promote` calls with (stable, canary): raises PromotionRefused
    unless the canary passes (or `force`); returns the evidence to record."""
    from pipeline.serving.labelling import PromotionRefused

    def gate(stable: int, canary: int) -> dict[str, object]:
        result = check(folder, stable, canary, bounds)
        if not result.passed and not force:
            raise PromotionRefused("; ".join(result.reasons) + " (--force promotes anyway)")
        return {"gate": "passed" if result.passed else "forced",
                **{f"gate_{k}": v for k, v in result.figures.items()}}

    return gate
