"""What each pushed version of a model is, kept beside the version folders in
`<serving_dir>/<model>/.mlpipe-versions.json` (TF Serving ignores names that are
not numbers): its semantic version and what it was trained with (the schema's
signature, the data's fingerprint). Pusher reads the previous push from here
to choose the next semantic version without asking ML Metadata; the same
figures are recorded on each PushedModel. Change it only under `config.locked`."""
from __future__ import annotations

import json

from pipeline import fs

HISTORY_FILE = ".mlpipe-versions.json"


def _path(model_dir: str) -> str:
    return fs.join(model_dir, HISTORY_FILE)


def read(model_dir: str) -> dict[int, dict]:
    """{integer version: {"semantic_version", "schema_signature", "data_fingerprint"}}."""
    path = _path(model_dir)
    if not fs.exists(path):
        return {}
    return {int(version): info for version, info in json.loads(fs.read_text(path)).items()}


def newest(model_dir: str) -> dict | None:
    """The entry of the newest version still present, or None."""
    entries = read(model_dir)
    present = [v for v in entries if fs.isdir(fs.join(model_dir, str(v)))]
    return entries[max(present)] if present else None


def _write(model_dir: str, entries: dict[int, dict]) -> None:
    fs.write_text(_path(model_dir), json.dumps({str(v): entries[v] for v in sorted(entries)},
                                                indent=1, sort_keys=True))


def record(model_dir: str, version: int, info: dict) -> None:
    _write(model_dir, {**read(model_dir), version: info})


def forget(model_dir: str, version: int) -> None:
    """Drops a version whose folder was rolled back."""
    entries = read(model_dir)
    if entries.pop(version, None) is not None:
        _write(model_dir, entries)
