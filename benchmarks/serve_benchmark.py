"""Benchmark of `mlpipe serve`: requests per second and latency percentiles of
single-example TF Serving REST predict requests at 1, 8 and 32 concurrent
clients, each client a thread with its own HTTP connection. Prints figures;
checks nothing.

    python benchmarks/serve_benchmark.py                 # trains penguin once into a temp root
    python benchmarks/serve_benchmark.py --root ROOT     # serves ROOT's pushed penguin models

The server is a separate process (`mlpipe serve --log-sample-rate 0`); the
clients run in this one. Each concurrency level runs for `--seconds` after a
warm-up, three times; the medians are printed.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.conftest import read_penguin_rows  # noqa: E402
from tests.support import serving_requests  # noqa: E402
from tests.support.serve_process import ServeProcess  # noqa: E402


def _client(port: int, bodies: list[bytes], until: float, latencies: list[float]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    i = 0
    while time.perf_counter() < until:
        start = time.perf_counter()
        connection.request("POST", "/v1/models/penguin:predict", bodies[i % len(bodies)],
                           {"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}")
        latencies.append((time.perf_counter() - start) * 1000)
        i += 1
    connection.close()


def measure(port: int, clients: int, seconds: float, bodies: list[bytes]) -> dict[str, float]:
    latencies: list[float] = []
    until = time.perf_counter() + seconds
    threads = [threading.Thread(target=_client, args=(port, bodies, until, latencies))
               for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]
    return {"rps": len(ordered) / elapsed, "p50": pick(0.50), "p95": pick(0.95),
            "p99": pick(0.99)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", help="a root where penguin pushed a model (default: train one)")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    root = args.root or tempfile.mkdtemp(prefix="mlpipe-serve-bench-")
    if not args.root:
        subprocess.run([sys.executable, "-m", "pipeline", "run", "--root", root], check=True,
                       capture_output=True)
    _, rows = read_penguin_rows()
    bodies = [json.dumps({"instances": [i]}).encode()
              for i in serving_requests.instances(rows)]
    server = ServeProcess("penguin", "--root", root, "--log-sample-rate", "0")
    try:
        measure(server.port, 4, 2.0, bodies)  # warm-up
        print("| clients | requests/s | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|---|")
        for clients in (1, 8, 32):
            runs = [measure(server.port, clients, args.seconds, bodies)
                    for _ in range(args.repeats)]
            median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            print(f"| {clients} | {median['rps']:.0f} | {median['p50']:.2f} | "
                  f"{median['p95']:.2f} | {median['p99']:.2f} |", flush=True)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
