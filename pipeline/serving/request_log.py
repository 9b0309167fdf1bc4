"""What `mlpipe serve` answered, one folder per model under `<folder>/<model>/`:

- a sample of the requests, as TFRecord files of serialized tf.Examples (the
  serving-data input of `mlpipe skew`): `requests-<time>-<pid>.gz`, each written
  whole (gzip cannot be read half-written) when `flush_every` examples wait,
  and at `close()`;
- every answer's outcome, one JSON line each in `outcomes/outcomes-<pid>.jsonl`
  (a subfolder: `mlpipe skew` reads the model's folder as requests): the
  version that answered, its latency and the predicted classes (what a gated
  `mlpipe promote` compares between canary and stable)."""
from __future__ import annotations

import json
import os
import random
import threading
import time

from pipeline import fs

FLUSH_EVERY = 256
OUTCOMES_PREFIX = "outcomes-"


def outcomes_folder(model_folder: str) -> str:
    return fs.join(model_folder, "outcomes")


class RequestLog:
    def __init__(self, folder: str, sample_rate: float, flush_every: int = FLUSH_EVERY):
        if not 0.0 <= sample_rate <= 1.0:
            raise ValueError(f"the request log's sample rate must be in [0, 1], got {sample_rate}")
        self.folder, self.sample_rate, self.flush_every = folder, sample_rate, flush_every
        self._waiting: dict[str, list[bytes]] = {}
        self._outcomes: dict[str, list[str]] = {}
        self._lock = threading.Lock()
        self.files_written = 0

    def add(self, model_name: str, examples: list[bytes]) -> None:
        """Keeps each request's examples with probability `sample_rate`."""
        if self.sample_rate == 0 or random.random() >= self.sample_rate:
            return
        with self._lock:
            waiting = self._waiting.setdefault(model_name, [])
            waiting.extend(examples)
            full = len(waiting) >= self.flush_every
        if full:
            self._flush(model_name)

    def _flush(self, model_name: str) -> str | None:
        with self._lock:
            records = self._waiting.pop(model_name, [])
        if not records:
            return None
        import tensorflow as tf

        folder = fs.join(self.folder, model_name)
        fs.makedirs(folder)
        name = f"requests-{time.time_ns()}-{os.getpid()}.gz"
        hidden = fs.join(folder, f".{name}.writing")
        with tf.io.TFRecordWriter(hidden, options="GZIP") as writer:
            for record in records:
                writer.write(record)
        os.replace(hidden, fs.join(folder, name))
        self.files_written += 1
        return fs.join(folder, name)

    def add_outcome(self, model_name: str, version: int, latency_ms: float,
                    predicted: list[int]) -> None:
        line = json.dumps({"version": version, "latency_ms": round(latency_ms, 3),
                           "predicted": predicted, "time": round(time.time(), 3)})
        with self._lock:
            self._outcomes.setdefault(model_name, []).append(line)
            full = len(self._outcomes[model_name]) >= self.flush_every
        if full:
            self._flush_outcomes(model_name)

    def _flush_outcomes(self, model_name: str) -> None:
        with self._lock:
            lines = self._outcomes.pop(model_name, [])
        if lines:
            folder = outcomes_folder(fs.join(self.folder, model_name))
            fs.makedirs(folder)
            with open(os.path.join(folder, f"{OUTCOMES_PREFIX}{os.getpid()}.jsonl"), "a") as out:
                out.write("\n".join(lines) + "\n")

    def flush_outcomes(self) -> None:
        """Appends the waiting outcomes (the server does it at every poll, so a gated
        promote sees answers of the last second)."""
        for model_name in list(self._outcomes):
            self._flush_outcomes(model_name)

    def close(self) -> None:
        """Writes everything still waiting."""
        for model_name in list(self._waiting):
            self._flush(model_name)
        for model_name in list(self._outcomes):
            self._flush_outcomes(model_name)
