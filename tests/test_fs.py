"""pipeline.fs on a local disk, on TensorFlow's in-memory ram://, and on s3://
(moto's S3 server on loopback, through tensorflow-io, as MinIO would be reached).

The same calls must behave alike on all; whole pipelines on object stores run
in tests/e2e/test_bucket_root.py (gs://) and tests/e2e/test_s3_root.py.
"""
from __future__ import annotations

import os
import uuid

import pytest

from pipeline import fs
from tests.support.s3_server import S3Server


@pytest.fixture(scope="session")
def s3_bucket(tmp_path_factory) -> str:
    """A bucket this process reaches through tensorflow-io (tests/conftest.py ends the
    session before tensorflow-io's exit-time abort)."""
    server = S3Server(str(tmp_path_factory.mktemp("s3"))).start()
    os.environ.update(server.environment())  # read once, at the first s3:// operation
    yield f"s3://{server.bucket}"
    server.stop()


@pytest.fixture(params=["local", "ram", "s3"])
def base(request, tmp_path) -> str:
    if request.param == "local":
        return str(tmp_path)
    if request.param == "s3":
        return f"{request.getfixturevalue('s3_bucket')}/{uuid.uuid4().hex}"
    return f"ram://mlpipe-test-{uuid.uuid4().hex}"


def _tree(base: str) -> str:
    source = fs.join(base, "source")
    fs.makedirs(fs.join(source, "variables"))
    fs.write_text(fs.join(source, "saved_model.pb"), "graph")
    fs.write_text(fs.join(source, "variables", "variables.index"), "index")
    fs.write_bytes(fs.join(source, "variables", "variables.data"), b"\x00\x01")
    return source


def test_is_remote_tells_uris_from_paths():
    assert fs.is_remote("gs://bucket/root")
    assert fs.is_remote("s3://bucket/root")
    assert not fs.is_remote("/tmp/root")
    assert not fs.is_remote("relative/root")
    assert not fs.is_remote("file:///tmp/root")


def test_absolute_leaves_uris_alone(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert fs.absolute("gs://bucket/a") == "gs://bucket/a"
    assert fs.absolute("a") == str(tmp_path / "a")


def test_files_round_trip(base):
    path = fs.join(base, "a", "b.txt")
    fs.makedirs(fs.parent(path))
    fs.write_text(path, "héllo")
    assert fs.read_text(path) == "héllo"
    assert fs.isfile(path) and not fs.isdir(path)
    assert fs.isdir(fs.join(base, "a")) and not fs.isfile(fs.join(base, "a"))
    assert fs.listdir(fs.join(base, "a")) == ["b.txt"]
    assert fs.glob(fs.join(base, "a", "*.txt")) == [path]
    fs.remove(path)
    assert not fs.exists(path)


def test_walk_files_lists_relative_paths(base):
    source = _tree(base)
    assert sorted(fs.walk_files(source)) == [
        "saved_model.pb", "variables/variables.data", "variables/variables.index"]


def test_copytree_copies_every_file_and_refuses_to_overwrite(base):
    source = _tree(base)
    destination = fs.join(base, "copy")
    fs.copytree(source, destination, last=("saved_model.pb",))
    assert sorted(fs.walk_files(destination)) == sorted(fs.walk_files(source))
    assert fs.read_bytes(fs.join(destination, "variables", "variables.data")) == b"\x00\x01"
    with pytest.raises(FileExistsError):
        fs.copytree(source, destination)


def test_move_leaves_nothing_behind(base):
    source = _tree(base)
    destination = fs.join(base, "moved")
    fs.move(source, destination)
    assert not fs.exists(fs.join(source, "saved_model.pb"))
    assert fs.read_text(fs.join(destination, "saved_model.pb")) == "graph"


def test_rmtree_of_a_missing_folder_is_fine(base):
    fs.rmtree(fs.join(base, "never-made"))
    source = _tree(base)
    fs.rmtree(source)
    assert not fs.exists(fs.join(source, "saved_model.pb"))


def test_copytree_puts_last_files_last(tmp_path, monkeypatch):
    """The order files are copied in, seen through the gfile calls themselves."""
    import tensorflow as tf

    base = f"ram://mlpipe-order-{uuid.uuid4().hex}"
    source = _tree(base)
    copied: list[str] = []
    real_copy = tf.io.gfile.copy
    monkeypatch.setattr(tf.io.gfile, "copy",
                        lambda src, dst, overwrite=False: (copied.append(dst.rsplit("/", 1)[-1]),
                                                           real_copy(src, dst, overwrite)))
    fs.copytree(source, fs.join(base, "pushed"), last=("saved_model.pb",))
    assert copied[-1] == "saved_model.pb" and len(copied) == 3


def test_readable_gives_pyarrow_something_to_read(base):
    import pyarrow.csv as pa_csv

    path = fs.join(base, "data.csv")
    fs.write_text(path, "a,b\n1,x\n2,y\n")
    assert pa_csv.read_csv(fs.readable(path)).num_rows == 2


def test_empty_files_are_copied_and_moved(base):
    """tensorflow-io refuses to copy an empty S3 object; fs writes it anew."""
    source = _tree(base)
    fs.write_bytes(fs.join(source, "variables", "empty"), b"")
    fs.copytree(source, fs.join(base, "copy"))
    fs.move(fs.join(base, "copy"), fs.join(base, "moved"))
    assert fs.read_bytes(fs.join(base, "moved", "variables", "empty")) == b""
    assert sorted(fs.walk_files(fs.join(base, "moved"))) == sorted(fs.walk_files(source))


def test_a_fresh_process_reads_s3_tfrecords_with_tf_data(s3_bucket, tmp_path):
    """Beam workers in other processes read s3:// with tf.data: example_files registers
    tensorflow-io's filesystem there first (fs.prepare_tensorflow)."""
    import subprocess
    import sys

    from tests.support.numbered_examples import write_numbered_examples

    write_numbered_examples(str(tmp_path / "data.gz"), 100)
    uri = f"{s3_bucket}/{uuid.uuid4().hex}/data.gz"
    fs.write_bytes(uri, (tmp_path / "data.gz").read_bytes())
    code = ("import os, sys; from components.common.example_files import serialized_batches; "
            f"print(sum(int(b.shape[0]) for b in serialized_batches({uri!r}))); "
            "sys.stdout.flush(); os._exit(0)")  # tensorflow-io may abort at a normal exit
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "100"
