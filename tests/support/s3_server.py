"""An S3-compatible server on loopback (moto's server mode, a subprocess) with one
bucket, for s3:// roots, data and serving folders in tests.

`environment()` is what a process needs to reach it the way it would reach
MinIO: the endpoint in `AWS_ENDPOINT_URL` (mlpipe hands it to TensorFlow's S3
file system as `S3_ENDPOINT`), test credentials, a region, and no EC2 metadata
lookups. The test process itself reads the bucket with boto3 only: a process
whose tensorflow-io touched S3 aborts at exit (see pipeline/s3.py).
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy",
                   "all_proxy")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class S3Server:
    """Starts moto's S3 server and makes the bucket; `stop()` ends it (data in memory)."""

    def __init__(self, folder: str, bucket: str = "mlpipe-test"):
        self.bucket = bucket
        self.port = _free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._log_path = os.path.join(folder, "moto.log")
        self._process: subprocess.Popen | None = None

    def start(self) -> "S3Server":
        with open(self._log_path, "wb") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, env=self.child_environment())
        deadline = time.time() + 30
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"moto exited with {self._process.returncode}; "
                                   f"see {self._log_path}")
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError(f"moto did not listen on {self.port} within 30 s")
                time.sleep(0.1)
        self.client().create_bucket(Bucket=self.bucket)
        return self

    def environment(self) -> dict[str, str]:
        return {"AWS_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1",
                "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
                "no_proxy": "127.0.0.1,localhost"}

    def child_environment(self) -> dict[str, str]:
        """os.environ plus `environment()`, without proxies and other S3 endpoints."""
        env = {k: v for k, v in os.environ.items()
               if k not in PROXY_VARIABLES and k != "S3_ENDPOINT"}
        env.update(self.environment())
        return env

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id="testing",
                            aws_secret_access_key="testing", region_name="us-east-1")

    def keys(self, prefix: str = "") -> list[str]:
        """Every object key under `prefix`."""
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                         Prefix=prefix)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)
