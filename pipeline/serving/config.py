"""The TF Serving model config file of a serving folder, `<serving_dir>/models.config`
(ModelServerConfig in text format, as `tensorflow_model_server --model_config_file`
reads it): per model, the versions to serve and their `stable` and `canary`
labels. Every change is made under a lock and written atomically, so TF Serving
(which polls the file) never reads half a file.

Example: after two pushes of penguin, the second deployed stable,
    model_config_list { config { name: "penguin" base_path: "/srv/models/penguin"
      model_platform: "tensorflow"
      model_version_policy { specific { versions: 1795659129 } }
      version_labels { key: "stable" value: 1795659129 } } }
"""
from __future__ import annotations

import contextlib
import json
import os
from typing import Iterator

from google.protobuf import text_format
from tensorflow_serving.config import model_server_config_pb2 as pb

from pipeline import fs
from pipeline.serving import history
from pipeline.serving.labels import Label

CONFIG_FILE = "models.config"
LOCK_FILE = ".models.config.lock"
PLATFORM = "tensorflow"


class ServingConfigError(Exception):
    """The config file cannot be read (corrupt) or a change to it makes no sense."""


def config_path(serving_dir: str) -> str:
    return fs.join(serving_dir, CONFIG_FILE)


def read(serving_dir: str) -> pb.ModelServerConfig:
    """The serving folder's config; an empty one if there is no file yet."""
    path = config_path(serving_dir)
    if not fs.exists(path):
        return pb.ModelServerConfig(model_config_list=pb.ModelConfigList())
    try:
        return text_format.Parse(fs.read_text(path), pb.ModelServerConfig())
    except text_format.ParseError as error:
        raise ServingConfigError(f"{path} is not a TF Serving model config (ModelServerConfig "
                                 f"text format): {error}; restore it from a backup or delete it "
                                 f"(the next push or label change writes a new one)") from None


def write(serving_dir: str, config: pb.ModelServerConfig) -> None:
    """Replaces the file at once (a rename on a local disk)."""
    path = config_path(serving_dir)
    text = text_format.MessageToString(config)
    if fs.is_remote(path):
        fs.write_text(path, text)
        return
    temporary = fs.join(serving_dir, fs.work_name("config", CONFIG_FILE))
    fs.write_text(temporary, text)
    os.replace(temporary, path)


@contextlib.contextmanager
def locked(serving_dir: str) -> Iterator[None]:
    """Holds the serving folder's config lock (local and network disks)."""
    if fs.is_remote(serving_dir):
        yield
        return
    import fcntl

    fs.makedirs(serving_dir)
    with open(os.path.join(serving_dir, LOCK_FILE), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def model_entry(config: pb.ModelServerConfig, serving_dir: str, model_name: str,
                served_from: str | None = None) -> pb.ModelConfig:
    """The model's entry, added (serving nothing yet) if the config has none. Its
    base path is `<served_from>/<model_name>`: where TF Serving sees the serving
    folder (a mount in its container), by default the serving folder itself."""
    base_path = fs.join(served_from or fs.absolute(serving_dir), model_name)
    for entry in config.model_config_list.config:
        if entry.name == model_name:
            if served_from is not None:
                entry.base_path = base_path
            return entry
    entry = config.model_config_list.config.add(name=model_name, base_path=base_path,
                                                model_platform=PLATFORM)
    entry.model_version_policy.specific.SetInParent()
    return entry


def labels(serving_dir: str, model_name: str) -> dict[Label, int]:
    """The model's labelled versions as the file has them now."""
    for entry in read(serving_dir).model_config_list.config:
        if entry.name == model_name:
            return {label: entry.version_labels[label.value] for label in Label
                    if label.value in entry.version_labels}
    return {}


def set_labels(serving_dir: str, model_name: str, wanted: dict[Label, int | None]
               ) -> dict[Label, int]:
    """Sets (a version) or clears (None) labels of the model, serves exactly the
    labelled versions, and returns the labels before the change."""
    with locked(serving_dir):
        return update_labels(serving_dir, model_name, wanted)


def update_labels(serving_dir: str, model_name: str, wanted: dict[Label, int | None],
                  served_from: str | None = None) -> dict[Label, int]:
    """`set_labels` for a caller that holds the lock (Pusher, which also says where
    TF Serving sees the folder)."""
    config = read(serving_dir)
    entry = model_entry(config, serving_dir, model_name, served_from)
    before = {label: entry.version_labels[label.value] for label in Label
              if label.value in entry.version_labels}
    for label, version in wanted.items():
        if version is None:
            if label.value in entry.version_labels:
                del entry.version_labels[label.value]
        else:
            entry.version_labels[label.value] = version
    del entry.model_version_policy.specific.versions[:]
    entry.model_version_policy.specific.versions.extend(sorted(set(entry.version_labels.values())))
    write(serving_dir, config)
    return before


def forget_version(version_folder: str) -> None:
    """After a version folder was rolled back (its push never completed): drops it
    from the history and the labels; a stable label on it goes back to the newest
    version still there, if any."""
    model_dir = fs.parent(version_folder)
    serving_dir, model_name = fs.parent(model_dir), os.path.basename(model_dir.rstrip("/"))
    version = int(os.path.basename(version_folder.rstrip("/")))
    with locked(serving_dir):
        history.forget(model_dir, version)
        try:
            current = labels(serving_dir, model_name)
        except ServingConfigError:  # a corrupt file is reported where it is used
            return
        remaining = [v for v in history.read(model_dir) if fs.isdir(fs.join(model_dir, str(v)))]
        wanted = {label: (max(remaining) if label is Label.STABLE and remaining else None)
                  for label, labelled in current.items() if labelled == version}
        if wanted:
            update_labels(serving_dir, model_name, wanted)


TRAFFIC_FILE = ".mlpipe-traffic.json"


def canary_percent(serving_dir: str, model_name: str) -> float:
    """The share of unlabelled requests `mlpipe serve` sends to the canary (0 without one)."""
    path = fs.join(serving_dir, TRAFFIC_FILE)
    if not fs.exists(path):
        return 0.0
    return float(json.loads(fs.read_text(path)).get(model_name, {}).get("canary_percent", 0.0))


def set_canary_percent(serving_dir: str, model_name: str, percent: float) -> None:
    """Records the canary's share; call under the lock."""
    path = fs.join(serving_dir, TRAFFIC_FILE)
    shares = json.loads(fs.read_text(path)) if fs.exists(path) else {}
    shares[model_name] = {"canary_percent": percent}
    fs.write_text(path, json.dumps(shares, indent=1, sort_keys=True))
