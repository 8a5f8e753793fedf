"""Load on the regions children endpoint, as a ratio to a bare Django JSON endpoint.

Both are served by the same gunicorn (2 workers, PostgreSQL) in the same run and hit by wrk in
alternation (bare, children, bare, children ...), so the ratio is measured side by side:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cunshe_bench \
        .venv/bin/python bench/api_children_load.py

Needs: PostgreSQL (the named database is dropped and re-created), wrk (Debian package `wrk`).
Not part of CI. Prints requests/s for both and their ratio.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from _common import recreate_database

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
PORT = int(os.environ.get("BENCH_PORT", "8765"))
DURATION = os.environ.get("BENCH_DURATION", "8s")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PARENT = os.environ.get("BENCH_PARENT", "220182")  # 榆树市: 28 townships


def _env(var_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        CUNSHE_ENV="development",
        CUNSHE_DEBUG="0",
        CUNSHE_VAR_DIR=var_dir,
        CUNSHE_BENCH_ENDPOINT="1",
        CUNSHE_REQUIRE_2FA="0",
        CUNSHE_LOG_LEVEL="WARNING",
    )
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    out = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return out.stdout


# A throwaway user in a throwaway database.
TOKEN_SCRIPT = """
from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.services import api_token_create
from cunshe.regions.models import Region
user = User.objects.create_user("bench", password="bench-password-123")
a = RoleAssignment.objects.create(
    user=user, role="province_official", region=Region.objects.get(code="22")
)
token, secret = api_token_create(user=user, assignment=a, name="bench")
print("TOKEN=" + secret)
"""  # noqa: S105


def _wrk(url: str, headers: list[str]) -> float:
    cmd = ["wrk", "-t2", "-c16", f"-d{DURATION}", "--latency"]
    for h in headers:
        cmd += ["-H", h]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if non2xx:
        raise SystemExit(f"{url}: {non2xx.group(1)} error responses — check the server log")
    return float(m.group(1)) if m else 0.0


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        print("Set DATABASE_URL to a PostgreSQL database (it will be re-created).")
        return 2
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk")
        return 2
    var_dir = tempfile.mkdtemp(prefix="cunshe-bench-")
    env = _env(var_dir)
    subprocess.run([PY, "-m", "cunshe.keys", f"{var_dir}/keys.json"], check=True, cwd=ROOT)
    recreate_database(url)
    _manage(env, "migrate", "--no-input", "-v", "0")
    _manage(env, "import_regions", "--province", "22")
    token = _manage(env, "shell", "-c", TOKEN_SCRIPT).split("TOKEN=")[1].strip()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "cunshe.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{PORT}"
        for _ in range(50):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)  # noqa: S310 - loopback
                break
            except OSError:
                time.sleep(0.2)
        auth = [f"Authorization: Bearer {token}"]
        children = f"{base}/api/v1/regions/{PARENT}/children"
        bare_rps, child_rps = [], []
        for _ in range(ROUNDS):
            bare_rps.append(_wrk(base + "/bench/bare", []))
            child_rps.append(_wrk(children, auth))
        bare, child = max(bare_rps), max(child_rps)
        print(f"bare Django JSON endpoint : {bare:9.1f} req/s  (rounds: {bare_rps})")
        print(f"regions children endpoint: {child:9.1f} req/s  (rounds: {child_rps})")
        print(f"ratio children/bare      : {child / bare:9.3f}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        shutil.rmtree(var_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
