"""`mlpipe report`: the HTML report of a real penguin run, opened in headless Chromium.

Chromium is driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`,
no port, no extra package), so the tests see console errors, uncaught exceptions,
failed loads and every request the page makes. Chromium's `--enable-logging=stderr`
is not enough: it prints console.error and console.log alike (INFO:CONSOLE) and
prints nothing for a failed network load. The checker's own tests prove it fails
on each kind of problem. Needs Debian's `chromium` and `graphviz` (skipped without).
"""
from __future__ import annotations

import argparse
import base64
import dataclasses
import fcntl
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

from pipeline.examples.penguin.pipeline import create_pipeline
from pipeline.metadata.store import MetadataStore
from pipeline.report import write_report
from pipeline.report.commands import COMMANDS, add_commands

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--remote-debugging-pipe"]
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")
SECTIONS = ["summary", "statistics", "anomalies", "metrics", "blessing", "pushed", "lineage"]
# Chromium reads DevTools commands on fd 3 and answers on fd 4; this puts our pipes there.
TRAMPOLINE = ("import os, sys; r, w = int(sys.argv[1]), int(sys.argv[2]); os.dup2(r, 3); "
              "os.dup2(w, 4); os.close(r); os.close(w); os.execv(sys.argv[3], sys.argv[3:])")

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt-get install chromium)")


@dataclasses.dataclass
class Page:
    """What Chromium made of a page: its DOM after load, problems, requested URLs."""

    dom: str
    problems: list[str]
    requests: list[str]
    screenshot: bytes = b""


class DevTools:
    """A minimal DevTools-protocol client over Chromium's pipe (NUL-separated JSON)."""

    def __init__(self, write_fd: int, read_fd: int):
        self.write_fd, self.read_fd = write_fd, read_fd
        self.buffer, self.last_id, self.events = b"", 0, []

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self.buffer:
            ready, _, _ = select.select([self.read_fd], [], [], max(deadline - time.monotonic(), 0))
            if not ready:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self.read_fd, 1 << 20)
            if not chunk:
                raise EOFError("Chromium closed the DevTools pipe")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 30.0) -> dict:
        """Sends a command and returns its result; events seen meanwhile are kept."""
        self.last_id += 1
        message = {"id": self.last_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.write_fd, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") != self.last_id:
                self.events.append(reply)
            elif "error" in reply:
                raise RuntimeError(f"{method}: {reply['error']}")
            else:
                return reply.get("result", {})

    def wait_for(self, method: str, timeout: float = 30.0) -> None:
        """Waits until an event of this method has arrived."""
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == method for e in self.events):
            self.events.append(self._read(deadline))

    def collect(self, seconds: float) -> None:
        """Keeps reading events for a while (late scripts, timers, failed loads)."""
        deadline = time.monotonic() + seconds
        try:
            while True:
                self.events.append(self._read(deadline))
        except TimeoutError:
            pass


def problems_in(events: list[dict]) -> tuple[list[str], list[str]]:
    """(console errors and warnings, exceptions, failed loads, external requests; all URLs)."""
    problems, requests = [], []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "warning", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            problems.append(f"console.{params['type']}: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            thrown = details.get("exception", {}).get("description") or details["text"]
            problems.append(f"uncaught: {thrown}")
        elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
            entry = params["entry"]
            problems.append(f"{entry['level']} ({entry['source']}): {entry['text']} "
                            f"{entry.get('url', '')}")
        elif method == "Network.loadingFailed":
            problems.append(f"load failed: {params.get('errorText')}")
        elif method == "Network.requestWillBeSent":
            requests.append(params["request"]["url"])
    problems += [f"external request: {u}" for u in requests if not u.startswith(LOCAL_SCHEMES)]
    return problems, requests


def _start_chromium(profile: str, width: int, height: int) -> tuple[subprocess.Popen, DevTools]:
    commands_r, commands_w = os.pipe()
    answers_r, answers_w = os.pipe()
    child_r = fcntl.fcntl(commands_r, fcntl.F_DUPFD_CLOEXEC, 10)  # never 3 or 4 themselves
    child_w = fcntl.fcntl(answers_w, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(commands_r)
    os.close(answers_w)
    process = subprocess.Popen(
        [sys.executable, "-I", "-c", TRAMPOLINE, str(child_r), str(child_w), CHROMIUM,
         *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
         "about:blank"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        pass_fds=(child_r, child_w))
    os.close(child_r)
    os.close(child_w)
    return process, DevTools(commands_w, answers_r)


def _load(devtools: DevTools, url: str, settle: float, screenshot: bool) -> Page:
    target = devtools.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = devtools.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Runtime", "Log", "Network", "Page"):
        devtools.call(f"{domain}.enable", session=session)
    devtools.events.clear()
    devtools.call("Page.navigate", {"url": url}, session=session)
    devtools.wait_for("Page.loadEventFired")
    devtools.collect(settle)
    dom = devtools.call("Runtime.evaluate", {"expression": "document.documentElement.outerHTML",
                                             "returnByValue": True}, session=session)["result"]["value"]
    shot = b""
    if screenshot:
        data = devtools.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
                             session=session)["data"]
        shot = base64.b64decode(data)
    return Page(dom, *problems_in(devtools.events), screenshot=shot)


def open_in_chromium(path: str, settle: float = 2.0, screenshot: bool = False,
                     width: int = 1280, height: int = 2000) -> Page:
    """Opens a local file in headless Chromium and reports what happened."""
    profile = tempfile.mkdtemp(prefix="mlpipe-chromium-")
    process, devtools = _start_chromium(profile, width, height)
    try:
        page = _load(devtools, "file://" + os.path.abspath(path), settle, screenshot)
        devtools.call("Browser.close", timeout=10)
        return page
    finally:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        os.close(devtools.write_fd)
        os.close(devtools.read_fd)
        shutil.rmtree(profile, ignore_errors=True)


def _section(dom: str, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}">(.*?)</section>', dom, re.S)
    assert match, f"no section {section_id!r} in the rendered page"
    return match.group(1)


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))


# -- the checker itself can fail ---------------------------------------------------------
@needs_chromium
@pytest.mark.parametrize("body, expected", [
    ("<p>ok</p><script>console.error('deliberate')</script>", "console.error: deliberate"),
    ("<p>ok</p><script>notDefined()</script>", "uncaught: ReferenceError: notDefined is not defined"),
    ('<script src="https://cdnjs.cloudflare.com/x.js"></script>', "external request: https://cdnjs"),
    ('<link rel="stylesheet" href="missing.css">', "load failed: net::ERR_FILE_NOT_FOUND"),
])
def test_checker_sees_console_errors_exceptions_and_failed_loads(tmp_path, body, expected):
    page_path = tmp_path / "scratch.html"
    page_path.write_text(f"<!DOCTYPE html><html><body>{body}</body></html>")
    page = open_in_chromium(str(page_path), settle=0.5)
    assert any(p.startswith(expected) for p in page.problems), page.problems
    clean = tmp_path / "clean.html"
    clean.write_text("<!DOCTYPE html><html><body><p>x</p>"
                     "<script>console.log('fine')</script></body></html>")
    assert open_in_chromium(str(clean), settle=0.5).problems == []


# -- a real run ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def penguin(tmp_path_factory):
    """One real penguin run, its metadata store and its report."""
    from pipeline.runner.local import LocalRunner

    root = tmp_path_factory.mktemp("report-penguin")
    pipeline = create_pipeline(root=str(root))
    result = LocalRunner().run(pipeline)
    assert result.ok, result.message
    store = MetadataStore(pipeline.metadata)
    started = time.time()
    path = write_report(store, result.run_id, str(root / "report.html"))
    return {"pipeline": pipeline, "result": result, "store": store, "path": path,
            "seconds": time.time() - started}


@pytest.fixture(scope="module")
def rendered(penguin):
    if CHROMIUM is None:
        pytest.skip("needs Chromium (apt-get install chromium)")
    return open_in_chromium(penguin["path"], screenshot=bool(os.environ.get("MLPIPE_REPORT_SCREENSHOT")))


@pytest.mark.slow
def test_report_renders_every_section_offline_without_console_errors(penguin, rendered):
    assert rendered.problems == []
    assert rendered.requests == ["file://" + penguin["path"]]
    for section_id in SECTIONS:
        assert _section(rendered.dom, section_id)
    if os.environ.get("MLPIPE_REPORT_SCREENSHOT"):
        with open(os.environ["MLPIPE_REPORT_SCREENSHOT"], "wb") as handle:
            handle.write(rendered.screenshot)


@pytest.mark.slow
def test_report_is_self_contained(penguin):
    with open(penguin["path"], encoding="utf-8") as handle:
        document = handle.read()
    assert "<script" not in document
    assert not re.search(r'(?:src|href)="(?!#)[^"]*"', document)
    assert "url(" not in document and "@import" not in document


@pytest.mark.slow
def test_report_shows_statistics_anomalies_metrics_blessing_and_push(penguin, rendered):
    result = penguin["result"]
    statistics = _text(_section(rendered.dom, "statistics"))
    assert "Split train" in statistics and "Split eval" in statistics
    assert "Facets Overview" in statistics and "bill_length_mm" in statistics
    assert "Biscoe (" in statistics and '<svg class="hist"' in _section(rendered.dom, "statistics")
    assert "No anomalies" in _text(_section(rendered.dom, "anomalies"))
    metrics = _text(_section(rendered.dom, "metrics"))
    assert "sparse_categorical_accuracy" in metrics and "Overall" in metrics
    for island in ("island=Biscoe", "island=Dream", "island=Torgersen"):
        assert island in metrics
    blessing = _text(_section(rendered.dom, "blessing"))
    assert "BLESSED" in blessing and "SparseCategoricalAccuracy" in blessing and "0.9" in blessing
    model = result.output("Trainer", "model")
    assert f"Model #{model.id}" in blessing
    pushed = result.find_output("PushedModel")
    pushed_html = _section(rendered.dom, "pushed")
    assert f'<strong class="pushed-version">{pushed.get("pushed_version")}</strong>' in pushed_html
    summary = _text(_section(rendered.dom, "summary"))
    assert result.run_id in summary and "COMPLETE" in summary and "Pusher" in summary


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz (apt-get install graphviz)")
def test_lineage_is_an_inline_svg_of_the_run(penguin, rendered):
    lineage = _section(rendered.dom, "lineage")
    assert "<svg" in lineage and "</svg>" in lineage
    text = _text(lineage)
    for name in ("ExampleGen", "Trainer", "Pusher", "PushedModel", "ModelBlessing"):
        assert name in text


@pytest.mark.slow
def test_report_command_writes_latest_run_under_the_root(penguin, capsys):
    parser = argparse.ArgumentParser(prog="mlpipe")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["report", "latest", "--root", penguin["pipeline"].root])
    latest = penguin["store"].runs("penguin")[0].run_id
    assert COMMANDS[args.command](args) == 0
    expected = os.path.join(penguin["pipeline"].root, "reports", f"{latest}.html")
    assert capsys.readouterr().out.strip() == expected and os.path.isfile(expected)
    missing = parser.parse_args(["report", "no-such-run", "--root", penguin["pipeline"].root])
    assert COMMANDS[missing.command](missing) == 2
    assert "no run 'no-such-run'" in capsys.readouterr().err


@pytest.mark.slow
def test_cached_run_reports_the_reused_outputs(penguin, tmp_path):
    from pipeline.runner.local import LocalRunner

    again = LocalRunner().run(create_pipeline(root=penguin["pipeline"].root))
    assert again.ok, again.message
    path = write_report(penguin["store"], again.run_id, str(tmp_path / "cached.html"))
    with open(path, encoding="utf-8") as handle:
        document = handle.read()
    states = re.findall(r'<span class="badge [a-z]*">(COMPLETE|CACHED)</span>',
                        _section(document, "summary"))
    assert "CACHED" in states
    assert "island=Biscoe" in _section(document, "metrics")
    assert "pushed-version" in _section(document, "pushed")


def test_failed_run_renders_what_exists_and_the_failure(tmp_path):
    from pipeline.runner.local import LocalRunner

    pipeline = create_pipeline(root=str(tmp_path / "root"), data_path="/nonexistent.csv")
    result = LocalRunner().run(pipeline)
    assert result.status == "FAILED"
    path = write_report(MetadataStore(pipeline.metadata), result.run_id, str(tmp_path / "failed.html"))
    with open(path, encoding="utf-8") as handle:
        document = handle.read()
    summary = _text(_section(document, "summary"))
    assert "FAILED" in summary and "/nonexistent.csv: no such file or folder" in summary
    assert "No statistics" in _text(_section(document, "statistics"))
    assert "No metrics" in _text(_section(document, "metrics"))
    assert "NOT PUSHED" in _text(_section(document, "pushed"))
    if CHROMIUM is not None:
        page = open_in_chromium(path, settle=0.5)
        assert page.problems == []
        assert all(f'<section id="{s}">' in page.dom for s in SECTIONS)
