"""Replay a Dockerfile without a Docker engine, for tests/test_dockerfile_replay.py.

The image's "/" is a host folder (`root`): WORKDIR /app is `root/app`, the base image's
Python (/usr/local) is a fresh venv in `root/usr/local`, and ENV values that are absolute
paths (HOME=/tmp) point into `root`.  Only the instructions this project's Dockerfile uses
are known; any other fails the replay, so that a change to the Dockerfile is noticed here.
"""
from __future__ import annotations

import json
import os
import posixpath
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

BASE_IMAGE = "python:3.11-slim"
BASE_ENV = {"LANG": "C.UTF-8"}  # what python:3.11-slim sets besides PATH
SHELL = ("/bin/sh", "-c")  # Docker's default SHELL; python:3.11-slim's /bin/sh is dash
KNOWN = ("FROM", "ENV", "WORKDIR", "COPY", "RUN", "USER", "ENTRYPOINT", "CMD")
# RUN commands that would change this machine, not the replayed image.
HOST_CHANGING = re.compile(r"\b(apt-get|apt|dpkg|groupadd|adduser|usermod|useradd)\b")
# What the build's pip takes from this machine's environment: PIP_*, proxies, certificates.
FORWARDED = re.compile(r"PIP_\w+|(?i:https?_proxy|no_proxy)|SSL_CERT_\w+|REQUESTS_CA_BUNDLE")


class ReplayError(Exception):
    """The Dockerfile cannot be replayed, or a step of it failed."""


@dataclass(frozen=True)
class Instruction:
    """One instruction: its first line number, keyword (upper case) and arguments."""

    line: int
    keyword: str
    args: str


def _fail(instruction: Instruction, message: str) -> NoReturn:
    """Stop the replay at this instruction."""
    raise ReplayError(f"Dockerfile line {instruction.line} ({instruction.keyword}): {message}")


def parse(text: str) -> list[Instruction]:
    """Instructions with `\\` continuations joined and comment lines dropped."""
    instructions: list[Instruction] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):  # Docker drops these inside continuations too
            continue
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, args = (pending + stripped).partition(" ")
        pending = ""
        if keyword.upper() not in KNOWN:
            raise ReplayError(f"Dockerfile line {start}: the replay does not know {keyword!r} "
                              f"(only {', '.join(KNOWN)}); teach tests/support/dockerfile_replay.py it")
        instructions.append(Instruction(start, keyword.upper(), args.strip()))
    if pending:
        raise ReplayError("Dockerfile ends inside a `\\` continuation")
    return instructions


def ignore_patterns(context: Path) -> list[tuple[bool, re.Pattern[str]]]:
    """The context's .dockerignore as (is an exception `!`, regex) pairs."""
    path = context / ".dockerignore"
    lines = path.read_text().splitlines() if path.exists() else []
    table = {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}
    patterns = []
    for line in (line.strip() for line in lines):
        if line and not line.startswith("#"):
            negated, line = line.startswith("!"), line.lstrip("!").strip("/")
            parts = re.split(r"(\*\*/|\*\*|\*|\?)", posixpath.normpath(line))
            regex = "".join(table.get(part, re.escape(part)) for part in parts)
            patterns.append((negated, re.compile(regex)))
    return patterns


def ignored(relative: str, patterns: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Whether .dockerignore excludes this path or one of its parents (the last match decides)."""
    parts = relative.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    return next((not negated for negated, pattern in reversed(patterns)
                 if any(pattern.fullmatch(prefix) for prefix in prefixes)), False)


@dataclass
class Replay:
    """An image being replayed: `root` stands in for its "/", `context` is the build context."""

    context: Path
    root: Path
    base_python: str
    host_env: dict[str, str] = field(default_factory=dict)  # what base_python needs, if anything
    env: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    user: tuple[int, int] = (0, 0)  # uid, gid of USER
    users: dict[str, int] = field(default_factory=dict)  # created by `useradd` (skipped)
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)

    def host(self, path: str) -> Path:
        """The host path standing in for an image path (relative to WORKDIR)."""
        return self.root / posixpath.normpath(posixpath.join(self.workdir, path)).lstrip("/")

    def process_env(self, build: bool = False) -> dict[str, str]:
        """BASE_ENV and the Dockerfile's ENV (paths mapped), PATH first at the stand-in's bin."""
        env = {k: v for k, v in os.environ.items() if build and FORWARDED.fullmatch(k)}
        env.update(BASE_ENV)
        env.update(self.host_env)
        env.update({k: str(self.host(v)) if v.startswith("/") else v for k, v in self.env.items()})
        env["PATH"] = f"{self.host('/usr/local/bin')}:/usr/sbin:/usr/bin:/sbin:/bin"
        if build:
            # Replay only: the Dockerfile's PIP_NO_CACHE_DIR=1 is dropped so that pip uses this
            # machine's usual cache.  Dropped, not set to "off": pip disables its cache for any
            # value of PIP_NO_CACHE_DIR, "off" and "0" included.
            env.pop("PIP_NO_CACHE_DIR", None)
            env["PIP_CACHE_DIR"] = os.environ.get("PIP_CACHE_DIR") or os.path.join(
                os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "pip")
        return env

    def build(self, instructions: list[Instruction], timeout: float = 3600) -> None:
        """Replay every instruction in order; ReplayError on the first that fails."""
        for instruction in instructions:
            if "$" in instruction.args and instruction.keyword != "RUN":
                _fail(instruction, "the replay does no $variable substitution")
            getattr(self, f"_{instruction.keyword.lower()}")(instruction, timeout)

    def _from(self, instruction: Instruction, timeout: float) -> None:
        """The base image: a fresh venv made by base_python, in place of /usr/local."""
        if instruction.args != BASE_IMAGE:
            _fail(instruction, f"the replay stands in only for {BASE_IMAGE}")
        subprocess.run([self.base_python, "-m", "venv", str(self.host("/usr/local"))],
                       check=True, timeout=timeout)

    def _env(self, instruction: Instruction, timeout: float) -> None:
        """ENV KEY=VALUE..., kept with image paths (mapped by process_env)."""
        for token in shlex.split(instruction.args):
            name, equals, value = token.partition("=")
            if not equals or name == "PATH":
                _fail(instruction, "the replay knows only ENV KEY=VALUE... (and not PATH)")
            self.env[name] = value

    def _workdir(self, instruction: Instruction, timeout: float) -> None:
        """WORKDIR, made as Docker does."""
        self.workdir = posixpath.normpath(posixpath.join(self.workdir, instruction.args))
        self.host(".").mkdir(parents=True, exist_ok=True)

    def _copy(self, instruction: Instruction, timeout: float) -> None:
        """COPY SRC... DEST from the build context, only what is listed."""
        *sources, dest = instruction.args.split()
        if not sources or re.search(r"^\[|^--|[*?\[]", instruction.args):
            _fail(instruction, "the replay knows only COPY SRC... DEST (no flags, JSON, wildcards)")
        if len(sources) > 1 and not dest.endswith("/"):
            _fail(instruction, "COPY of several sources needs a DEST ending in /")
        patterns = ignore_patterns(self.context)
        for source in sources:
            relative, target = posixpath.normpath(source), self.host(dest)
            path = self.context / relative
            if relative.startswith("..") or not path.exists() or ignored(relative, patterns):
                _fail(instruction, f"{source}: not in the build context, or in .dockerignore")
            if path.is_dir():  # its contents, as COPY does, without what .dockerignore excludes
                shutil.copytree(path, target, symlinks=True, dirs_exist_ok=True,
                                ignore=lambda folder, names: [name for name in names if ignored(
                                    os.path.relpath(os.path.join(folder, name), self.context),
                                    patterns)])
            else:
                target = target / path.name if dest.endswith("/") or target.is_dir() else target
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)

    def _run(self, instruction: Instruction, timeout: float) -> None:
        """RUN in WORKDIR with the image's ENV; a lone useradd is only remembered."""
        command = instruction.args
        if command.startswith("["):
            _fail(instruction, "the replay knows only RUN in shell form")
        words = shlex.split(command)
        if words[0] == "useradd" and not re.search(r"&&|;|\|", command):
            self._useradd(words, instruction)
            return
        if changing := HOST_CHANGING.search(command):
            _fail(instruction, f"{changing.group(0)} would change this machine, not the image")
        done = subprocess.run([*SHELL, command], cwd=self.host("."), env=self.process_env(True),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=timeout)
        if done.returncode != 0:
            output = "\n".join(done.stdout.splitlines()[-40:])
            _fail(instruction, f"exit {done.returncode}: {command}\n{output}")

    def _useradd(self, words: list[str], instruction: Instruction) -> None:
        """Not run (it would add a user to this machine): only remembered for USER."""
        uids = [words[i + 1] for i, word in enumerate(words[:-1]) if word in ("--uid", "-u")]
        if not uids:
            _fail(instruction, "useradd without --uid")
        self.users[words[-1]] = int(uids[0])

    def _user(self, instruction: Instruction, timeout: float) -> None:
        """USER uid[:gid] or a name made by useradd (gid = uid when not given)."""
        name, _, group = instruction.args.partition(":")
        uid = int(name) if name.isdigit() else self.users.get(name, 0 if name == "root" else None)
        if uid is None:
            _fail(instruction, f"no user {name!r} in the image")
        self.user = (uid, int(group) if group.isdigit() else uid)

    def _entrypoint(self, instruction: Instruction, timeout: float) -> None:
        """ENTRYPOINT and CMD, in JSON (exec) form only."""
        try:
            words = json.loads(instruction.args)
        except json.JSONDecodeError:
            words = None
        if not isinstance(words, list) or not all(isinstance(word, str) for word in words):
            _fail(instruction, "the replay knows only the JSON (exec) form")
        setattr(self, instruction.keyword.lower(), words)

    _cmd = _entrypoint
