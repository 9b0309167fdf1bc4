"""The models `mlpipe serve` holds: the versions models.config names, loaded, and
reloaded when the file (or the canary's share) changes, as TF Serving does
with `--model_config_file_poll_wait_seconds`."""
from __future__ import annotations

import dataclasses
import logging
import os
import random
import threading
from typing import Any

from pipeline import fs
from pipeline.serving import config as serving_config
from pipeline.serving.labels import Label

log = logging.getLogger("mlpipe.serve")


class NotFound(Exception):
    """No such model, version or label (HTTP 404)."""


@dataclasses.dataclass(frozen=True)
class LoadedModel:
    name: str
    version: int
    signatures: Any  # the SavedModel's signatures, by name


@dataclasses.dataclass
class _ModelState:
    versions: dict[int, LoadedModel]
    labels: dict[Label, int]
    canary_percent: float


class Registry:
    """Thread-safe: `refresh` (from a timer) swaps in a new state; requests read it."""

    def __init__(self, serving_dir: str):
        self.serving_dir = serving_dir
        self._models: dict[str, _ModelState] = {}
        self._stamp: tuple | None = None
        self._lock = threading.Lock()
        self._refreshing = threading.Lock()

    def _files_stamp(self) -> tuple:
        paths = [serving_config.config_path(self.serving_dir),
                 fs.join(self.serving_dir, serving_config.TRAFFIC_FILE)]
        return tuple(os.stat(p).st_mtime_ns if os.path.exists(p) else 0 for p in paths)

    def refresh(self) -> bool:
        """Reloads if the config or the traffic shares changed; True if it did. A
        corrupt config keeps what is served (and says so in the log). A refresh
        already under way (loading a big model) is not started twice."""
        if not self._refreshing.acquire(blocking=False):
            return False
        try:
            return self._refresh()
        finally:
            self._refreshing.release()

    def _refresh(self) -> bool:
        stamp = self._files_stamp()
        if stamp == self._stamp:
            return False
        try:
            config = serving_config.read(self.serving_dir)
        except serving_config.ServingConfigError as error:
            log.error("keeping the models served: %s", error)
            self._stamp = stamp
            return False
        models = {entry.name: self._load(entry) for entry in config.model_config_list.config}
        with self._lock:
            self._models, self._stamp = models, stamp
        return True

    def _load(self, entry) -> _ModelState:
        import tensorflow as tf

        current = self._models.get(entry.name)
        versions = {}
        for version in entry.model_version_policy.specific.versions:
            if current is not None and version in current.versions:
                versions[version] = current.versions[version]
                continue
            path = fs.join(self.serving_dir, entry.name, str(version))
            try:
                versions[version] = LoadedModel(entry.name, version,
                                                tf.saved_model.load(path).signatures)
                log.info("loaded %s version %s", entry.name, version)
            except (OSError, ValueError, tf.errors.OpError) as error:
                log.error("could not load %s version %s from %s: %s", entry.name, version,
                          path, error)
        labels = {Label(k): v for k, v in entry.version_labels.items()
                  if k in {l.value for l in Label}}
        return _ModelState(versions, labels, serving_config.canary_percent(self.serving_dir,
                                                                           entry.name))

    def model(self, name: str, version: int | None = None, label: str | None = None
              ) -> LoadedModel:
        """The version asked for, the labelled one, or (neither) stable or the canary
        by the canary's share (the newest version without labels)."""
        with self._lock:
            state = self._models.get(name)
        if state is None or not state.versions:
            raise NotFound(f"Servable not found for request: Latest({name})")
        if label is not None:
            try:
                version = state.labels[Label(label)]
            except (ValueError, KeyError):
                raise NotFound(f"Unrecognized servable version label: {label}") from None
        elif version is None:
            version = self._route(state)
        if version not in state.versions:
            raise NotFound(f"Servable not found for request: Specific({name}, {version})")
        return state.versions[version]

    @staticmethod
    def _route(state: _ModelState) -> int:
        canary = state.labels.get(Label.CANARY)
        if canary is not None and random.random() * 100 < state.canary_percent:
            return canary
        return state.labels.get(Label.STABLE, max(state.versions))

    def status(self, name: str) -> list[int]:
        """The versions of `name` loaded now; NotFound if none."""
        with self._lock:
            state = self._models.get(name)
        if state is None or not state.versions:
            raise NotFound(f"Could not find any versions of model {name}")
        return sorted(state.versions)
