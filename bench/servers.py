"""Processes the intake, load and fault benchmarks start and stop themselves.

* :func:`gunicorn` — one of our WSGI apps under gunicorn (gthread), waited for
  on ``/healthz``;
* :func:`private_redis` — a throwaway ``redis-server`` on its own port, so a
  ``FLUSHALL`` or a pile of queued jobs never touches anybody else's Redis;
* :class:`PrivateCluster` — a throwaway PostgreSQL cluster (``initdb`` into a
  temporary directory, its own port) that may be stopped and restarted at will;
  the shared server on 5432 is never restarted.
* :func:`prepare_app_database` — a fresh database, migrated and seeded through
  the ``flask`` CLI, with an API key for the demo ``operator``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "bench-secret-key"  # noqa: S105 -- throwaway local databases: fixed values are fine
DEMO_PASSWORD = "Bench-Password-2026"  # noqa: S105


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 -- our local server
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def app_env(database_url: str, redis_url: str | None, instance: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET_KEY,
        "HIMCRM_INSTANCE_PATH": str(instance),
    }
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


@contextlib.contextmanager
def gunicorn(
    app_spec: str,
    env: dict[str, str],
    *,
    workers: int = 2,
    threads: int = 8,
    cwd: Path = ROOT,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """(base URL, master process) of ``gunicorn app_spec``; stopped on exit.

    ``cwd`` is the source tree the app is imported from (``python -m`` puts it
    first on ``sys.path``): another checkout serves that version of the code.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--worker-class",
        "gthread",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--keep-alive",
        "30",
        "--graceful-timeout",
        "5",
        "--log-level",
        "warning",
        app_spec,
    ]
    process = subprocess.Popen(command, cwd=cwd, env=env)  # noqa: S603 -- our own command
    try:
        wait_http(base + "/healthz")
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


@contextlib.contextmanager
def checkout(ref: str) -> Iterator[Path]:
    """A detached worktree of ``ref`` (e.g. ``HEAD~3``), removed on exit."""
    directory = Path(tempfile.mkdtemp(prefix="himcrm-checkout-"))
    git = ["git", "-C", str(ROOT)]
    add = [*git, "worktree", "add", "--detach", "--quiet", str(directory), ref]
    subprocess.run(add, check=True)  # noqa: S603 -- git with our own arguments
    try:
        yield directory
    finally:
        subprocess.run([*git, "worktree", "remove", "--force", str(directory)], check=False)  # noqa: S603


def describe(ref: str) -> str:
    """``<short hash> <subject>`` of a commit."""
    return subprocess.run(  # noqa: S603
        ["git", "-C", str(ROOT), "log", "-1", "--format=%h %s", ref],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()[:90]


@contextlib.contextmanager
def private_redis() -> Iterator[str]:
    """``redis://127.0.0.1:<port>/0`` of a fresh redis-server without persistence."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 -- fixed argv
        [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        import redis

        client = redis.Redis(port=port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"no {name} binary (PostgreSQL server binaries are needed)")
    return path


class PrivateCluster:
    """A PostgreSQL cluster of our own: initdb, start, stop, restart, destroy.

    Runs as the ``postgres`` system user when we are root (initdb refuses root).
    Trust authentication on 127.0.0.1 only; fsync off (a benchmark cluster).
    """

    def __init__(self, port: int | None = None, directory: str | None = None) -> None:
        self.port = port or free_port()
        self.directory = Path(directory or tempfile.mkdtemp(prefix="pg-faults-"))
        self.data = self.directory / "data"
        self.log = self.directory / "server.log"

    # -- process helpers
    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = list(args)
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(  # noqa: S603 -- PostgreSQL's own tools, fixed arguments
            command, check=check, capture_output=True, text=True, timeout=120
        )

    def init(self) -> PrivateCluster:
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run(
            _pg_bin("initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )
        return self

    def pg_ctl(self, action: str, *, wait: bool = True) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        args = [_pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log)]
        if action in {"start", "restart"}:
            args += ["-o", options]
        if action in {"stop", "restart"}:
            args += ["-m", "fast"]
        args += ["-w" if wait else "-W", action]
        self._run(*args)

    def start(self) -> None:
        self.pg_ctl("start")

    def stop(self) -> None:
        self.pg_ctl("stop")

    def restart(self) -> None:
        self.pg_ctl("restart")

    @property
    def server_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}"

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.pg_ctl("stop")
        shutil.rmtree(self.directory, ignore_errors=True)


@contextlib.contextmanager
def private_cluster() -> Iterator[PrivateCluster]:
    cluster = PrivateCluster().init()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


def recreate_database(server_url: str, name: str) -> str:
    """Drop and create ``name`` on ``server_url``; its SQLAlchemy URL."""
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://{server_url.split('://', 1)[1]}/{name}"


def drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def flask_cli(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603 -- this interpreter running our CLI
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return result.stdout


def prepare_app_database(env: dict[str, str], *, client_name: str = "bench") -> str:
    """Migrate and seed (reference data, demo users) by the CLI; an API key for ``operator``."""
    flask_cli(env, "db", "upgrade")
    flask_cli(env, "seed", "--demo", "--demo-password", DEMO_PASSWORD)
    out = flask_cli(env, "api-client", client_name, "--scope", "api", "--user", "operator")
    for line in out.splitlines():
        if line.startswith("key: "):
            return line.removeprefix("key: ").strip()
    raise RuntimeError("api-client printed no key")
