"""Serving requests built from penguin rows, as a client would send them: without
the label, as CSV or as a TFRecord request log of serialized tf.Examples."""
from __future__ import annotations

from pathlib import Path

from tests.conftest import read_penguin_rows, write_csv

LABEL = "species"
_INTS = ("flipper_length_mm", "body_mass_g", "year")
_FLOATS = ("bill_length_mm", "bill_depth_mm")


def write_csv_requests(path: Path, rows: list[list[str]], drop: tuple[str, ...] = (LABEL,)) -> str:
    """The rows without the `drop` columns (the label, by default) as a CSV."""
    header, _ = read_penguin_rows()
    keep = [i for i, name in enumerate(header) if name not in drop]
    return write_csv(path, [header[i] for i in keep], [[r[i] for i in keep] for r in rows])


def instances(rows: list[list[str]]) -> list[dict]:
    """The rows as TF Serving REST instances of features (no label; NA left out)."""
    header, _ = read_penguin_rows()
    found = []
    for row in rows:
        instance = {}
        for name, value in zip(header, row):
            if name == LABEL or value in ("", "NA"):
                continue
            instance[name] = int(value) if name in _INTS else (
                float(value) if name in _FLOATS else value)
        found.append(instance)
    return found


def write_tfrecord_requests(path: Path, rows: list[list[str]]) -> str:
    """The rows without the label as a gzipped TFRecord of tf.Examples; NA is absent."""
    import tensorflow as tf

    header, _ = read_penguin_rows()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tf.io.TFRecordWriter(str(path), options="GZIP") as writer:
        for row in rows:
            features = {}
            for name, value in zip(header, row):
                if name == LABEL or value in ("", "NA"):
                    continue
                if name in _INTS:
                    feature = tf.train.Feature(int64_list=tf.train.Int64List(value=[int(value)]))
                elif name in _FLOATS:
                    feature = tf.train.Feature(float_list=tf.train.FloatList(value=[float(value)]))
                else:
                    feature = tf.train.Feature(
                        bytes_list=tf.train.BytesList(value=[value.encode()]))
                features[name] = feature
            writer.write(tf.train.Example(features=tf.train.Features(feature=features))
                         .SerializeToString())
    return str(path)
