"""`mlpipe serve` in a child process on a free port, and a small real HTTP client
for it (urllib): what a user's client does, nothing in-process."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from tests.support.signals import default_sigint

START_TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict
    version: str | None  # X-Model-Version: which version answered


class ServeProcess:
    def __init__(self, *args: str):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pipeline", "serve", "--port", "0", *args], text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONWARNINGS": "ignore"}, preexec_fn=default_sigint)
        deadline, line = time.time() + START_TIMEOUT_SECONDS, ""
        while "serving" not in line:
            line = self.process.stdout.readline()
            if (not line and self.process.poll() is not None) or time.time() > deadline:
                self.process.kill()
                raise AssertionError(f"mlpipe serve did not start:\n{self.process.stderr.read()}")
        self.port = int(re.search(r"http://[^:]+:(\d+)/", line).group(1))
        self.base = f"http://127.0.0.1:{self.port}"

    def request(self, path: str, body: dict | None = None) -> Reply:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data,
                                         method="POST" if data is not None else "GET")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Reply(response.status, json.loads(response.read()),
                             response.headers.get("X-Model-Version"))
        except urllib.error.HTTPError as error:
            return Reply(error.code, json.loads(error.read()), None)

    def stop(self) -> tuple[int, str, str]:
        """SIGINT (Ctrl-C), as a user stops it; (exit code, stdout, stderr)."""
        self.process.send_signal(signal.SIGINT)
        out, err = self.process.communicate(timeout=60)
        return self.process.returncode, out, err
