"""Operational figures of a model, measured the way a server runs it: the
SavedModel loaded, its `serving_default` signature called on serialized
tf.Examples after a warm-up, one example per request and in batches; and its
size on disk."""
from __future__ import annotations

import dataclasses
import time
from typing import Callable

import numpy as np

from pipeline import fs

WARMUP_REQUESTS = 20


@dataclasses.dataclass(frozen=True)
class ServingProfile:
    """Latency percentiles in milliseconds of single-example requests and of batches
    of `batch_size`, the SavedModel's size in MB (10^6 bytes), and how many timed
    requests of each kind the percentiles come from."""

    p50_ms: float
    p95_ms: float
    p99_ms: float
    batch_size: int
    batch_p50_ms: float
    batch_p95_ms: float
    batch_p99_ms: float
    model_size_mb: float
    requests: int
    batch_requests: int

    def as_properties(self, prefix: str) -> dict[str, float | int]:
        """The figures as ML Metadata properties named `<prefix><field>`."""
        return {f"{prefix}{name}": value for name, value in dataclasses.asdict(self).items()}


def saved_model_size_mb(saved_model_dir: str) -> float:
    """The total size of the SavedModel's files (graph, variables, assets)."""
    total = sum(fs.size(fs.join(saved_model_dir, f)) for f in fs.walk_files(saved_model_dir))
    return total / 1e6


def _timed(call: Callable[[], object], times: int) -> np.ndarray:
    elapsed = []
    for _ in range(times):
        start = time.perf_counter()
        call()
        elapsed.append((time.perf_counter() - start) * 1000.0)
    return np.array(elapsed)


def measure(saved_model_dir: str, examples: list[bytes], signature_name: str,
            requests: int, batch_size: int, batch_requests: int) -> ServingProfile:
    """Loads the SavedModel, warms its signature up, then times `requests` calls
    with one example each (cycling through `examples`) and `batch_requests` calls
    with `batch_size` examples."""
    import tensorflow as tf

    loaded = tf.saved_model.load(saved_model_dir)
    signature = loaded.signatures[signature_name]
    [input_name] = signature.structured_input_signature[1]
    singles = [tf.constant([e]) for e in examples]
    batch = tf.constant([examples[i % len(examples)] for i in range(batch_size)])
    calls = iter(range(1 << 62))
    one = lambda: signature(**{input_name: singles[next(calls) % len(singles)]})
    many = lambda: signature(**{input_name: batch})
    _timed(one, WARMUP_REQUESTS)
    _timed(many, max(2, WARMUP_REQUESTS // 10))
    single_ms, batch_ms = _timed(one, requests), _timed(many, batch_requests)
    p = lambda values, q: round(float(np.percentile(values, q)), 3)
    return ServingProfile(p(single_ms, 50), p(single_ms, 95), p(single_ms, 99), batch_size,
                          p(batch_ms, 50), p(batch_ms, 95), p(batch_ms, 99),
                          round(saved_model_size_mb(saved_model_dir), 3), requests, batch_requests)


def read_examples(record_files: list[str], limit: int) -> list[bytes]:
    """Up to `limit` serialized tf.Examples from gzipped TFRecord files."""
    import tensorflow as tf

    dataset = tf.data.TFRecordDataset(record_files, compression_type="GZIP").take(limit)
    return [record.numpy() for record in dataset]
