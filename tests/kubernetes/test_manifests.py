"""The kustomize base and overlays under kubernetes/: each one renders, every
rendered object is valid against the Kubernetes API schemas (offline, strict:
unknown fields are errors), and the security properties hold in every pod.

Rendering needs `kubectl` (its built-in `kubectl kustomize`) or a standalone
`kustomize`; without either the tests skip. Schema validation uses the
kubernetes-validate package, which ships the API schemas and needs no cluster;
KServe's InferenceService (a custom resource it has no schema for) is checked
against KServe's own API types (tests/support/kserve_schema.py).
"""
from __future__ import annotations

import base64
import functools
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.support import kserve_schema

REPO = Path(__file__).resolve().parents[2]
KUBE = REPO / "kubernetes"

# The API version the manifests are checked against (kubernetes-validate
# ships the schemas of 1.25 and later).
KUBERNETES_VERSION = "1.32.0"

# Every directory with a kustomization, so a new overlay is tested too.
DIRS = sorted(str(p.parent.relative_to(KUBE)) for p in KUBE.glob("**/kustomization.yaml"))
OVERLAYS = [d for d in DIRS if d.startswith("overlays/")]

# Secrets an overlay deliberately leaves out, to be created out of band.
OUT_OF_BAND_SECRETS = {"overlays/production": {"mlpipe-mlmd"}, "overlays/kserve": {"mlpipe-mlmd"}}

MLMD_ENV = {"MLPIPE_MLMD_HOST", "MLPIPE_MLMD_PORT", "MLPIPE_MLMD_DATABASE",
            "MLPIPE_MLMD_USER", "MLPIPE_MLMD_PASSWORD"}
SECRET_KEYS = {"MLPIPE_MLMD_USER", "MLPIPE_MLMD_PASSWORD"}
# Environment variables named like a password that only switch something on.
NOT_CREDENTIALS = {"MARIADB_RANDOM_ROOT_PASSWORD"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume",
                  "StorageClass", "CustomResourceDefinition"}


def _renderer() -> list[str] | None:
    if shutil.which("kubectl"):
        return [shutil.which("kubectl"), "kustomize"]
    if shutil.which("kustomize"):
        return [shutil.which("kustomize"), "build"]
    return None


RENDERER = _renderer()
pytestmark = pytest.mark.skipif(
    RENDERER is None, reason="neither kubectl nor kustomize is on PATH: cannot render kubernetes/")


@functools.lru_cache(maxsize=None)
def render(directory: str) -> tuple[dict, ...]:
    done = subprocess.run([*RENDERER, str(KUBE / directory)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, f"{' '.join(RENDERER)} {directory} failed:\n{done.stderr}"
    return tuple(doc for doc in yaml.safe_load_all(done.stdout) if doc)


def of_kind(docs, kind: str) -> list[dict]:
    return [d for d in docs if d["kind"] == kind]


def named(docs, kind: str, name: str) -> dict:
    found = [d for d in of_kind(docs, kind) if d["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def pod_specs(docs) -> list[tuple[str, dict]]:
    """(workload, pod spec) of every object that makes pods."""
    specs = []
    for d in docs:
        where = f"{d['kind']}/{d['metadata']['name']}"
        if d["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
            specs.append((where, d["spec"]["template"]["spec"]))
        elif d["kind"] == "CronJob":
            specs.append((where, d["spec"]["jobTemplate"]["spec"]["template"]["spec"]))
        elif d["kind"] == "Pod":
            specs.append((where, d["spec"]))
        elif kserve_schema.is_kserve_kind(d):
            # KServe makes the predictor's pods: its pod fields, and its model as
            # the container (the runtime supplies the image).
            predictor = d["spec"]["predictor"]
            specs.append((where, {**predictor, "containers": [
                {"name": "kserve-container", **predictor["model"]}]}))
    return specs


def containers(spec: dict) -> list[dict]:
    return spec.get("initContainers", []) + spec["containers"]


def config_maps(docs) -> dict[str, dict]:
    return {d["metadata"]["name"]: d.get("data", {}) for d in of_kind(docs, "ConfigMap")}


def secrets(docs) -> dict[str, dict]:
    out = {}
    for d in of_kind(docs, "Secret"):
        data = {k: base64.b64decode(v).decode() for k, v in d.get("data", {}).items()}
        data.update(d.get("stringData", {}))
        out[d["metadata"]["name"]] = data
    return out


def test_every_kustomization_is_covered():
    assert "base" in DIRS
    assert {"overlays/local", "overlays/production", "overlays/kubeflow",
            "overlays/kserve"} <= set(OVERLAYS)


@pytest.mark.parametrize("directory", DIRS)
def test_renders_to_objects_valid_against_the_api_schemas(directory):
    try:
        import kubernetes_validate
    except ImportError:  # a missing install step, not a reason to skip
        pytest.fail("kubernetes-validate is not installed (pip install kubernetes-validate)")
    docs = render(directory)
    assert docs, f"{directory} renders nothing"
    errors = []
    for doc in docs:
        where = f"{doc['kind']}/{doc['metadata']['name']}"
        try:
            if kserve_schema.is_kserve_kind(doc):
                kserve_schema.validate(doc)
            else:
                kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kserve_schema.KServeSchemaError as e:
            errors.append(f"{where}: {e}")
        except kubernetes_validate.ValidationError as e:
            path = ".".join(str(p) for p in e.path)
            errors.append(f"{where}: {path}: {e.message}")
        except kubernetes_validate.SchemaNotFoundError as e:
            errors.append(f"{where}: {e.message}")
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("directory", DIRS)
def test_every_pod_is_locked_down(directory):
    specs = pod_specs(render(directory))
    assert specs
    for where, spec in specs:
        pod = spec.get("securityContext", {})
        assert pod.get("runAsNonRoot") is True, where
        for field in ("runAsUser", "runAsGroup", "fsGroup"):
            assert isinstance(pod.get(field), int) and pod[field] > 0, (where, field)
        assert pod.get("seccompProfile", {}).get("type") == "RuntimeDefault", where
        assert spec.get("automountServiceAccountToken") is False, where
        assert spec.get("serviceAccountName") == "mlpipe", where
        assert not spec.get("hostNetwork") and not spec.get("hostPID") and not spec.get("hostIPC"), where

        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        for c in containers(spec):
            name = f"{where} container {c['name']}"
            resources = c.get("resources", {})
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(bound, {})), (name, bound)
            sc = c.get("securityContext", {})
            assert sc.get("allowPrivilegeEscalation") is False, name
            assert sc.get("readOnlyRootFilesystem") is True, name
            assert sc.get("capabilities", {}).get("drop") == ["ALL"], name
            assert not sc.get("capabilities", {}).get("add"), name
            assert not sc.get("privileged"), name
            assert sc.get("runAsUser", 1) != 0, name
            # A read-only root file system needs a writable /tmp.
            tmp = [m for m in c.get("volumeMounts", []) if m["mountPath"] == "/tmp"]
            assert tmp and "emptyDir" in volumes[tmp[0]["name"]], name
            if "modelFormat" in c:  # a KServe model: the runtime's image, at a pinned tag
                assert c.get("runtimeVersion") not in (None, "latest"), name
                continue
            image = c["image"]
            assert ":" in image.rsplit("/", 1)[-1] or "@sha256:" in image, (name, image)
            assert not image.endswith(":latest"), (name, image)


@pytest.mark.parametrize("directory", DIRS)
def test_service_account_with_least_privilege_rbac(directory):
    docs = render(directory)
    sa = named(docs, "ServiceAccount", "mlpipe")
    assert sa.get("automountServiceAccountToken") is False
    assert not of_kind(docs, "ClusterRole") and not of_kind(docs, "ClusterRoleBinding")

    role = named(docs, "Role", "mlpipe")
    cms = config_maps(docs)
    for rule in role["rules"]:
        assert set(rule["verbs"]) == {"get"}, rule
        assert rule["resources"] == ["configmaps"], rule
        assert "*" not in rule["apiGroups"] + rule["resources"] + rule["verbs"], rule
        # Named objects only, and the names are the rendered ones (kustomize
        # appends the generated ConfigMap's hash suffix).
        assert rule.get("resourceNames"), rule
        for name in rule["resourceNames"]:
            assert name in cms and name.startswith("mlpipe-config"), name

    binding = named(docs, "RoleBinding", "mlpipe")
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                                  "name": "mlpipe"}
    assert [(s["kind"], s["name"]) for s in binding["subjects"]] == [("ServiceAccount", "mlpipe")]


@pytest.mark.parametrize("directory", DIRS)
def test_references_resolve_to_rendered_objects(directory):
    docs = render(directory)
    cms, secs = config_maps(docs), secrets(docs)
    out_of_band = OUT_OF_BAND_SECRETS.get(directory, set())
    claims = {d["metadata"]["name"] for d in of_kind(docs, "PersistentVolumeClaim")}
    for where, spec in pod_specs(docs):
        for v in spec.get("volumes", []):
            if "configMap" in v:
                assert v["configMap"]["name"] in cms, (where, v)
            if "secret" in v:
                assert v["secret"]["secretName"] in secs, (where, v)
            if "persistentVolumeClaim" in v:
                assert v["persistentVolumeClaim"]["claimName"] in claims, (where, v)
        for c in containers(spec):
            for env in c.get("env", []):
                ref = env.get("valueFrom", {})
                if "configMapKeyRef" in ref:
                    r = ref["configMapKeyRef"]
                    assert r["key"] in cms.get(r["name"], {}), (where, env)
                if "secretKeyRef" in ref:
                    r = ref["secretKeyRef"]
                    if r["name"] not in out_of_band:
                        assert r["key"] in secs.get(r["name"], {}), (where, env)
    for service in of_kind(docs, "InferenceService"):
        uri = service["spec"]["predictor"]["model"]["storageUri"]
        if uri.startswith("pvc://"):
            assert uri.split("/")[2] in claims, (service["metadata"]["name"], uri)
    for service in of_kind(docs, "Service"):
        selector = service["spec"]["selector"]
        matches = [w for w, spec in pod_specs(docs) if w.startswith("Deployment/")
                   and selector.items() <= named(docs, "Deployment", w.split("/", 1)[1])
                   ["spec"]["template"]["metadata"]["labels"].items()]
        assert len(matches) == 1, (service["metadata"]["name"], matches)


@pytest.mark.parametrize("directory", DIRS)
def test_credentials_only_in_secrets(directory):
    docs = render(directory)
    for name, data in config_maps(docs).items():
        assert not SECRET_KEYS & set(data), f"credentials in ConfigMap {name}"
        assert not any("PASSWORD" in key.upper() for key in data), name
    for where, spec in pod_specs(docs):
        for c in containers(spec):
            for env in c.get("env", []):
                if env["name"] in NOT_CREDENTIALS:
                    continue
                if "PASSWORD" in env["name"] or env["name"] in SECRET_KEYS:
                    assert "value" not in env, (where, env["name"])
                    assert "secretKeyRef" in env.get("valueFrom", {}), (where, env["name"])


@pytest.mark.parametrize("directory", DIRS)
def test_runner_and_submit_commands(directory):
    docs = render(directory)
    submit = named(docs, "Job", "mlpipe-submit")["spec"]["template"]["spec"]["containers"][0]
    assert submit["args"] == ["submit", "/pipelines/penguin.yaml", "--host", "$(KFP_HOST)"]
    assert [e["name"] for e in submit["env"] if e["name"] == "KFP_HOST"]
    assert not any("secretKeyRef" in e.get("valueFrom", {}) for e in submit["env"])

    cronjobs = of_kind(docs, "CronJob")
    if directory == "overlays/kubeflow":
        assert not cronjobs and not of_kind(docs, "Deployment")
        assert not of_kind(docs, "PersistentVolumeClaim") and not of_kind(docs, "Secret")
        return
    cron = named(docs, "CronJob", "mlpipe-run")
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    pod = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    run = pod["containers"][0]
    assert run["args"][:2] == ["run", "penguin_ct"]  # the newest span; retrains on drift
    data = run["args"][run["args"].index("--data") + 1]
    assert "{SPAN}" in data
    assert MLMD_ENV <= {e["name"] for e in run["env"]}
    root = run["args"][run["args"].index("--root") + 1]
    serving_dir = run["args"][run["args"].index("--serving-dir") + 1]
    data_mount = next(m for m in run["volumeMounts"] if m["name"] == "data")
    assert root.startswith(data_mount["mountPath"] + "/")
    assert data.startswith(data_mount["mountPath"] + "/")
    assert serving_dir.startswith(data_mount["mountPath"] + "/")

    if directory == "overlays/kserve":
        _check_kserve_reads_the_runners_models(docs, pod, data_mount, serving_dir)
        return
    # TF Serving reads the pushed models from the same volume, read-only.
    serving = named(docs, "Deployment", "mlpipe-serving")["spec"]["template"]["spec"]
    tf = serving["containers"][0]
    assert tf["image"].rsplit(":", 1)[0].endswith("tensorflow/serving")
    volume = next(v for v in serving["volumes"] if "persistentVolumeClaim" in v)
    assert volume["persistentVolumeClaim"]["claimName"] == next(
        v for v in pod["volumes"] if v["name"] == "data")["persistentVolumeClaim"]["claimName"]
    mount = next(m for m in tf["volumeMounts"] if m["name"] == volume["name"])
    assert mount["readOnly"] is True
    # The serving mount shows the runner's --serving-dir at /models.
    assert data_mount["mountPath"] + "/" + mount.get("subPath", "") == serving_dir
    # It serves what models.config labels, reloading it; the runner writes its base
    # paths as TF Serving sees them.
    assert "--model_config_file=/models/models.config" in tf["args"]
    assert any(a.startswith("--model_config_file_poll_wait_seconds=") for a in tf["args"])
    assert run["args"][run["args"].index("--param") + 1] == f"served_from={mount['mountPath']}"
    ports = {p["name"]: p["port"] for p in named(docs, "Service", "mlpipe-serving")["spec"]["ports"]}
    assert ports == {"grpc": 8500, "http": 8501}


def _check_kserve_reads_the_runners_models(docs, runner_pod, data_mount, serving_dir):
    """KServe instead of TF Serving: an InferenceService on the claim and folder the
    runner pushes to, with a canary share, in serverless mode (revisions)."""
    assert not of_kind(docs, "Deployment") and not of_kind(docs, "Service")
    service = named(docs, "InferenceService", "penguin")
    assert service["metadata"]["annotations"]["serving.kserve.io/deploymentMode"] == "Serverless"
    predictor = service["spec"]["predictor"]
    assert 0 < predictor["canaryTrafficPercent"] < 100
    assert predictor["model"]["modelFormat"] == {"name": "tensorflow"}
    claim, path = predictor["model"]["storageUri"].removeprefix("pvc://").split("/", 1)
    data = next(v for v in runner_pod["volumes"] if v["name"] == "data")
    assert claim == data["persistentVolumeClaim"]["claimName"]
    assert f"{data_mount['mountPath']}/{path}" == f"{serving_dir}/penguin"


def test_kserve_manifest_rendered_from_labels_keeps_the_overlays_fields(tmp_path):
    """`mlpipe kserve --template` on the rendered overlay, for a stable and a canary
    version: the same InferenceService (security, resources, namespace), on the
    canary's release with the canary's whole share, still valid."""
    from pipeline.serving import config as serving_config
    from pipeline.serving import kserve
    from pipeline.serving.labels import Label

    serving_dir = str(tmp_path / "models")
    for version in (101, 102):
        (tmp_path / "models" / "penguin" / str(version)).mkdir(parents=True)
        (tmp_path / "models" / "penguin" / str(version) / "saved_model.pb").write_bytes(b"")
    serving_config.set_labels(serving_dir, "penguin", {Label.STABLE: 101, Label.CANARY: 102})
    with serving_config.locked(serving_dir):
        serving_config.set_canary_percent(serving_dir, "penguin", 20.0)
    overlay = kserve.pick_template(list(render("overlays/kserve")), "penguin")
    manifest = kserve.inference_service(overlay, serving_dir, "penguin", "pvc://mlpipe-data/models")
    kserve_schema.validate(manifest)
    predictor, expected = manifest["spec"]["predictor"], overlay["spec"]["predictor"]
    assert predictor["model"]["storageUri"] == "pvc://mlpipe-data/models/kserve/penguin/102"
    assert predictor["canaryTrafficPercent"] == 20
    assert {k: v for k, v in predictor["model"].items() if k != "storageUri"} == {
        k: v for k, v in expected["model"].items() if k != "storageUri"}
    assert {k: v for k, v in predictor.items() if k not in ("model", "canaryTrafficPercent")} == {
        k: v for k, v in expected.items() if k not in ("model", "canaryTrafficPercent")}
    assert manifest["metadata"]["namespace"] == "mlpipe"


@pytest.mark.parametrize("directory", OVERLAYS)
def test_overlays_set_a_namespace_and_a_pinned_image(directory):
    docs = render(directory)
    namespaces = of_kind(docs, "Namespace")
    assert len(namespaces) == 1
    ns = namespaces[0]["metadata"]["name"]
    assert namespaces[0]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    for d in docs:
        if d["kind"] not in CLUSTER_SCOPED:
            assert d["metadata"].get("namespace") == ns, (d["kind"], d["metadata"]["name"])
    for binding in of_kind(docs, "RoleBinding"):
        assert all(s.get("namespace") == ns for s in binding["subjects"])


def _mlpipe_images(docs) -> set[str]:
    return {c["image"] for _, spec in pod_specs(docs) for c in containers(spec)
            if c["image"].rsplit(":", 1)[0].rsplit("/", 1)[-1] == "mlpipe"}


def test_local_overlay():
    docs = render("overlays/local")
    assert named(docs, "Namespace", "mlpipe-dev")
    assert _mlpipe_images(docs) == {"mlpipe:dev"}
    config = next(v for k, v in config_maps(docs).items() if k.startswith("mlpipe-config"))
    # MLMD in a MariaDB of the namespace, with the credentials the runner uses.
    assert config["MLPIPE_MLMD_HOST"] == "mlpipe-mysql"
    assert named(docs, "Service", "mlpipe-mysql")
    assert "CHANGE-ME" not in secrets(docs)["mlpipe-mlmd"]["MLPIPE_MLMD_PASSWORD"]


def test_production_overlay():
    docs = render("overlays/production")
    assert named(docs, "Namespace", "mlpipe")
    (image,) = _mlpipe_images(docs)
    assert not image.endswith((":dev", ":latest"))
    config = next(v for k, v in config_maps(docs).items() if k.startswith("mlpipe-config"))
    assert config["KFP_HOST"] == "http://ml-pipeline.kubeflow.svc.cluster.local:8888"
    assert config["MLPIPE_MLMD_HOST"].endswith(".kubeflow.svc.cluster.local")
    assert named(docs, "Deployment", "mlpipe-serving")["spec"]["replicas"] == 2
    assert named(docs, "PersistentVolumeClaim", "mlpipe-data")["spec"]["accessModes"] == ["ReadWriteMany"]
    assert named(docs, "PodDisruptionBudget", "mlpipe-serving")
    # No committed credentials: the Secret is created out of band.
    assert not of_kind(docs, "Secret")


def test_base_secret_is_a_placeholder_that_no_overlay_ships():
    assert secrets(render("base"))["mlpipe-mlmd"]["MLPIPE_MLMD_PASSWORD"].startswith("CHANGE-ME")
    for directory in OVERLAYS:
        for data in secrets(render(directory)).values():
            assert not any(v.startswith("CHANGE-ME") for v in data.values()), directory
