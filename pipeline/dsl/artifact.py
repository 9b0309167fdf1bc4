"""Artifacts: typed handles on the files a component reads or writes.

An artifact is a URI plus properties. Types, declared properties, base types
and file layouts are TFX 1.16's, so that ML Metadata written by this project
is read by TFX's own artifact classes and path helpers as if TFX wrote it.
"""
from __future__ import annotations

import dataclasses
import json
from typing import ClassVar, Union

from pipeline import fs

PropertyValue = Union[int, float, str]


@dataclasses.dataclass
class Artifact:
    """A file or folder produced or consumed by a component execution.

    `properties` holds the values of the type's declared properties
    (`PROPERTIES`); `custom_properties` holds anything else worth recording.
    `id` is the ML Metadata artifact id once the artifact is published.
    """

    TYPE_NAME: ClassVar[str] = "Artifact"
    PROPERTIES: ClassVar[dict[str, type]] = {}  # exactly TFX's, or TFX reads another type
    BASE_TYPE: ClassVar[str | None] = None  # ML Metadata's system type (DATASET, MODEL, ...)
    # Properties that say where something came from or went, not what it holds:
    # left out of the content fingerprint, so identical content matches.
    LOCATION_PROPERTIES: ClassVar[tuple[str, ...]] = ()

    uri: str = ""
    id: int | None = None
    properties: dict[str, PropertyValue] = dataclasses.field(default_factory=dict)
    custom_properties: dict[str, PropertyValue] = dataclasses.field(default_factory=dict)

    def set(self, name: str, value: PropertyValue) -> None:
        """Sets a declared property if the type declares `name`, else a custom one."""
        if name in self.PROPERTIES:
            self.properties[name] = self.PROPERTIES[name](value)
        else:
            self.custom_properties[name] = value

    def get(self, name: str, default: PropertyValue | None = None) -> PropertyValue | None:
        """Reads a declared or custom property."""
        if name in self.properties:
            return self.properties[name]
        return self.custom_properties.get(name, default)

    def external_uris(self) -> list[str]:
        """Places outside the artifact's folder that it stands for (a pushed model's
        serving copy): reusing the artifact needs them too."""
        return []

    def __str__(self) -> str:
        return f"{self.TYPE_NAME}#{self.id if self.id is not None else '?'}({self.uri})"


class _SplitArtifact(Artifact):
    """An artifact whose folder holds one `Split-<name>/` subfolder per split."""

    PROPERTIES: ClassVar[dict[str, type]] = {"span": int, "split_names": str}

    @property
    def split_names(self) -> list[str]:
        """TFX encodes them as a JSON list: `["train", "eval"]`."""
        return list(json.loads(str(self.properties.get("split_names", "[]"))))

    @split_names.setter
    def split_names(self, names: list[str]) -> None:
        self.properties["split_names"] = json.dumps(list(names))

    def split_uri(self, split: str) -> str:
        """The folder of one split, in TFX's layout."""
        return f"{self.uri}/Split-{split}"


class Examples(_SplitArtifact):
    """tf.Examples in gzipped TFRecord files: `Split-<name>/*.gz`."""

    TYPE_NAME = "Examples"
    PROPERTIES = {"span": int, "version": int, "split_names": str}
    BASE_TYPE = "DATASET"
    LOCATION_PROPERTIES = ("input_paths",)
    FILE_FORMAT: ClassVar[str] = "tfrecords_gzip"
    PAYLOAD_FORMAT: ClassVar[str] = "FORMAT_TF_EXAMPLE"


class ExampleStatistics(_SplitArtifact):
    """TFDV statistics: `Split-<name>/FeatureStats.pb` (a DatasetFeatureStatisticsList)."""

    TYPE_NAME = "ExampleStatistics"
    BASE_TYPE = "STATISTICS"
    STATISTICS_FILE: ClassVar[str] = "FeatureStats.pb"

    def statistics_file(self, split: str) -> str:
        return f"{self.split_uri(split)}/{self.STATISTICS_FILE}"


class ExampleAnomalies(_SplitArtifact):
    """TFDV anomalies: `Split-<name>/SchemaDiff.pb` (an Anomalies proto)."""

    TYPE_NAME = "ExampleAnomalies"
    ANOMALIES_FILE: ClassVar[str] = "SchemaDiff.pb"

    def anomalies_file(self, split: str) -> str:
        return f"{self.split_uri(split)}/{self.ANOMALIES_FILE}"


class Schema(Artifact):
    """A TFMD schema as text: `schema.pbtxt`, the only file in the folder."""

    TYPE_NAME = "Schema"
    LOCATION_PROPERTIES = ("source",)
    SCHEMA_FILE: ClassVar[str] = "schema.pbtxt"

    @property
    def schema_file(self) -> str:
        return f"{self.uri}/{self.SCHEMA_FILE}"


class TransformGraph(Artifact):
    TYPE_NAME = "TransformGraph"


class Model(Artifact):
    """A trained model: the SavedModel to serve is in `Format-Serving/`."""

    TYPE_NAME = "Model"
    BASE_TYPE = "MODEL"
    SERVING_DIR: ClassVar[str] = "Format-Serving"

    @property
    def serving_model_uri(self) -> str:
        return f"{self.uri}/{self.SERVING_DIR}"


class ModelEvaluation(Artifact):
    """TFMA's output; the overall metrics are also properties `metric:<name>`, and the
    candidate's serving figures (latency, size) `serving:<figure>`."""

    TYPE_NAME = "ModelEvaluation"
    METRIC_PREFIX: ClassVar[str] = "metric:"
    SERVING_PREFIX: ClassVar[str] = "serving:"

    @property
    def metrics(self) -> dict[str, float]:
        prefix = self.METRIC_PREFIX
        return {k[len(prefix):]: float(v) for k, v in self.custom_properties.items()
                if k.startswith(prefix)}


class ModelBlessing(Artifact):
    """Evaluator's verdict: an empty `BLESSED` or `NOT_BLESSED` file, and the
    `blessed` property (1 or 0) with the ids of the models compared."""

    TYPE_NAME = "ModelBlessing"
    BLESSED_FILE: ClassVar[str] = "BLESSED"
    NOT_BLESSED_FILE: ClassVar[str] = "NOT_BLESSED"

    def mark(self, blessed: bool) -> None:
        """Writes the marker file and the `blessed` property."""
        fs.write_bytes(fs.join(self.uri, self.BLESSED_FILE if blessed else self.NOT_BLESSED_FILE), b"")
        self.set("blessed", int(blessed))

    @property
    def blessed(self) -> bool:
        """Blessed by both the property and the marker file."""
        return self.get("blessed") == 1 and fs.exists(fs.join(self.uri, self.BLESSED_FILE))

    @property
    def reason(self) -> str:
        return str(self.get("reason", ""))


class PushedModel(Artifact):
    """A pushed model: a flat copy of the SavedModel, and where it was pushed
    (`pushed` 1 or 0, `pushed_destination`, `pushed_version` as text, as TFX has it)."""

    TYPE_NAME = "PushedModel"
    BASE_TYPE = "MODEL"
    LOCATION_PROPERTIES = ("pushed_destination",)

    @property
    def pushed(self) -> bool:
        return self.get("pushed") == 1

    @property
    def version(self) -> str | None:
        version = self.get("pushed_version")
        return str(version) if version is not None else None

    @property
    def destination(self) -> str | None:
        destination = self.get("pushed_destination")
        return str(destination) if destination else None

    def external_uris(self) -> list[str]:
        return [self.destination] if self.pushed and self.destination else []


class DecayReport(Artifact):
    """A model's metric on new data against its value at blessing (DecayValidator's
    output): `metric`, `value`, `value_at_blessing`, `decrease`, `max_decrease`,
    `decayed` (1 or 0), `span`, `num_examples`; TFMA's own output in the folder."""

    TYPE_NAME = "DecayReport"


STANDARD_TYPES: dict[str, type[Artifact]] = {
    cls.TYPE_NAME: cls
    for cls in (Examples, ExampleStatistics, ExampleAnomalies, Schema, TransformGraph,
                Model, ModelEvaluation, ModelBlessing, PushedModel, DecayReport)
}
