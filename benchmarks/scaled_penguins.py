"""The Palmer penguins (the palmerpenguins package's CSV) scaled to any number of
rows, for the scale benchmark.

Rows are drawn with replacement from the 344 birds; each measurement gets a
little Gaussian noise (a few percent of its spread), clipped to the reviewed
schema's domains (schemas/penguin/schema.pbtxt), so that the run is never
stopped by anomalies and rows are not byte-identical. Missing values ("NA")
stay missing, so presence fractions are the source's. Deterministic for a
seed; streams its output, holding only the source rows.
"""
from __future__ import annotations

import csv
import random
from pathlib import Path

from pipeline.examples.penguin.pipeline import DATA_FILE

# column: (noise standard deviation, lowest, highest); the bounds are the schema's
NOISE = {"bill_length_mm": (0.5, 25.0, 70.0), "bill_depth_mm": (0.2, 10.0, 25.0),
         "flipper_length_mm": (2.0, 150, 250), "body_mass_g": (50.0, 2000, 7000)}
MISSING = "NA"


def _noisy(value: str, sigma: float, low: float, high: float, whole: bool,
           draw: random.Random) -> str:
    if value in ("", MISSING):
        return value
    moved = min(high, max(low, float(value) + draw.gauss(0.0, sigma)))
    return str(round(moved)) if whole else f"{moved:.1f}"


def write_scaled_penguin_csv(target: Path, rows: int, seed: int = 0,
                             source: str = DATA_FILE) -> int:
    """Writes `rows` noisy penguins (and the header) to `target`; returns the rows written."""
    with open(source, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        birds = [r for r in reader if r]
    noisy = {header.index(name): (*bounds, name in ("flipper_length_mm", "body_mass_g"))
             for name, bounds in NOISE.items()}
    draw = random.Random(seed)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        for _ in range(rows):
            bird = list(draw.choice(birds))
            for column, (sigma, low, high, whole) in noisy.items():
                bird[column] = _noisy(bird[column], sigma, low, high, whole, draw)
            writer.writerow(bird)
    return rows


if __name__ == "__main__":
    import sys

    written = write_scaled_penguin_csv(Path(sys.argv[1]), int(sys.argv[2]))
    print(f"{written:,} rows -> {sys.argv[1]}")
