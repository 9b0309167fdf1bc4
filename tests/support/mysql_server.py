"""A throwaway MariaDB server for tests of the ML Metadata MySQL path.

`MariaDbServer` initialises a fresh data directory in a temp folder, starts
`mariadbd` on 127.0.0.1 with a free port (and a Unix socket in the same
folder), creates a database and a password user that may connect over TCP
(as ML Metadata does), and on exit shuts the server down and deletes the
folder. Nothing of the machine's own MariaDB (config files, service, data) is
read or touched: every program runs with `--no-defaults`.

    with MariaDbServer() as server:
        config = MySqlConfig(host=server.host, port=server.port, database=server.database,
                             user=server.user, password=server.password)

Test modules skip with `SKIP_MESSAGE` when `server_binary()` is None: Debian's
mariadb-server is not installed (`.ci/install-mariadb.sh` installs it).
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

SKIP_MESSAGE = "mariadb-server is not installed: run .ci/install-mariadb.sh"
_SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin", "/sbin")
_MAX_SOCKET_PATH = 100  # sun_path holds 108 bytes on Linux
_NAME = re.compile(r"^[A-Za-z0-9_]+$")


class MariaDbError(RuntimeError):
    """The server could not be initialised, started, set up or queried."""


def find_program(*names: str) -> str | None:
    """The first of `names` on PATH or in the sbin folders (not always on PATH), or None."""
    search_path = os.pathsep.join([os.environ.get("PATH", ""), *_SBIN_DIRS])
    for name in names:
        found = shutil.which(name, path=search_path)
        if found:
            return found
    return None


def server_binary() -> str | None:
    """The MariaDB server program (`mariadbd`, or `mysqld` on older packages), or None."""
    return find_program("mariadbd", "mysqld")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _required(*names: str) -> str:
    program = find_program(*names)
    if program is None:
        raise MariaDbError(f"none of {', '.join(names)} found; {SKIP_MESSAGE}")
    return program


def _quote(value: str) -> str:
    """An SQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _make_base_dir() -> Path:
    """A temp folder short enough for the Unix socket path inside it."""
    base = Path(tempfile.mkdtemp(prefix="mlpipe-mariadb-"))
    if len(str(base / "mysqld.sock")) > _MAX_SOCKET_PATH:
        base.rmdir()
        base = Path(tempfile.mkdtemp(prefix="mlpipe-mariadb-", dir="/tmp"))
    return base


class MariaDbServer:
    """A private `mariadbd` on 127.0.0.1, alive inside `with` (or between start() and stop()).

    host, port, database, user and password are what a client gives to connect
    over TCP; the user has every privilege on `database` and on any database
    made with `create_database()`.
    """

    host = "127.0.0.1"

    def __init__(self, database: str = "mlmd", user: str = "mlpipe",
                 password: str | None = None, startup_timeout: float = 60.0):
        for name in (database, user):
            if not _NAME.match(name):
                raise ValueError(f"{name!r}: use letters, digits and underscores only")
        self.database = database
        self.user = user
        self.password = password or secrets.token_hex(12)
        self.port = 0
        self.startup_timeout = startup_timeout
        self.base_dir: Path | None = None
        self.startup_seconds = 0.0
        self._process: subprocess.Popen | None = None

    # -- paths ---------------------------------------------------------------
    def _path(self, name: str) -> Path:
        if self.base_dir is None:
            raise MariaDbError("the server is not started")
        return self.base_dir / name

    @property
    def socket_path(self) -> str:
        return str(self._path("mysqld.sock"))

    @property
    def error_log(self) -> Path:
        return self._path("server.log")

    @property
    def url(self) -> str:
        return f"mysql://{self.user}@{self.host}:{self.port}/{self.database}"

    # -- lifecycle -----------------------------------------------------------
    def __enter__(self) -> "MariaDbServer":
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    def start(self) -> "MariaDbServer":
        """Initialises the data directory, starts the server, creates the user and database."""
        started = time.monotonic()
        self.base_dir = _make_base_dir()
        try:
            self._install_db()
            self._launch_until_ready(started + self.startup_timeout)
            self._create_user()
            self.create_database(self.database)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Shuts the server down (politely, then by signal) and deletes its folder."""
        try:
            if self._process is not None and self._process.poll() is None:
                self._shutdown(timeout)
        finally:
            self._process = None
            if self.base_dir is not None:
                shutil.rmtree(self.base_dir, ignore_errors=True)
                self.base_dir = None

    def halt(self, timeout: float = 30.0) -> None:
        """Shuts the server down but keeps its data: a database that crashed or restarts."""
        if self._process is not None and self._process.poll() is None:
            self._shutdown(timeout)

    def resume(self) -> None:
        """Starts a halted server again, on the same port, with its data."""
        self._launch(port=self.port)
        self._wait_until_ready(time.monotonic() + self.startup_timeout)

    # -- steps ---------------------------------------------------------------
    def _user_options(self) -> list[str]:
        """mariadbd refuses to run as root unless told to; as anyone else it needs nothing."""
        return ["--user=root"] if os.geteuid() == 0 else []

    def _install_db(self) -> None:
        command = [_required("mariadb-install-db", "mysql_install_db"), "--no-defaults",
                   f"--datadir={self._path('data')}", "--auth-root-authentication-method=normal",
                   "--skip-test-db", *self._user_options()]
        completed = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if completed.returncode != 0:
            raise MariaDbError(f"{' '.join(command)} failed ({completed.returncode}):\n"
                               f"{completed.stdout[-3000:]}{completed.stderr[-3000:]}")

    def _server_command(self) -> list[str]:
        binary = server_binary()
        if binary is None:
            raise MariaDbError(SKIP_MESSAGE)
        return [binary, "--no-defaults", f"--datadir={self._path('data')}", *self._user_options(),
                "--skip-networking=0", f"--bind-address={self.host}", f"--port={self.port}",
                f"--socket={self.socket_path}", f"--pid-file={self._path('mysqld.pid')}",
                f"--log-error={self.error_log}", "--skip-name-resolve", "--skip-log-bin",
                # as Debian's packaged config (and MySQL 8) have it; --no-defaults means latin1
                "--character-set-server=utf8mb4", "--collation-server=utf8mb4_general_ci"]

    def _launch_until_ready(self, deadline: float, attempts: int = 3) -> None:
        """Starts the server; picks another port if the free one was taken meanwhile."""
        for attempt in range(1, attempts + 1):
            self._launch()
            try:
                self._wait_until_ready(deadline)
                return
            except MariaDbError as error:
                lost_port = "Address already in use" in str(error)
                if not lost_port or attempt == attempts:
                    raise

    def _launch(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.error_log.unlink(missing_ok=True)
        with open(self._path("stdout.log"), "wb") as output:
            self._process = subprocess.Popen(self._server_command(), stdout=output,
                                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                             start_new_session=True)

    def _logs(self) -> str:
        return (f"--- {self.error_log} (tail) ---\n{_tail(self.error_log)}\n"
                f"--- {self._path('stdout.log')} (tail) ---\n{_tail(self._path('stdout.log'))}")

    def _wait_until_ready(self, deadline: float) -> None:
        """Until the server answers on both its socket and its TCP port (bounded)."""
        assert self._process is not None
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise MariaDbError(f"mariadbd exited with {self._process.returncode} "
                                   f"before accepting connections\n{self._logs()}")
            if self._answers_on_socket() and self._accepts_tcp():
                return
            time.sleep(0.1)
        raise MariaDbError(f"mariadbd did not accept connections on {self.host}:{self.port} "
                           f"within {self.startup_timeout:.0f}s\n{self._logs()}")

    def _answers_on_socket(self) -> bool:
        if not os.path.exists(self.socket_path):
            return False
        command = [_required("mariadb-admin", "mysqladmin"), "--no-defaults",
                   f"--socket={self.socket_path}", "--user=root", "--connect-timeout=2", "ping"]
        try:
            return subprocess.run(command, capture_output=True, timeout=10).returncode == 0
        except subprocess.TimeoutExpired:
            return False

    def _accepts_tcp(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=2):
                return True
        except OSError:
            return False

    def _create_user(self) -> None:
        statements = [f"CREATE USER '{self.user}'@'{host}' IDENTIFIED BY {_quote(self.password)}"
                      for host in (self.host, "%")]
        self.sql(";\n".join(statements) + ";")

    def _shutdown(self, timeout: float) -> None:
        assert self._process is not None
        command = [_required("mariadb-admin", "mysqladmin"), "--no-defaults",
                   f"--socket={self.socket_path}", "--user=root", "--connect-timeout=5",
                   "--shutdown-timeout=20", "shutdown"]
        try:
            asked = subprocess.run(command, capture_output=True, timeout=timeout)
            self._process.wait(timeout=timeout if asked.returncode == 0 else 1)
        except (subprocess.TimeoutExpired, MariaDbError, OSError):
            self._process.terminate()
            try:
                self._process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=timeout)

    # -- administration ------------------------------------------------------
    def sql(self, statements: str, database: str | None = None) -> str:
        """Runs SQL as root over the Unix socket; returns the tab-separated output rows."""
        command = [_required("mariadb", "mysql"), "--no-defaults", f"--socket={self.socket_path}",
                   "--user=root", "--batch", "--skip-column-names",
                   *([f"--database={database}"] if database else []), f"--execute={statements}"]
        completed = subprocess.run(command, capture_output=True, text=True, timeout=60)
        if completed.returncode != 0:
            raise MariaDbError(f"SQL failed ({completed.returncode}): {statements}\n"
                               f"{completed.stderr.strip()}")
        return completed.stdout

    def create_database(self, name: str) -> str:
        """An empty database the user may do anything in (a fresh store per test)."""
        if not _NAME.match(name):
            raise ValueError(f"{name!r}: use letters, digits and underscores only")
        grants = [f"GRANT ALL PRIVILEGES ON `{name}`.* TO '{self.user}'@'{host}'"
                  for host in (self.host, "%")]
        self.sql(";\n".join([f"CREATE DATABASE `{name}`", *grants]) + ";")
        return name
