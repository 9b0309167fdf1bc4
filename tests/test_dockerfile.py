"""The one Dockerfile: no Docker engine here, so check what it promises statically."""
from __future__ import annotations

from pathlib import Path

DOCKERFILE = (Path(__file__).resolve().parents[1] / "Dockerfile").read_text()
_LINES = [line for line in DOCKERFILE.splitlines() if line.strip() and not line.lstrip().startswith("#")]
INSTRUCTIONS = [line.split(None, 1) for line in "\n".join(_LINES).replace("\\\n", " ").splitlines()]


def _all(keyword: str) -> list[str]:
    return [rest for word, *rest_list in INSTRUCTIONS for rest in rest_list if word == keyword]


def test_python_311_slim_base():
    assert _all("FROM") == ["python:3.11-slim"]


def test_installs_with_the_readme_constraints_file_and_s3_support():
    runs = " ".join(_all("RUN"))
    assert "pip install -c constraints.txt '.[s3]'" in runs  # MinIO: Kubeflow's artifact store
    assert "constraints.txt" in " ".join(_all("COPY"))


def test_runs_as_a_non_root_user_with_mlpipe_as_entrypoint():
    assert _all("USER")[-1].split(":")[0] not in ("0", "root")
    assert _all("ENTRYPOINT") == ['["mlpipe"]']


def test_copies_what_the_pipelines_need_at_run_time():
    sources = {source for rest in _all("COPY") for source in rest.split()[:-1]}
    assert {"pipeline", "components", "schemas", "constraints.txt", "setup.py"} <= sources
