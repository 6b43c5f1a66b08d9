"""A real PostgreSQL server for the tests and the benchmarks (not a fake: the helper lives with them).

    server = PostgresServer.start()          # initdb into a temporary directory, pg_ctl start
    url = server.create_database("t1")       # postgresql://bot:PASSWORD@127.0.0.1:PORT/t1
    server.stop(); server.start_again()      # an outage, on the same port and data
    server.destroy()                         # stop and delete everything

It runs the system's binaries (Debian: /usr/lib/postgresql/*/bin, from the `postgresql` package) on
127.0.0.1 and a free port only, with password (SCRAM) authentication over TCP. PostgreSQL refuses to
run as root: as root, the server runs as the `postgres` system user (runuser), its directory owned by it.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

APT = "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql"
USER = "bot"


class Unavailable(RuntimeError):
    """No PostgreSQL binaries here (or no user to run them as)."""


def find_bin() -> Path:
    """The directory of initdb and pg_ctl: $PG_BIN, else the newest /usr/lib/postgresql/*/bin, else PATH."""
    candidates = [os.environ.get("PG_BIN", "")]
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True)
    found = shutil.which("initdb")
    candidates.append(str(Path(found).parent) if found else "")
    for c in candidates:
        if c and (Path(c) / "initdb").is_file() and (Path(c) / "pg_ctl").is_file():
            return Path(c)
    raise Unavailable(f"no PostgreSQL server binaries (initdb, pg_ctl); install them: {APT}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self, bindir: Path, base: Path, port: int, password: str, as_user: list[str]):
        self.bindir, self.base, self.port, self.password = bindir, base, port, password
        self._as = as_user
        self.data = base / "data"

    @classmethod
    def start(cls, *, fsync: bool = False) -> PostgresServer:
        """A new cluster, started. fsync=False (tests): faster, and safe for a throwaway directory."""
        bindir = find_bin()
        as_user: list[str] = []
        base = Path(tempfile.mkdtemp(prefix="referral-pg-"))
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                shutil.rmtree(base, ignore_errors=True)
                raise Unavailable(f"running as root and there is no `postgres` user to run the server as: {APT}") from None
            os.chown(base, pw.pw_uid, pw.pw_gid)
            as_user = ["runuser", "-u", "postgres", "--"]
        password = secrets.token_urlsafe(18)
        server = cls(bindir, base, free_port(), password, as_user)
        pwfile = base / "pw"
        pwfile.write_text(password + "\n")
        if as_user:
            os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)
        server._run("initdb", "-D", str(server.data), "-U", USER, f"--pwfile={pwfile}", "--auth-local=trust",
                    "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8")  # fmt: skip
        pwfile.unlink()
        conf = ["listen_addresses = '127.0.0.1'", f"port = {server.port}", f"unix_socket_directories = '{base}'",
                f"fsync = {'on' if fsync else 'off'}", "max_connections = 100", "log_min_messages = warning"]  # fmt: skip
        with (server.data / "postgresql.conf").open("a") as f:
            f.write("\n".join(conf) + "\n")
        server.start_again()
        return server

    def _run(self, program: str, *args: str, timeout: float = 120) -> None:
        cmd = [*self._as, str(self.bindir / program), *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=self.base)
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr[-2000:]}")

    def start_again(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.base / "log"), "-w", "-t", "60", "start")

    def stop(self) -> None:
        """Stop at once (connections are cut), as an outage would."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "60", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(Exception):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "60", "stop")
        shutil.rmtree(self.base, ignore_errors=True)

    def url(self, database: str = "postgres", *, scheme: str = "postgresql") -> str:
        return f"{scheme}://{USER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(self.url(), autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f'CREATE DATABASE "{name}"')
                return self.url(name)
            except psycopg.OperationalError:  # the server is still starting up
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
