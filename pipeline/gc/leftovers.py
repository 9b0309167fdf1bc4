"""Files under a pipeline root or a serving folder that no recorded artifact owns:
staging folders of finished executions, output folders ML Metadata never
recorded (the process died between publishing and recording), and hidden half
copies or removals whose process is gone. Nothing an active execution may still
use is touched."""
from __future__ import annotations

import dataclasses
import os
import socket

from pipeline import fs
from pipeline.gc.records import PipelineRecords
from pipeline.runner.liveness import alive
from pipeline.runner.staging import STAGING_DIR


@dataclasses.dataclass(frozen=True)
class Removal:
    """A folder `mlpipe gc` removes, why, and the artifact it marks DELETED (if any)."""

    path: str
    reason: str
    artifact_id: int | None = None


def leftovers(records: PipelineRecords, root: str) -> list[Removal]:
    """Everything under `root` and the pipeline's serving folders that nothing owns."""
    return (_staging(records, root) + _unrecorded_outputs(records, root)
            + _half_copies(records.serving_folders()))


def _staging(records: PipelineRecords, root: str) -> list[Removal]:
    folder = fs.join(root, STAGING_DIR)
    names = fs.listdir(folder) if fs.isdir(folder) else []
    return [Removal(fs.join(folder, name), f"staging folder of finished execution #{name}")
            for name in names if name.isdigit() and not records.active(int(name))]


def _unrecorded_outputs(records: PipelineRecords, root: str) -> list[Removal]:
    """`<root>/<component>/<output>/<execution id>` folders of that component's
    finished executions that no LIVE artifact has as its URI."""
    live, found = records.live_uris(), []
    for execution_id, execution in records.executions.items():
        component = records.component_id(execution_id)
        if component is None or records.active(execution_id):
            continue
        component_folder = fs.join(root, component)
        for output in (fs.listdir(component_folder) if fs.isdir(component_folder) else []):
            path = fs.join(component_folder, output, str(execution_id))
            if fs.absolute(path) not in live and fs.isdir(path):
                found.append(Removal(path, f"output of execution #{execution_id} that ML "
                                           f"Metadata never recorded, or recorded as deleted"))
    return found


def _half_copies(serving_folders: set[str]) -> list[Removal]:
    """Hidden work folders (`fs.work_name`) in serving folders whose process, on this
    host, is gone."""
    host, found = socket.gethostname(), []
    for folder in sorted(serving_folders):
        if fs.is_remote(folder) or not os.path.isdir(folder):
            continue
        for name in os.listdir(folder):
            owner = fs.work_owner(name)
            if owner and owner[0] == host and not alive(owner[1]):
                found.append(Removal(os.path.join(folder, name),
                                     f"half-finished copy or removal by process {owner[1]}, "
                                     f"which is gone"))
    return found
