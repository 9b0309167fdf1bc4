"""The penguin pipeline with its root, input CSV and serving folder in an s3://
bucket: moto's S3 server on loopback (tests/support/s3_server.py), reached as
MinIO is, through AWS_ENDPOINT_URL, by TensorFlow's S3 file system
(tensorflow-io) and by Beam's (boto3). ML Metadata is a local SQLite file.

The test process reads the bucket through boto3 only, and loads the pushed
model in a child process: tensorflow-io's S3 client aborts its process at
exit (pipeline/s3.py), which mlpipe's own processes avoid; each `mlpipe`
exit code is checked for that too.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from ml_metadata.proto import metadata_store_pb2 as pb

from tests.conftest import PENGUIN_CSV
from tests.e2e.helpers import metadata_of, report_of, rerun_is_all_cached, run_in_bucket
from tests.support.s3_server import S3Server

pytestmark = pytest.mark.slow
REPO = str(Path(__file__).resolve().parents[2])
BUCKET = "mlpipe-test"
ROOT = f"s3://{BUCKET}/penguin"
DATA = f"s3://{BUCKET}/data/penguins.csv"
LOAD_BACK = """import os, sys
from pipeline.s3 import use_s3
use_s3()
from tests.e2e.helpers import penguin_accuracy
print(penguin_accuracy(sys.argv[1]), flush=True)
os._exit(0)
"""


@pytest.fixture(scope="module")
def bucket(tmp_path_factory):
    server = S3Server(str(tmp_path_factory.mktemp("s3")), BUCKET).start()
    with open(PENGUIN_CSV, "rb") as handle:
        server.client().put_object(Bucket=BUCKET, Key="data/penguins.csv", Body=handle.read())
    yield server
    server.stop()


@pytest.fixture(scope="module")
def run(bucket, tmp_path_factory):
    """One full run from a working folder that must stay empty."""
    return run_in_bucket(bucket.child_environment(), tmp_path_factory, ROOT, DATA)


def test_every_artifact_is_in_the_bucket_and_nothing_on_local_disk(run, bucket):
    completed, env, workdir = run
    store = metadata_of(env)
    executions = store.executions(store.runs("penguin")[0].run_id)
    assert [e.state for e in executions] == ["COMPLETE"] * 8
    outputs = [store.artifact(event.artifact_id) for event in store.events(e.id for e in executions)
               if event.type == pb.Event.OUTPUT]
    # 9: the penguin Transform writes no transformed examples (materialize=False)
    assert len(outputs) == 9 and all(a.uri.startswith(f"{ROOT}/") for a in outputs)
    keys = bucket.keys("penguin/")
    for artifact in outputs:  # each has objects under its folder
        prefix = artifact.uri[len(f"s3://{BUCKET}/"):] + "/"
        assert any(k.startswith(prefix) for k in keys), artifact.uri
    assert not [k for k in keys if "/.staging/" in k]
    assert os.listdir(workdir) == []


def test_pushed_model_loads_back_from_the_bucket_and_is_labelled(run, bucket):
    completed, env, _ = run
    pushed = sorted({k.split("/")[3] for k in bucket.keys("penguin/serving/penguin/")
                     if k.split("/")[3].isdigit()})
    assert len(pushed) == 1, pushed
    config = bucket.client().get_object(Bucket=BUCKET, Key="penguin/serving/models.config")
    assert f'value: {pushed[0]}' in config["Body"].read().decode()
    destination = f"{ROOT}/serving/penguin/{pushed[0]}"
    assert f"pushed: {destination}" in completed.stdout
    loaded = subprocess.run([sys.executable, "-c", LOAD_BACK, destination], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=300)
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    assert float(loaded.stdout.strip().splitlines()[-1]) >= 0.9


def test_unchanged_rerun_reuses_the_bucket_outputs(run):
    _, env, workdir = run
    rerun_is_all_cached(env, workdir, ROOT, DATA)


def test_report_reads_statistics_from_the_bucket(run, tmp_path):
    _, env, _ = run
    html = report_of(env, ROOT, tmp_path)
    assert "bill_length_mm" in html
