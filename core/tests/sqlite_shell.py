"""Run a script in `manage.py shell` on a fresh SQLite database, the default for local runs.

For the code paths that prepare values themselves (statements built once, `core/rows.py`):
SQLite's driver binds fewer types than psycopg (no UUID, no datetime), so they must pass the
values each field prepares. The suite's own database is PostgreSQL, hence a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def run_on_fresh_sqlite(tmp_path: Path, script: str) -> subprocess.CompletedProcess[str]:
    """Migrate a new SQLite database under `tmp_path`, then run `script` against it."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'local.sqlite3'}",
        "DEBUG": "1",
        "ALLOWED_HOSTS": "testserver",  # the test client's host name
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=BASE_DIR, env=env, check=True, timeout=300)
    return subprocess.run(
        [*manage, "shell", "-c", script],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
