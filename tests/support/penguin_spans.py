"""New spans of penguin data for continuous-training tests, built from the real
penguins CSV: one from the same distribution, one drifted (another island mix,
heavier birds), one relabelled (the same birds, the label relation changed: the
serving model decays). Deterministic: each kind always gives the same rows."""
from __future__ import annotations

import random
from pathlib import Path

from tests.conftest import read_penguin_rows, write_csv

HEAVIER_BY_GRAMS = 600  # the heaviest stay within the reviewed schema's 7000 g


def same_distribution(seed: int = 7, size: int = 344) -> list[list[str]]:
    """A bootstrap sample of the penguins: what next week's birds look like."""
    _, rows = read_penguin_rows()
    return random.Random(seed).choices(rows, k=size)


def drifted(seed: int = 11, size: int = 344) -> list[list[str]]:
    """Birds from Biscoe only (where the survey moved), each 600 g heavier."""
    header, rows = read_penguin_rows()
    island, mass = header.index("island"), header.index("body_mass_g")
    sample = random.Random(seed)
    biscoe = [r for r in rows if r[island] == "Biscoe"]
    chosen = sample.choices(biscoe, k=size)
    return [r[:mass] + [str(int(r[mass]) + HEAVIER_BY_GRAMS) if r[mass] not in ("", "NA")
                        else r[mass]] + r[mass + 1:] for r in chosen]


def relabelled(seed: int = 13, size: int = 344) -> list[list[str]]:
    """A bootstrap sample whose Adelie and Gentoo labels are swapped: the features'
    distribution is unchanged (the label's moves by about 0.08, within drift
    thresholds), but a model trained before gets most of them wrong."""
    header, _ = read_penguin_rows()
    species = header.index("species")
    swapped = {"Adelie": "Gentoo", "Gentoo": "Adelie"}
    return [r[:species] + [swapped.get(r[species], r[species])] + r[species + 1:]
            for r in same_distribution(seed, size)]


def write_span(folder: Path, span: int, rows: list[list[str]]) -> str:
    """`<folder>/span-<span>/penguins.csv`, the layout `span-{SPAN}/*.csv` reads."""
    header, _ = read_penguin_rows()
    return write_csv(folder / f"span-{span}" / "penguins.csv", header, rows)
