"""A sample of the requests `mlpipe serve` answered, as TFRecord files of serialized
tf.Examples (the serving-data input of `mlpipe skew`), one folder per model:
`<folder>/<model>/requests-<time>-<pid>.gz`. Each file is written whole (gzip
cannot be read half-written) when `flush_every` examples of a model are
waiting, and at `close()`."""
from __future__ import annotations

import os
import random
import threading
import time

from pipeline import fs

FLUSH_EVERY = 256


class RequestLog:
    def __init__(self, folder: str, sample_rate: float, flush_every: int = FLUSH_EVERY):
        if not 0.0 <= sample_rate <= 1.0:
            raise ValueError(f"the request log's sample rate must be in [0, 1], got {sample_rate}")
        self.folder, self.sample_rate, self.flush_every = folder, sample_rate, flush_every
        self._waiting: dict[str, list[bytes]] = {}
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

    def close(self) -> None:
        """Writes everything still waiting."""
        for model_name in list(self._waiting):
            self._flush(model_name)
