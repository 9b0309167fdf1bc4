"""What `mlpipe gc` reads from ML Metadata about one pipeline, in one pass."""
from __future__ import annotations

import dataclasses
import json

from ml_metadata.proto import metadata_store_pb2 as pb

from pipeline import fs
from pipeline.metadata.intents import INTENTS
from pipeline.metadata.store import PIPELINE_CONTEXT, MetadataStore
from pipeline.metadata.values import read_value

ACTIVE_STATES = (pb.Execution.NEW, pb.Execution.RUNNING)


@dataclasses.dataclass(frozen=True)
class PipelineRecords:
    """A pipeline's executions and artifacts as ML Metadata has them."""

    executions: dict[int, pb.Execution]
    artifacts: dict[int, pb.Artifact]

    @classmethod
    def read(cls, store: MetadataStore, pipeline_name: str) -> "PipelineRecords":
        context = store.raw.get_context_by_type_and_name(PIPELINE_CONTEXT, pipeline_name)
        if context is None:
            return cls({}, {})
        return cls({e.id: e for e in store.raw.get_executions_by_context(context.id)},
                   {a.id: a for a in store.raw.get_artifacts_by_context(context.id)})

    def component_id(self, execution_id: int) -> str | None:
        execution = self.executions.get(execution_id)
        if execution is None or "component_id" not in execution.custom_properties:
            return None
        return str(read_value(execution.custom_properties["component_id"]))

    def active(self, execution_id: int) -> bool:
        execution = self.executions.get(execution_id)
        return execution is not None and execution.last_known_state in ACTIVE_STATES

    def live_uris(self) -> set[str]:
        return {fs.absolute(a.uri) for a in self.artifacts.values() if a.state == pb.Artifact.LIVE}

    def serving_folders(self) -> set[str]:
        """Folders pushes went to or meant to: the parents of recorded and intended
        pushed destinations."""
        places = {str(read_value(a.custom_properties["pushed_destination"]))
                  for a in self.artifacts.values() if "pushed_destination" in a.custom_properties}
        for execution in self.executions.values():
            if INTENTS in execution.custom_properties:
                places |= set(json.loads(str(read_value(execution.custom_properties[INTENTS]))))
        return {fs.parent(place) for place in places if place}
