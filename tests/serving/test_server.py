"""`mlpipe serve` in its own process, asked by a real HTTP client: TF Serving's REST
shapes by name, version and label; unlabelled traffic split by the canary's
share; canary, promote and rollback (recorded in ML Metadata) change what
/labels/stable serves without a restart; bad requests get TF Serving's error
shape and change nothing; the logged requests are what `mlpipe skew` reads."""
from __future__ import annotations

import shutil
import time

import pytest

from pipeline.metadata import SqliteConfig, resolvers
from pipeline.metadata.store import MetadataStore
from pipeline.serving import config as serving_config
from pipeline.serving import labelling, promotion_gate
from pipeline.serving.labelling import Target
from pipeline.serving.labels import Label
from tests.conftest import read_penguin_rows
from tests.e2e.helpers import mlpipe
from tests.support import serving_requests
from tests.support.serve_process import ServeProcess
from tests.support.serving_folder import record_push

pytestmark = pytest.mark.slow
V1, V2, V3 = 101, 102, 103
LABELS = "pipe"  # the pipeline the label changes are recorded for
_, ROWS = read_penguin_rows()
PENGUINS = serving_requests.instances(ROWS[:200])


@pytest.fixture(scope="module")
def served(penguin_runs, tmp_path_factory):
    """Three copies of a real pushed penguin model (v1, v2 stable, v3 canary), served
    with every request logged under a copy of the penguin run's root."""
    tmp = tmp_path_factory.mktemp("serve")
    root = str(tmp / "root")
    shutil.copytree(penguin_runs.root, root)
    saved_model = resolvers.serving_model(penguin_runs.store(), "penguin").destination
    store = MetadataStore(SqliteConfig(str(tmp / "labels.sqlite")))
    target = Target(str(tmp / "serving"), "penguin")
    for version, label in ((V1, Label.STABLE), (V2, Label.STABLE), (V3, Label.CANARY)):
        record_push(store, LABELS, target, version, label, saved_model)
    server = ServeProcess("penguin", "--root", root, "--serving-dir", target.serving_dir,
                          "--log-sample-rate", "1", "--poll-seconds", "0.2")
    yield server, store, target, root
    server.process.kill()


def _until_stable_is(server: ServeProcess, version: int) -> None:
    deadline = time.time() + 20
    while server.request("/v1/models/penguin/labels/stable:predict",
                         {"instances": PENGUINS[:1]}).version != str(version):
        assert time.time() < deadline, f"stable never became {version}"
        time.sleep(0.1)


def test_status_and_predictions_by_name_version_and_label(served):
    server, *_ = served
    status = server.request("/v1/models/penguin")
    assert status.status == 200
    assert [s["version"] for s in status.body["model_version_status"]] == [str(V2), str(V3)]
    assert status.body["model_version_status"][0]["state"] == "AVAILABLE"
    for path, version in (("/versions/102", V2), ("/labels/canary", V3), ("/labels/stable", V2)):
        reply = server.request(f"/v1/models/penguin{path}:predict", {"instances": PENGUINS[:3]})
        assert (reply.status, reply.version) == (200, str(version))
        assert len(reply.body["predictions"]) == 3
        assert all(abs(sum(p) - 1) < 1e-4 and len(p) == 3 for p in reply.body["predictions"])


def test_unlabelled_traffic_is_split_by_the_canarys_share(served):
    server, store, target, _ = served
    with serving_config.locked(target.serving_dir):
        serving_config.set_canary_percent(target.serving_dir, "penguin", 20.0)
    time.sleep(0.6)  # two polls
    answered = [server.request("/v1/models/penguin:predict", {"instances": [PENGUINS[i % 200]]})
                for i in range(1000)]
    share = sum(r.version == str(V3) for r in answered) / 10
    assert {r.status for r in answered} == {200}
    assert 16.0 <= share <= 24.0, f"canary got {share}% of 1000 requests, configured 20%"


@pytest.mark.parametrize("path, body, status, message", [
    ("/v1/models/penguin:predict", {"instances": [{"island": "Biscoe", "body_mass_g": "heavy"}]},
     400, "Key: body_mass_g"),
    ("/v1/models/penguin:predict", {"rows": []}, 400, 'Missing or empty "instances"'),
    ("/v1/models/penguin/labels/blue:predict", {"instances": PENGUINS[:1]}, 404,
     "Unrecognized servable version label: blue"),
    ("/v1/models/penguin/versions/7:predict", {"instances": PENGUINS[:1]}, 404,
     "Servable not found for request: Specific(penguin, 7)"),
    ("/v1/models/otter:predict", {"instances": PENGUINS[:1]}, 404, "Latest(otter)")])
def test_bad_requests_get_tf_servings_error_shape(served, path, body, status, message):
    server, _, target, _ = served
    before = open(serving_config.config_path(target.serving_dir)).read()
    reply = server.request(path, body)
    assert reply.status == status and set(reply.body) == {"error"}
    assert message in reply.body["error"]
    assert open(serving_config.config_path(target.serving_dir)).read() == before


def test_promotion_is_gated_on_the_canarys_logged_answers(served):
    server, store, target, root = served
    folder = f"{root}/request_log/penguin"
    time.sleep(0.6)  # the server appends outcomes at every poll
    alike = promotion_gate.check(folder, V2, V3, promotion_gate.GateBounds())
    assert alike.passed, alike.reasons  # the split above: the same model, the same birds
    assert alike.figures["canary_requests"] >= 100 and alike.figures["prediction_shift"] < 0.2
    gentoos = [i for i, row in zip(PENGUINS, ROWS) if row[0] == "Gentoo"][:40]
    for _ in range(10):
        server.request("/v1/models/penguin/labels/canary:predict", {"instances": gentoos})
    time.sleep(0.6)
    before = open(serving_config.config_path(target.serving_dir)).read()
    with pytest.raises(labelling.PromotionRefused, match=r"predicted classes shifted by 0\.\d+ "
                                                         r"\(L-infinity\) > 0\.2"):
        labelling.promote(store, LABELS, target,
                          promotion_gate.as_gate(folder, promotion_gate.GateBounds(), False))
    assert open(serving_config.config_path(target.serving_dir)).read() == before
    assert not store.raw.get_executions_by_type(labelling.CHANGE_TYPE)
    few = promotion_gate.check(folder, V2, V1, promotion_gate.GateBounds())
    assert not few.passed and f"canary {V1} answered 0 logged requests" in few.reasons[0]


def test_promote_and_rollback_change_what_stable_serves_without_a_restart(served):
    server, store, target, _ = served
    pid = server.process.pid
    folder = f"{served[3]}/request_log/penguin"
    forced = labelling.promote(store, LABELS, target, promotion_gate.as_gate(
        folder, promotion_gate.GateBounds(), force=True))
    _until_stable_is(server, V3)
    [execution] = store.raw.get_executions_by_id([forced.execution_id])
    assert execution.custom_properties["gate"].string_value == "forced"
    labelling.rollback(store, LABELS, target)
    _until_stable_is(server, V2)
    labelling.canary(store, LABELS, target, V1, 10)
    labelling.rollback(store, LABELS, target, to=V1)
    _until_stable_is(server, V1)
    assert server.process.pid == pid and server.process.poll() is None
    actions = [e.custom_properties["action"].string_value
               for e in store.raw.get_executions_by_type(labelling.CHANGE_TYPE)]
    assert actions == ["promote", "rollback", "canary", "rollback"]


def test_the_logged_requests_are_what_mlpipe_skew_reads(served):
    server, _, _, root = served
    for start in range(0, 200, 20):
        assert server.request("/v1/models/penguin/labels/stable:predict",
                              {"instances": PENGUINS[start:start + 20]}).status == 200
    code, out, _ = server.stop()
    assert code == 0 and "serve stopped" in out
    log = f"{root}/request_log/penguin"
    check = mlpipe("skew", "penguin", "--root", root, "--serving-data", log)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "no skew" in check.stdout
    logged = int(check.stdout.split()[0])
    assert logged >= 200  # these, and every request of the tests before
