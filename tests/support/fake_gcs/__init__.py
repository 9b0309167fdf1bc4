"""A Google Cloud Storage bucket on loopback, for TensorFlow's gs:// and Beam's gcsio alike.

    gcp-storage-emulator  <- plain http -  Beam / google-cloud-storage (STORAGE_EMULATOR_HOST)
            ^
            |  plain http
    proxy.py (TLS with a test CA)  <- https_proxy -  TensorFlow's built-in GCS client

TensorFlow 2.16 has no setting for the GCS endpoint, but its libcurl honours
https_proxy; the proxy terminates TLS for Google's host names with a test
certificate that TensorFlow trusts through CURL_CA_BUNDLE, and also issues fake
OAuth tokens. Nothing leaves the machine. Both servers run as subprocesses
(see proxy.py for why), and `environment()` is what a process needs to use them.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Mapping

from tests.support.fake_gcs.certs import service_account_info, write_certificates

_REPO = str(Path(__file__).resolve().parents[3])
PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY", "all_proxy")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(port: int, process: subprocess.Popen, what: str) -> None:
    deadline = time.time() + 30
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the fake GCS {what} exited with code {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the fake GCS {what} did not listen on port {port} within 30 s")


class FakeGcs:
    """Starts the emulator and the proxy; `stop()` ends both (the data was in memory)."""

    def __init__(self, folder: str, bucket: str = "mlpipe-test"):
        self.bucket = bucket
        self._folder = folder
        self._processes: list[subprocess.Popen] = []
        self.emulator_port, self.proxy_port = _free_port(), _free_port()

    def start(self) -> "FakeGcs":
        certificates = write_certificates(os.path.join(self._folder, "certs"))
        self.ca_file = certificates.ca_file
        self._start("emulator", self.emulator_port, [str(self.emulator_port), self.bucket])
        self._start("proxy", self.proxy_port, [str(self.proxy_port), str(self.emulator_port),
                                               certificates.cert_file, certificates.key_file])
        self.credentials_file = os.path.join(self._folder, "credentials.json")
        with open(self.credentials_file, "w") as handle:
            json.dump(service_account_info(f"http://127.0.0.1:{self.proxy_port}/token"), handle)
        return self

    def _start(self, what: str, port: int, arguments: list[str]) -> None:
        log = open(os.path.join(self._folder, f"{what}.log"), "wb")
        process = subprocess.Popen([sys.executable, "-m", f"tests.support.fake_gcs.{what}",
                                    *arguments],
                                   cwd=_REPO, stdout=log, stderr=subprocess.STDOUT)
        self._processes.append(process)
        _wait_for(port, process, what)

    def environment(self) -> Mapping[str, str]:
        """Variables that point TensorFlow, Beam and google-auth at this bucket."""
        proxy = f"http://127.0.0.1:{self.proxy_port}"
        return {
            "https_proxy": proxy,
            "http_proxy": proxy,  # the emulator hands out http:// upload URLs
            "no_proxy": "127.0.0.1,localhost",
            "CURL_CA_BUNDLE": self.ca_file,
            "GOOGLE_AUTH_TOKEN_FOR_TESTING": "fake-token",
            "GOOGLE_APPLICATION_CREDENTIALS": self.credentials_file,
            "GOOGLE_CLOUD_PROJECT": "mlpipe-test",
            "STORAGE_EMULATOR_HOST": f"http://127.0.0.1:{self.emulator_port}",
            "GCS_RETRY_CONFIG_MAX_RETRIES": "2",
            "GCS_REQUEST_IDLE_TIMEOUT_SECS": "30",
        }

    def child_environment(self) -> dict[str, str]:
        """os.environ plus `environment()`, without upper-case proxy variables."""
        env = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}
        env.update(self.environment())
        return env

    def stop(self) -> None:
        for process in self._processes:
            process.terminate()
        for process in self._processes:
            process.wait(10)
