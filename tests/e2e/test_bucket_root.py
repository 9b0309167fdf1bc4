"""The penguin pipeline with its root and serving location in a gs:// bucket.

The input CSV is in the bucket too. The bucket is tests/support/fake_gcs: gcp-storage-emulator on loopback, reached by
TensorFlow's own GCS client (through a TLS proxy) and by Beam's gcsio, so every
library writes and reads gs:// as it would on Google Cloud. ML Metadata is a
local SQLite file (MLPIPE_MLMD_SQLITE): SQLite cannot live in a bucket.
"""
from __future__ import annotations

import os

import pytest
import yaml
from ml_metadata.proto import metadata_store_pb2 as pb

from pipeline import fs
from tests.e2e.helpers import (metadata_of, mlpipe, penguin_accuracy, report_of,
                               rerun_is_all_cached, run_in_bucket)
from tests.conftest import PENGUIN_CSV
from tests.support import kserve_schema
from tests.support.fake_gcs import PROXY_VARIABLES, FakeGcs

pytestmark = pytest.mark.slow
ROOT = "gs://mlpipe-test/penguin"
DATA = "gs://mlpipe-test/data/penguins.csv"


@pytest.fixture(scope="module")
def bucket(tmp_path_factory):
    """The fake bucket, holding the penguin CSV; this test process reads it too."""
    fake = FakeGcs(str(tmp_path_factory.mktemp("fake-gcs"))).start()
    with pytest.MonkeyPatch.context() as patch:
        for name in PROXY_VARIABLES:
            patch.delenv(name, raising=False)
        for name, value in fake.environment().items():
            patch.setenv(name, value)
        with open(PENGUIN_CSV, "rb") as handle:
            fs.write_bytes(DATA, handle.read())
        yield fake
    fake.stop()


@pytest.fixture(scope="module")
def run(bucket, tmp_path_factory):
    """One full run from a working folder that must stay empty."""
    return run_in_bucket(bucket.child_environment(), tmp_path_factory, ROOT, DATA)


def test_every_artifact_lives_in_the_bucket_and_nothing_on_local_disk(run):
    completed, env, workdir = run
    store = metadata_of(env)
    run_id = store.runs("penguin")[0].run_id
    executions = store.executions(run_id)
    assert [e.state for e in executions] == ["COMPLETE"] * 8
    outputs = [event.artifact_id for event in store.events(e.id for e in executions)
               if event.type == pb.Event.OUTPUT]
    artifacts = [store.artifact(artifact_id) for artifact_id in outputs]
    assert [a.get("input_paths") for a in artifacts if a.get("input_paths")] == [DATA]
    uris = [a.uri for a in artifacts]
    # 9: the penguin Transform writes no transformed examples (materialize=False)
    assert len(uris) == 9 and all(u.startswith(f"{ROOT}/") for u in uris), uris
    assert all(fs.isdir(u) for u in uris)
    staging = f"{ROOT}/.staging"
    assert not fs.exists(staging) or fs.listdir(staging) == []
    assert os.listdir(workdir) == []


def test_pushed_model_in_the_bucket_serves_raw_examples(run):
    completed, env, _ = run
    versions = [n for n in fs.listdir(f"{ROOT}/serving/penguin") if n.isdigit()]
    assert len(versions) == 1, versions
    config = fs.read_text(f"{ROOT}/serving/models.config")  # TF Serving's, in the bucket
    assert f'key: "stable"\n      value: {versions[0]}' in config
    destination = f"{ROOT}/serving/penguin/{versions[0]}"
    assert f"pushed: {destination}" in completed.stdout
    assert penguin_accuracy(destination) >= 0.9


def test_kserve_release_is_copied_in_the_bucket_and_serves(run):
    _, env, workdir = run
    completed = mlpipe("kserve", "--root", ROOT, "--storage-uri", f"{ROOT}/serving",
                       cwd=str(workdir), env=env)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    manifest = yaml.safe_load(completed.stdout)
    kserve_schema.validate(manifest)
    version = manifest["metadata"]["annotations"]["mlpipe/stable-version"]
    release = manifest["spec"]["predictor"]["model"]["storageUri"]
    assert release == f"{ROOT}/serving/kserve/penguin/{version}"
    assert [name.rstrip("/") for name in fs.listdir(release)] == [version]
    assert penguin_accuracy(f"{release}/{version}") >= 0.9


def test_unchanged_rerun_reuses_the_bucket_outputs(run):
    _, env, workdir = run
    rerun_is_all_cached(env, workdir, ROOT, DATA)


def test_report_reads_statistics_from_the_bucket(run, tmp_path):
    _, env, _ = run
    html = report_of(env, ROOT, tmp_path)
    assert "bill_length_mm" in html and "No anomalies" in html


def test_bucket_root_without_a_metadata_store_says_how_to_configure_one(bucket, tmp_path):
    env = {k: v for k, v in bucket.child_environment().items() if not k.startswith("MLPIPE_MLMD_")}
    completed = mlpipe("run", "--root", ROOT, cwd=str(tmp_path), env=env)
    assert completed.returncode == 2
    assert "MLPIPE_MLMD_SQLITE" in completed.stderr and "Traceback" not in completed.stderr
