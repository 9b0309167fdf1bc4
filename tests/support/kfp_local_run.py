"""Runs a compiled KFP spec with kfp.local (SubprocessRunner, no Docker), as a
separate process: `python -m tests.support.kfp_local_run SPEC KFP_ROOT ARGS_JSON [TIMES]`.

Each run is one submission of the same compiled pipeline with the same
arguments; it prints one line per run with its wall time."""
from __future__ import annotations

import json
import sys
import time


def main(spec: str, kfp_root: str, arguments: str, times: str = "1") -> None:
    from kfp import components, local

    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=kfp_root)
    pipeline = components.load_component_from_file(spec)
    for attempt in range(int(times)):
        started = time.time()
        pipeline(**json.loads(arguments))
        print(f"kfp.local run {attempt + 1}: {time.time() - started:.1f}s", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
