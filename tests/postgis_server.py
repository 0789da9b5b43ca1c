"""A throwaway PostgreSQL + PostGIS server for the tests: initdb, pg_ctl, a loopback port.

The cluster lives in a temporary folder and is removed afterwards. PostgreSQL
refuses to run as root, so as root the server runs as the ``postgres`` system
user (created by Debian's postgresql package) through ``runuser``.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

SERVER_USER = "postgres"
DATABASE = "spatial_test"
ROLE = "planner"


def postgres_bin() -> Path | None:
    """Return the newest PostgreSQL server binaries folder that has initdb, or None."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    return Path(found[-1]).parent if found else None


def postgis_missing(bin_dir: Path) -> str | None:
    """Return why PostGIS cannot be created in this server, or None when it can."""
    version = bin_dir.parent.name
    control = Path(f"/usr/share/postgresql/{version}/extension/postgis.control")
    if not control.exists():
        return f"PostGIS is not installed for PostgreSQL {version} (postgresql-{version}-postgis-3)"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", SERVER_USER, "--", *command]


def _run(command: list[str]) -> None:
    done = subprocess.run(_as_server_user(command), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command[:2])} failed: {(done.stderr or done.stdout).strip()}"
        )


class PostgisServer:
    """A fresh cluster with a PostGIS database: :meth:`start` returns its URL, :meth:`stop`."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.folder = Path(tempfile.mkdtemp(prefix="spatial-pg-"))
        self.data = self.folder / "data"
        self.started = False

    def start(self) -> str:
        """Run initdb and pg_ctl start, create the database and PostGIS; return the URL."""
        if os.geteuid() == 0:
            user = pwd.getpwnam(SERVER_USER)
            os.chown(self.folder, user.pw_uid, user.pw_gid)
        port = _free_port()
        _run([str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", ROLE, "--auth=trust",
              "-E", "UTF8", "--no-locale"])  # fmt: skip
        options = f"-p {port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        _run([str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-o", options,
              "-l", str(self.folder / "server.log"), "-w", "-t", "60", "start"])  # fmt: skip
        self.started = True
        _create_database(port)
        return f"postgresql://{ROLE}@127.0.0.1:{port}/{DATABASE}"

    def stop(self) -> None:
        """Stop the server (when it started) and remove its folder."""
        try:
            if self.started:
                _run(
                    [str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]
                )
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def _create_database(port: int) -> None:
    import psycopg  # noqa: PLC0415 - a runtime dependency of spatial.io.postgis

    with psycopg.connect(f"host=127.0.0.1 port={port} user={ROLE} dbname=postgres") as conn:
        conn.autocommit = True
        conn.execute(f"CREATE DATABASE {DATABASE}")
    with psycopg.connect(f"host=127.0.0.1 port={port} user={ROLE} dbname={DATABASE}") as conn:
        conn.execute("CREATE EXTENSION postgis")
        conn.commit()
