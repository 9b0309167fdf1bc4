"""The Dockerfile, replayed without a Docker engine: the closest check here that the image builds.

tests/support/dockerfile_replay.py replays each instruction into a temporary folder standing in for the
image's "/": a fresh venv for python:3.11-slim, COPY from this repository (only what is listed,
minus .dockerignore), RUN with the Dockerfile's ENV.  Then the header's `docker run` example
runs through the ENTRYPOINT as the image's USER, and must push a model without writing into the
image.  The pip install costs minutes (less with a warm pip cache).
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.support.dockerfile_replay import Replay, ReplayError, parse

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
DOCKERFILE = (REPO / "Dockerfile").read_text()
AS_ROOT = os.geteuid() == 0
CONTAINER_IDS = (1000, 1000)  # USER of the image; the replay runs as it when the tests run as root


def _as_user(ids: tuple[int, int] | None) -> dict[str, Any]:
    """subprocess arguments that run a child as (uid, gid) with no supplementary groups."""
    return {} if ids is None else {"user": ids[0], "group": ids[1], "extra_groups": []}


def _runs_as(python: str, ids: tuple[int, int] | None, env: dict[str, str]) -> bool:
    """Whether `ids` can run this Python 3.11 and its venv module."""
    probe = "import sys, venv, ensurepip; assert sys.version_info[:2] == (3, 11)"
    try:
        return subprocess.run([python, "-c", probe], capture_output=True, timeout=60,
                              env={**os.environ, **env}, **_as_user(ids)).returncode == 0
    except OSError:
        return False


def _stand_in_python(root: Path, ids: tuple[int, int] | None) -> tuple[str, dict[str, str]]:
    """The tests' base Python, to make the stand-in venv from, and the variables it needs.

    Where the image's user cannot run it (pyenv's Python under /root, mode 0700, for uid 1000)
    its installation without site-packages is copied into root/opt/base-python, and its
    libpython found with LD_LIBRARY_PATH (the binary's RUNPATH names the original folder).
    """
    python = os.path.realpath(sys._base_executable)
    if _runs_as(python, ids, {}):
        return python, {}
    copy = root / "opt" / "base-python"
    for folder in ("lib", "include"):
        shutil.copytree(Path(sys.base_prefix, folder), copy / folder, symlinks=True,
                        ignore=shutil.ignore_patterns("site-packages", "test", "tests"))
    (copy / "bin").mkdir()
    copied, env = str(shutil.copy2(python, copy / "bin")), {"LD_LIBRARY_PATH": str(copy / "lib")}
    if not _runs_as(copied, ids, env):
        pytest.fail(f"uid/gid {ids} can run neither {python} nor its copy {copied}")
    return copied, env


def _header_example(text: str) -> tuple[str, str, list[str]]:
    """(tag built, image run, its arguments) from the header's `docker build`/`docker run`."""
    built = re.search(r"^#\s*docker build -t (\S+)", text, re.M)
    ran = re.search(r"^#\s*docker run((?: --?[\w-]+)*) (\S+)(.*)$", text, re.M)
    if not built or not ran:
        pytest.fail("the Dockerfile's header no longer shows `docker build -t` and `docker run`")
    return built.group(1), ran.group(2), shlex.split(ran.group(3))


def _listing(root: Path, skip: Path) -> dict[str, tuple[int, int]]:
    """Every path under root except skip (the image's writable /tmp): (size, mtime_ns)."""
    found = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if Path(folder, d) != skip]
        for name in [*dirs, *files]:
            stat = os.lstat(os.path.join(folder, name))
            found[os.path.relpath(os.path.join(folder, name), root)] = (stat.st_size,
                                                                         stat.st_mtime_ns)
    return found


@pytest.fixture(scope="module")
def image() -> Iterator[Replay]:
    """The Dockerfile replayed into a temporary "/" (removed afterwards)."""
    root = Path(tempfile.mkdtemp(prefix="mlpipe-dockerfile-replay-"))
    try:
        root.chmod(0o755)  # the image's "/" is readable by its user
        (root / "tmp").mkdir()
        (root / "tmp").chmod(0o1777)  # as /tmp is in the image
        python, python_env = _stand_in_python(root, CONTAINER_IDS if AS_ROOT else None)
        replay = Replay(REPO, root, python, host_env=python_env)
        replay.build(parse(DOCKERFILE))
        yield replay
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _run_entrypoint(image: Replay, args: list[str]) -> subprocess.CompletedProcess[str]:
    """ENTRYPOINT + args in WORKDIR with the image's ENV, as USER when the tests run as root."""
    return subprocess.run([*image.entrypoint, *args], cwd=image.host("."),
                          env=image.process_env(), capture_output=True, text=True, timeout=900,
                          **_as_user(image.user if AS_ROOT else None))


def test_unknown_instructions_fail_the_replay() -> None:
    """A Dockerfile change the replay cannot follow fails here instead of passing unseen."""
    with pytest.raises(ReplayError, match="does not know 'ADD'"):
        parse("FROM python:3.11-slim\nADD . /app\n")


def test_user_is_uid_1000_created_by_useradd(image: Replay) -> None:
    """Not root, and the uid useradd created (the replay runs as it)."""
    assert image.user == CONTAINER_IDS
    assert CONTAINER_IDS[0] in image.users.values(), f"USER {image.user}; useradd: {image.users}"


def test_default_command_prints_the_help(image: Replay) -> None:
    """`docker run IMAGE`: ENTRYPOINT + CMD."""
    completed = _run_entrypoint(image, image.cmd)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "usage: mlpipe" in completed.stdout


def test_header_example_pushes_a_model_without_writing_into_the_image(image: Replay) -> None:
    """The header's `docker run ... run penguin --root /tmp/penguin`, /tmp mapped."""
    built, ran, args = _header_example(DOCKERFILE)
    assert built == ran, "the header runs another image than it builds"
    assert args[:2] == ["run", "penguin"] and "--root" in args
    args = [str(image.host(arg)) if arg.startswith("/") else arg for arg in args]
    root = Path(args[args.index("--root") + 1])
    before = _listing(image.root, skip=image.host("/tmp"))
    completed = _run_entrypoint(image, args)
    assert completed.returncode == 0, f"{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
    pushed = re.search(r"^\s*pushed: (\S+) \(model penguin", completed.stdout, re.M)
    assert pushed, completed.stdout[-3000:]
    assert Path(pushed.group(1), "saved_model.pb").is_file()
    assert Path(pushed.group(1)).is_relative_to(root)
    after = _listing(image.root, skip=image.host("/tmp"))
    changed = sorted(set(before.items()) ^ set(after.items()))
    assert not changed, f"the run wrote into the image (outside /tmp): {changed[:20]}"
