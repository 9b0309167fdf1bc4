"""Every run ends recorded in a final state: Ctrl-C and SIGTERM cancel the running
execution and the run (one line, exit 130 or 143), and a run whose process was
killed is marked ABANDONED by the next command; the next run then completes.

The pipeline's first component announces that it is running (a marker file) and
then waits, so the signal arrives while it runs, not by timing luck."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from pipeline.metadata import SqliteConfig
from pipeline.metadata.store import RUN_CONTEXT, MetadataStore, RunContexts
from tests.e2e.helpers import mlpipe
from tests.support.slow_pipeline import SLOW_PIPELINE
from tests.support.signals import default_sigint

HEARTBEAT_SECONDS = 0.2
ABANDONED_AFTER_SECONDS = 3.0


@pytest.fixture
def slow_run(tmp_path):
    """Starts `mlpipe run` of the slow pipeline and returns once its first component runs."""
    path = tmp_path / "slow_pipeline.py"
    path.write_text(SLOW_PIPELINE)
    marker = tmp_path / "started"
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "run", str(path), "--root", str(tmp_path / "root"),
         "--param", f"marker={marker}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "MLPIPE_HEARTBEAT_SECONDS": str(HEARTBEAT_SECONDS)},
        preexec_fn=default_sigint)
    deadline = time.time() + 60
    while not marker.exists() and process.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    assert marker.exists(), process.communicate()
    yield process, path
    if process.poll() is None:
        process.kill()


def _store(tmp_path) -> MetadataStore:
    return MetadataStore(SqliteConfig(str(tmp_path / "root" / "metadata.sqlite")))


def _completes_next(path, tmp_path) -> None:
    completed = mlpipe("run", str(path), "--root", str(tmp_path / "root"),
                       "--param", f"marker={tmp_path / 'again'}", "--param", "seconds=0")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert _store(tmp_path).runs("slow")[0].status == "COMPLETE"


@pytest.mark.parametrize("sent, exit_code, word", [(signal.SIGINT, 130, "interrupted (Ctrl-C)"),
                                                   (signal.SIGTERM, 143, "terminated (SIGTERM)")])
def test_a_signal_cancels_the_execution_and_the_run(slow_run, tmp_path, sent, exit_code, word):
    process, path = slow_run
    process.send_signal(sent)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == exit_code
    assert stderr.strip().splitlines() == [f"mlpipe: {word}; the run is recorded CANCELED"]
    [run] = _store(tmp_path).runs("slow")
    assert run.status == "CANCELED"
    [execution] = _store(tmp_path).executions(run.run_id)
    assert (execution.component_id, execution.state) == ("Slow", "CANCELED")
    assert not os.listdir(tmp_path / "root" / ".staging")  # nothing half-written kept
    _completes_next(path, tmp_path)


def test_a_killed_run_is_marked_abandoned_by_the_next_command(slow_run, tmp_path):
    process, path = slow_run
    process.kill()
    process.wait(timeout=30)
    assert _store(tmp_path).runs("slow")[0].status == "RUNNING"  # nothing could record it
    listed = mlpipe("runs", str(path), "--root", str(tmp_path / "root"))
    assert listed.returncode == 0 and "ABANDONED" in listed.stdout
    [run] = _store(tmp_path).runs("slow")
    assert run.status == "ABANDONED" and f"pid {process.pid}" in run.properties["message"]
    [execution] = _store(tmp_path).executions(run.run_id)
    assert execution.state == "CANCELED"
    _completes_next(path, tmp_path)


def _pretend_another_machine_ran_it(store: MetadataStore, run_id: str) -> None:
    """As if the store were shared with another machine (MySQL, a network disk)."""
    context = store.raw.get_context_by_type_and_name(RUN_CONTEXT, run_id)
    store.update_run(RunContexts(context, context), {"runner_host": "another-machine"})


def test_a_run_of_another_machine_is_abandoned_once_its_heartbeat_stops(slow_run, tmp_path):
    process, path = slow_run
    [run] = _store(tmp_path).runs("slow")
    _pretend_another_machine_ran_it(_store(tmp_path), run.run_id)
    env = {**os.environ, "MLPIPE_ABANDONED_AFTER_SECONDS": str(ABANDONED_AFTER_SECONDS)}
    args = ("runs", str(path), "--root", str(tmp_path / "root"))
    time.sleep(5 * HEARTBEAT_SECONDS)
    alive = mlpipe(*args, env=env)
    assert alive.returncode == 0 and "RUNNING" in alive.stdout, alive.stdout  # still beating
    [run] = _store(tmp_path).runs("slow")
    assert time.time() - run.properties["heartbeat_time"] < ABANDONED_AFTER_SECONDS
    process.kill()
    process.wait(timeout=30)
    time.sleep(ABANDONED_AFTER_SECONDS + 0.5)
    dead = mlpipe(*args, env=env)
    assert dead.returncode == 0 and "ABANDONED" in dead.stdout, dead.stdout
    [run] = _store(tmp_path).runs("slow")
    assert f"no heartbeat from pid {process.pid} on another-machine" in run.properties["message"]
    assert [e.state for e in _store(tmp_path).executions(run.run_id)] == ["CANCELED"]
    _completes_next(path, tmp_path)
