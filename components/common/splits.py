"""TFX's on-disk layout for split artifacts and the TFRecord files in them."""
from __future__ import annotations

from pipeline import fs

TRAIN = "train"
EVAL = "eval"
NEWEST_SPAN = "newest_span"  # a rolling window's newest span's train rows (ExampleGen)
RECORD_FILE_PREFIX = "data_tfrecord"
# Set (1) on Examples whose records are transformed (a materialized Transform's
# output): the Trainer parses them as they are instead of applying the transform graph.
TRANSFORMED_PROPERTY = "transformed"


def split_dir(uri: str, split: str) -> str:
    """`<uri>/Split-<split>`, the folder TFX keeps one split in."""
    return fs.join(uri, f"Split-{split}")


def record_pattern(uri: str, split: str) -> str:
    """Glob of the gzipped TFRecord files of one split."""
    return fs.join(split_dir(uri, split), "*.gz")


def record_files(uri: str, split: str) -> list[str]:
    """The gzipped TFRecord files of one split; raises if there are none."""
    files = fs.glob(record_pattern(uri, split))
    if not files:
        raise FileNotFoundError(f"no TFRecord files for split {split!r} under {split_dir(uri, split)}")
    return files
