"""KServe: the labelled versions of a model as an InferenceService.

TF Serving (the base Kubernetes Deployment, `mlpipe serve`) follows the
serving folder's models.config labels. KServe rolls out *revisions* instead:
an InferenceService names one storageUri, and `canaryTrafficPercent` splits
traffic between the revision last rolled out at 100% and the new one. So each
version gets a storage location of its own that never changes, a *release*
(`<serving_dir>/kserve/<model>/<version>/<version>/`: a TF Serving base path
holding that version alone), and `inference_service` turns the labels into
the manifest that makes KServe serve them:

- stable only: storageUri = stable's release, no canaryTrafficPercent (100%);
- a canary too: storageUri = the canary's release, canaryTrafficPercent = its
  share, so KServe splits between the stable revision and the canary's;
- after `mlpipe promote`: the canary's release at 100% (KServe promotes the
  revision it already runs); after `mlpipe rollback`: the older release.

On a local or network disk a release is hard links to the pushed version's
files (no copy), staged and renamed into place; on a bucket it is a copy
with saved_model.pb written last.

Example:
    mlpipe canary 1795659129 --percent 10
    mlpipe kserve --storage-uri pvc://mlpipe-data/models | kubectl apply -f -
"""
from __future__ import annotations

import copy
import os
import shutil

from pipeline import fs
from pipeline.serving import config as serving_config
from pipeline.serving.labels import Label

API_VERSION = "serving.kserve.io/v1beta1"
KIND = "InferenceService"
RELEASES = "kserve"
MODEL_FORMAT = "tensorflow"
ANNOTATION_PREFIX = "mlpipe/"
SAVED_MODEL = "saved_model.pb"


class KServeError(Exception):
    """Nothing to serve, or a template without the InferenceService wanted."""


def release_path(serving_dir: str, model_name: str, version: int) -> str:
    """The release folder of a version (its storage location for KServe)."""
    return fs.join(serving_dir, RELEASES, model_name, str(version))


def release(serving_dir: str, model_name: str, version: int) -> str:
    """Publishes the version's release if it is not there yet; returns its folder."""
    folder = release_path(serving_dir, model_name, version)
    published = fs.join(folder, str(version))
    if fs.exists(fs.join(published, SAVED_MODEL)):
        return folder
    source = fs.join(serving_dir, model_name, str(version))
    if not fs.exists(fs.join(source, SAVED_MODEL)):
        raise KServeError(f"version {version} of {model_name!r} has no SavedModel at {source}")
    fs.makedirs(folder)
    if fs.is_remote(folder):
        fs.rmtree(published)  # a copy cut short: saved_model.pb (last) was missing
        fs.copytree(source, published, last=(SAVED_MODEL,))
        return folder
    staging = fs.join(folder, fs.work_name("tmp", str(version)))
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(source, staging, copy_function=_link_or_copy)
    try:
        os.rename(staging, published)
    except OSError:
        if not os.path.exists(os.path.join(published, SAVED_MODEL)):
            raise
        shutil.rmtree(staging)  # another process published it first
    return folder


def _link_or_copy(source: str, destination: str) -> None:
    try:
        os.link(source, destination)
    except OSError:  # another file system, or one without hard links
        shutil.copy2(source, destination)


def default_template(model_name: str) -> dict:
    """The smallest InferenceService serving the model with KServe's TF Serving runtime."""
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": {"name": model_name},
            "spec": {"predictor": {"model": {"modelFormat": {"name": MODEL_FORMAT}}}}}


def pick_template(documents: list[dict], model_name: str) -> dict:
    """The InferenceService among rendered manifests: the only one, or the one named
    like the model."""
    services = [d for d in documents if d and d.get("kind") == KIND]
    if len(services) > 1:
        named = [d for d in services if d.get("metadata", {}).get("name") == model_name]
        if len(named) != 1:
            raise KServeError(f"the template has {len(services)} InferenceServices and "
                              f"{len(named)} named {model_name!r}; it needs one")
        return named[0]
    if not services:
        raise KServeError("the template has no InferenceService")
    return services[0]


def inference_service(template: dict, serving_dir: str, model_name: str, storage_uri: str
                      ) -> dict:
    """The template with its predictor set to serve the model's labels (see the
    module docstring); publishes the releases it names. `storage_uri` is the
    serving folder as KServe reads it (pvc://CLAIM/PATH, gs://, s3://)."""
    labels = serving_config.labels(serving_dir, model_name)
    if Label.STABLE not in labels:
        raise KServeError(f"no version of {model_name!r} is labelled stable in "
                          f"{serving_config.config_path(serving_dir)}: push one first")
    manifest = copy.deepcopy(template)
    predictor = manifest.setdefault("spec", {}).setdefault("predictor", {})
    model = predictor.setdefault("model", {})
    model.setdefault("modelFormat", {"name": MODEL_FORMAT})
    rolled_out = labels.get(Label.CANARY, labels[Label.STABLE])
    for version in {labels[Label.STABLE], rolled_out}:
        release(serving_dir, model_name, version)
    model["storageUri"] = "/".join([storage_uri.rstrip("/"), RELEASES, model_name,
                                    str(rolled_out)])
    predictor.pop("canaryTrafficPercent", None)
    if Label.CANARY in labels:
        predictor["canaryTrafficPercent"] = whole_percent(
            serving_config.canary_percent(serving_dir, model_name))
    annotations = manifest.setdefault("metadata", {}).setdefault("annotations", {})
    for label in Label:
        key = f"{ANNOTATION_PREFIX}{label.value}-version"
        annotations.pop(key, None)
        if label in labels:
            annotations[key] = str(labels[label])
    return manifest


def whole_percent(percent: float) -> int:
    """KServe's canaryTrafficPercent is a whole number from 0 to 100."""
    return max(0, min(100, round(percent)))
