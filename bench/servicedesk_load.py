"""Load on the villager's status page and the applications list API, as ratios to a bare Django
endpoint, with p95 latency — on PostgreSQL with a large register and over a million matters.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cunshe_bench_servicedesk_load \\
        .venv/bin/python bench/servicedesk_load.py [--villages N] [--applications N] [--reuse]

Needs: PostgreSQL (the named database is dropped and re-created; with --reuse it is kept and only
what is missing is added — give the keys it was encrypted with in BENCH_KEY_FILE), wrk (Debian
package `wrk`). Not part of CI.

What it builds
1. migrate, import_regions, workdays_seed, `demo_seed` (the demo cast, the catalogue and the
   demo villages' matters, made through the services).
2. The register of the first N rural villages in code order through `demo_seed --scale province
   --villages N`. The default N takes every village up to and including 榆树市 (1,412 villages,
   ≈ 1.2 M persons), so the demo's township officer (闵家镇) and county officer (榆树市民政)
   stand over a full county; `--villages 0` fills the whole province (≈ 9,300 villages, 7.9 M
   persons — about an hour on a 2-core machine).
3. `--applications` matters (default 1,050,000) with INSERT … SELECT generate_series over the
   register's living persons: items weighted as in the demo and routed like the services route
   them (village / township / county department by the item's level), modes with their 委托/领办
   fields, states and dates spread over two years (older matters finished, recent ones open, a
   share overdue), receipt numbers in the real alphabet; then one timeline event per step
   (≈ 3.4 per matter). Statistics are refreshed (ANALYZE).
4. gunicorn with 2 sync workers, and wrk (2 threads, 16 connections) in rounds, side by side:
   the bare endpoint (/bench/bare), the public status lookup (POST /desk/status/ with a random
   receipt number and the right last four phone digits, CSRF token included — only failed
   lookups are rate-limited, so the real limiter stays on), and GET /api/v1/servicedesk/
   applications/ (first pages, with and without status/item filters) as the township officer
   `xiangzhen` and as the county 民政 officer `minzheng`, with API tokens.

Prints requests/s (best round, as bench/api_children_load.py), its ratio to the bare endpoint's
best round, and p95 latency (median over the rounds, from wrk's latency histogram through a Lua
`done` hook; wrk's own --latency table stops at 90 and 99 %).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from _common import recreate_database

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
PORT = int(os.environ.get("BENCH_PORT", "8766"))
DURATION = os.environ.get("BENCH_DURATION", "10s")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # the receipt numbers' (models.new_receipt_number)
API = "/api/v1/servicedesk/applications/"


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


def _manage(env: dict[str, str], *args: str, quiet: bool = True) -> str:
    out = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=quiet, text=True
    )
    return out.stdout or ""


def _connect(url: str):  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)


# --- the matters, in SQL ----------------------------------------------------------------------

# Item codes and weights as in the demo (cunshe/demo/servicedesk.py); others weigh 1.
ITEM_WEIGHTS = {
    "JL-YB-001": 12, "JL-CW-001": 10, "JL-RS-001": 8, "JL-NY-002": 8, "JL-MZ-004": 6,
    "JL-MZ-001": 6, "JL-MZ-007": 5, "JL-MZ-003": 5, "JL-CW-002": 5, "JL-WJ-005": 5,
    "JL-RS-003": 4, "JL-CW-003": 3, "JL-CW-004": 3, "JL-WJ-001": 3, "JL-GA-001": 2,
    "JL-MZ-002": 2, "JL-SF-001": 2, "JL-NY-001": 2, "JL-RS-002": 4, "JL-YB-002": 2,
}  # fmt: skip
LEVEL_LENGTH = {"village": 12, "township": 9, "county": 6}
PATHS = {
    "submitted": ["submitted"],
    "returned": ["submitted", "returned"],
    "accepted": ["submitted", "accepted"],
    "rejected": ["submitted", "rejected"],
    "withdrawn": ["submitted", "withdrawn"],
    "in_progress": ["submitted", "accepted", "in_progress"],
    "approved": ["submitted", "accepted", "in_progress", "approved"],
    "refused": ["submitted", "accepted", "in_progress", "refused"],
    "delivered": ["submitted", "accepted", "in_progress", "approved", "delivered"],
    "closed": ["submitted", "accepted", "in_progress", "approved", "closed"],
}
TEXTS = {
    "submitted": "申请已提交，等待受理。",
    "returned": "需要补充材料：请补充户口簿。（补齐前办理时限暂停）",
    "accepted": "已受理。",
    "rejected": "不予受理：申请人已享受同类待遇。",
    "withdrawn": "申请已撤回。",
    "in_progress": "正在办理。",
    "approved": "审核通过，准予办理。",
    "refused": "不予批准：不符合条件。",
    "delivered": "办理结果已送达。",
    "closed": "已办结。",
}
ENCODE_SQL = """
CREATE OR REPLACE FUNCTION bench_receipt(v bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT string_agg(substr('{alphabet}', ((v / p) % 31)::int + 1, 1), '' ORDER BY k)
  FROM unnest(ARRAY[{powers}]::bigint[]) WITH ORDINALITY AS t(p, k)
$$
"""
# Recent matters (≤ 45 days) are in every state; older ones are finished, bar a stale few.
STATUS_SQL = """
CASE WHEN s.age > 45 THEN
  CASE WHEN s.r_state < 0.42 THEN 'closed' WHEN s.r_state < 0.84 THEN 'delivered'
       WHEN s.r_state < 0.91 THEN 'rejected' WHEN s.r_state < 0.96 THEN 'withdrawn'
       WHEN s.r_state < 0.985 THEN 'returned' ELSE 'in_progress' END
ELSE
  CASE WHEN s.r_state < 0.12 THEN 'submitted' WHEN s.r_state < 0.19 THEN 'returned'
       WHEN s.r_state < 0.27 THEN 'accepted' WHEN s.r_state < 0.47 THEN 'in_progress'
       WHEN s.r_state < 0.52 THEN 'approved' WHEN s.r_state < 0.54 THEN 'refused'
       WHEN s.r_state < 0.74 THEN 'delivered' WHEN s.r_state < 0.90 THEN 'closed'
       WHEN s.r_state < 0.95 THEN 'rejected' ELSE 'withdrawn' END
END
"""


def _build_matters(url: str, count: int) -> None:
    """`count` matters and their timeline events, in SQL, over the register's living persons."""
    conn = _connect(url)
    cur = conn.cursor()
    cur.execute("SET synchronous_commit = off")
    cur.execute("SET work_mem = '256MB'")
    started = time.perf_counter()
    cur.execute(
        "SELECT id FROM accounts_user WHERE username = 'daiban'"
    )  # every bench matter is the 闵家村 clerk's intake (created_by is only an FK here)
    clerk = cur.fetchone()[0]
    cur.execute(
        "SELECT id, code, level, department, promised_days, modes FROM servicedesk_serviceitem"
        " WHERE active ORDER BY code"
    )
    items = cur.fetchall()
    total = sum(ITEM_WEIGHTS.get(code, 1) for _id, code, *_rest in items)
    cur.execute("DROP TABLE IF EXISTS bench_items, bench_people, bench_paths")
    cur.execute(
        "CREATE UNLOGGED TABLE bench_items (lo float8, hi float8, item_id bigint, level text, "
        "len int, department text, promised int, modes text[])"
    )
    lo = 0.0
    for item_id, code, level, department, promised, modes in items:
        hi = lo + ITEM_WEIGHTS.get(code, 1) / total
        cur.execute(
            "INSERT INTO bench_items VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            [
                lo,
                hi if code != items[-1][1] else 1.01,
                item_id,
                level,
                LEVEL_LENGTH[level],
                "" if level == "village" else department,
                promised,
                list(modes),
            ],
        )
        lo = hi
    cur.execute(
        "CREATE UNLOGGED TABLE bench_people AS SELECT (row_number() OVER (ORDER BY p.id) - 1)::int"
        " AS rn, p.id, p.region_id, p.region_code, p.name, h.number AS household_number"
        " FROM residents_person p JOIN residents_household h ON h.id = p.household_id"
        " WHERE p.residence_status NOT IN ('moved_out', 'deceased')"
    )
    cur.execute("CREATE UNIQUE INDEX ON bench_people (rn)")
    cur.execute("SELECT count(*) FROM bench_people")
    people = cur.fetchone()[0]
    cur.execute("CREATE UNLOGGED TABLE bench_paths (status text PRIMARY KEY, path text[])")
    for status, path in PATHS.items():
        cur.execute("INSERT INTO bench_paths VALUES (%s, %s)", [status, path])
    powers = ",".join(str(31**k) for k in range(12))
    cur.execute(ENCODE_SQL.format(alphabet=ALPHABET, powers=powers))
    cur.execute(  # a partial earlier run: start the matters again
        "DELETE FROM servicedesk_applicationevent WHERE application_id IN (SELECT id FROM"
        " servicedesk_application WHERE idempotency_key LIKE 'bench:%%')"
    )
    cur.execute("DELETE FROM servicedesk_application WHERE idempotency_key LIKE 'bench:%%'")
    cur.execute("SELECT setseed(0.42)")
    print(f"  register: {people:,} living persons; making {count:,} matters …", flush=True)
    cur.execute(  # the SQL is built from this file's constants only
        f"""
        INSERT INTO servicedesk_application (
            number, item_id, applicant_id, applicant_name, household_number, mode, status,
            returned_from, details, created_by_id, idempotency_key, authorised_on,
            accompanied_at, accompanied_place, handler_level, handler_code, handler_department,
            assignee_id, submitted_at, accepted_at, due_on, paused_on, decided_at, finished_at,
            finished_on_time, decision_reason, escalation_level, escalated_on, trips, version,
            updated_at, region_id, region_code)
        SELECT
            -- g ↦ g·m mod 31¹² is one-to-one (m is prime to 31): unique, scattered numbers
            bench_receipt((s.g::bigint * 2199023255579) %% 787662783788549761),
            bi.item_id, bp.id, bp.name, bp.household_number,
            m.mode, st.status, CASE WHEN st.status = 'returned' THEN 'submitted' ELSE '' END, '',
            %(clerk)s, 'bench:' || s.g,
            CASE WHEN m.mode = 'daiban' THEN (t.submitted_at - interval '1 day')::date END,
            CASE WHEN m.mode = 'lingban' THEN t.submitted_at - interval '1 hour' END,
            CASE WHEN m.mode = 'lingban' THEN '乡镇便民服务中心' ELSE '' END,
            bi.level, substr(bp.region_code, 1, bi.len), bi.department, NULL,
            t.submitted_at,
            CASE WHEN st.status NOT IN ('submitted', 'returned', 'rejected', 'withdrawn')
                 THEN t.submitted_at + interval '20 hours' END,
            CASE WHEN st.status IN ('submitted', 'returned')
                   THEN (t.submitted_at + interval '2 days')::date
                 WHEN st.status IN ('accepted', 'in_progress')
                   THEN (t.submitted_at + (bi.promised * 1.4 + 1) * interval '1 day')::date
                 ELSE NULL END,
            CASE WHEN st.status = 'returned' THEN (t.submitted_at + interval '1 day')::date END,
            CASE WHEN st.status IN ('approved', 'refused', 'delivered', 'closed')
                 THEN t.decided_at END,
            CASE WHEN st.status IN ('delivered', 'closed', 'rejected', 'withdrawn')
                 THEN least(t.decided_at + interval '1 day', now()) END,
            CASE WHEN st.status IN ('approved', 'refused', 'delivered', 'closed', 'rejected')
                 THEN s.r_late > 0.08 END,
            '', 0, NULL, CASE WHEN m.mode IN ('online', 'daiban') THEN 0 ELSE 1 END, 1,
            now(), bp.region_id, bp.region_code
        FROM (
            SELECT g, random() AS r_person, random() AS r_item, random() AS r_mode,
                   power(random(), 1.6) * 730 AS age, random() AS r_state, random() AS r_late,
                   random() AS r_span
            FROM generate_series(1, %(count)s) AS g
        ) s
        JOIN bench_people bp ON bp.rn = floor(s.r_person * %(people)s)::int
        JOIN bench_items bi ON s.r_item >= bi.lo AND s.r_item < bi.hi
        CROSS JOIN LATERAL (
            SELECT {STATUS_SQL} AS status
        ) st
        CROSS JOIN LATERAL (
            SELECT bi.modes[1 + floor(s.r_mode * array_length(bi.modes, 1))::int] AS mode
        ) m
        CROSS JOIN LATERAL (
            SELECT now() - s.age * interval '1 day' AS submitted_at,
                   least(now() - s.age * interval '1 day'
                         + (1 + s.r_span * bi.promised * 1.3) * interval '1 day',
                         now() - interval '1 hour') AS decided_at
        ) t
        """,  # noqa: S608
        {"clerk": clerk, "count": count, "people": people},
    )
    made = cur.rowcount
    print(f"  {made:,} matters in {time.perf_counter() - started:.0f} s; events …", flush=True)
    started = time.perf_counter()
    texts = (
        "CASE p.path[i] "
        + " ".join(f"WHEN '{status}' THEN '{text}'" for status, text in TEXTS.items())
        + " END"
    )
    cur.execute(  # the SQL is built from this file's constants only
        f"""
        INSERT INTO servicedesk_applicationevent (
            application_id, kind, from_status, to_status, at, actor_id, actor_role, reason,
            public_text, detail)
        SELECT a.id, 'transition', coalesce(p.path[i - 1], ''), p.path[i],
               CASE WHEN i = 1 THEN a.submitted_at
                    ELSE a.submitted_at + (i - 1)::float8 / (array_length(p.path, 1) - 1)
                         * (coalesce(a.finished_at, a.decided_at, a.accepted_at,
                                     a.submitted_at + interval '1 day') - a.submitted_at)
               END,
               NULL, CASE WHEN i = 1 THEN 'village_clerk' ELSE 'township_officer' END, '',
               {texts}, '{{}}'::jsonb
        FROM servicedesk_application a
        JOIN bench_paths p ON p.status = a.status
        CROSS JOIN LATERAL generate_series(1, array_length(p.path, 1)) AS i
        WHERE a.idempotency_key LIKE 'bench:%%'
        """  # noqa: S608
    )
    print(
        f"  {cur.rowcount:,} events in {time.perf_counter() - started:.0f} s; ANALYZE …", flush=True
    )
    cur.execute("DROP TABLE bench_items, bench_people, bench_paths")
    cur.execute("DROP FUNCTION bench_receipt(bigint)")
    cur.execute("ANALYZE")
    conn.close()


# --- what the load needs: tokens, a CSRF token, receipt numbers with their phone digits -------

SETUP_SCRIPT = """
import random
from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.services import api_token_create
from cunshe.servicedesk.models import Application
for username in ("xiangzhen", "minzheng"):
    user = User.objects.get(username=username)
    assignment = RoleAssignment.objects.active().get(user=user)
    _token, secret = api_token_create(user=user, assignment=assignment, name="bench")
    print(f"TOKEN {username} {secret}")
ids = list(Application._base_manager.filter(idempotency_key__startswith="bench:")
           .order_by("?").values_list("pk", flat=True)[:4000])
rows = Application._base_manager.filter(pk__in=ids).select_related("applicant")
n = 0
for app in rows:
    phone = app.applicant.phone or ""
    if len(phone) >= 4 and n < 2000:
        print(f"PAIR {app.number} {phone[-4:]}")
        n += 1
"""

DONE_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("P95_US=%d\\n", latency:percentile(95)))
end
"""


def _status_lua(pairs: list[tuple[str, str]], csrf: str, cookie: str) -> str:
    rows = ",".join(f'{{"{n}","{d}"}}' for n, d in pairs)
    return f"""
local pairs_ = {{{rows}}}
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "csrftoken={cookie}"
request = function()
  local p = pairs_[math.random(#pairs_)]
  local body = "csrfmiddlewaretoken={csrf}&number=" .. p[1] .. "&last4=" .. p[2]
  return wrk.format(nil, "/desk/status/", nil, body)
end
{DONE_LUA}"""


def _api_lua(token: str, queries: list[str]) -> str:
    rows = ",".join(f'"{API}{q}"' for q in queries)
    return f"""
local paths = {{{rows}}}
wrk.headers["Authorization"] = "Bearer {token}"
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
{DONE_LUA}"""


def _wrk(url: str, script: str) -> tuple[float, float]:
    """(requests/s, p95 in ms) of one round."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        cmd = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", "-s", f.name, url]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(f.name)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if non2xx:
        raise SystemExit(f"{url}: {non2xx.group(1)} error responses — check the server log\n{out}")
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p95 = re.search(r"P95_US=(\d+)", out)
    return (float(rps.group(1)) if rps else 0.0, int(p95.group(1)) / 1000 if p95 else 0.0)


def _settle(base: str) -> None:
    """Wait until the server has worked off the requests wrk left queued (a slow endpoint leaves
    seconds of backlog behind it, which would otherwise be charged to the next measurement)."""
    deadline = time.perf_counter() + 60
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        urllib.request.urlopen(base + "/healthz", timeout=60)  # noqa: S310 - loopback
        if time.perf_counter() - started < 0.05:
            return
        time.sleep(0.5)


def _csrf(base: str) -> tuple[str, str]:
    """A CSRF cookie and the form's masked token from the status page."""
    with urllib.request.urlopen(base + "/desk/status/", timeout=10) as resp:  # noqa: S310
        html = resp.read().decode()
        cookies = resp.headers.get_all("Set-Cookie") or []
    cookie = next(c.split(";")[0].split("=", 1)[1] for c in cookies if c.startswith("csrftoken="))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token, "no CSRF token on the status page"
    return cookie, token.group(1)


def _check(base: str, path: str, headers: dict[str, str], data: bytes | None = None) -> str:
    req = urllib.request.Request(base + path, data=data, headers=headers)  # noqa: S310
    with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310 - loopback
        return resp.read().decode()


def _has_data(url: str, count: int) -> bool:
    try:
        with _connect(url) as conn:
            row = conn.execute(
                "SELECT count(*) FROM servicedesk_application WHERE idempotency_key LIKE 'bench:%%'"
            ).fetchone()
            return bool(row and row[0] >= count)
    except Exception:  # no database or no tables yet
        return False


def _villages_through_yushu(env: dict[str, str]) -> int:
    script = (
        "from cunshe.regions.models import Region, Level, Kind\n"
        "print(Region.objects.filter(level=Level.VILLAGE, kind=Kind.RURAL_VILLAGE, "
        "valid_to=None, code__startswith='22', code__lt='220183').count())"
    )
    return int(_manage(env, "shell", "-c", script).strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--villages",
        type=int,
        default=None,
        help="register villages (default: through 榆树市; 0 = the province)",
    )
    parser.add_argument("--applications", type=int, default=1_050_000)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database when it already holds the matters"
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        print("Set DATABASE_URL to a PostgreSQL database (it will be re-created).")
        return 2
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk")
        return 2
    var_dir = tempfile.mkdtemp(prefix="cunshe-bench-")
    env = _env(var_dir)
    key_file = os.environ.get("BENCH_KEY_FILE", "")
    if key_file:  # --reuse needs the keys the register was encrypted with
        shutil.copy(key_file, f"{var_dir}/keys.json")
    else:
        subprocess.run(
            [PY, "-m", "cunshe.keys", f"{var_dir}/keys.json"],
            check=True,
            cwd=ROOT,
            capture_output=True,
        )
    # --reuse keeps the database and adds only what is missing (each step is idempotent; the
    # matters are made again when fewer than asked for are there).
    started = time.perf_counter()
    if not args.reuse:
        recreate_database(url)
    _manage(env, "migrate", "--no-input", "-v", "0")
    _manage(env, "import_regions", "--province", "22", "--if-empty")
    _manage(env, "workdays_seed")
    _manage(env, "demo_seed", "--seed", "1")
    print(f"demo: {time.perf_counter() - started:.0f} s", flush=True)
    villages = args.villages if args.villages is not None else _villages_through_yushu(env)
    started = time.perf_counter()
    extra = ["--villages", str(villages)] if villages else []
    _manage(env, "demo_seed", "--seed", "1", "--scale", "province", *extra)
    print(
        f"register of {villages or 'all'} villages: {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    if not _has_data(url, args.applications):
        _build_matters(url, args.applications)
    with _connect(url) as conn:
        persons, apps, events = conn.execute(
            "SELECT (SELECT count(*) FROM residents_person),"
            " (SELECT count(*) FROM servicedesk_application),"
            " (SELECT count(*) FROM servicedesk_applicationevent)"
        ).fetchone()
        township, county = conn.execute(
            "SELECT count(*) FILTER (WHERE region_code LIKE '220182102%%'),"
            " count(*) FILTER (WHERE region_code LIKE '220182%%'"
            " AND handler_department = 'civil_affairs') FROM servicedesk_application"
        ).fetchone()
    print(
        f"data: {persons:,} persons, {apps:,} applications, {events:,} events; "
        f"闵家镇 sees {township:,}, 榆树市民政 {county:,}"
    )
    out = _manage(env, "shell", "-c", SETUP_SCRIPT)
    tokens = dict(re.findall(r"^TOKEN (\S+) (\S+)$", out, re.M))
    pairs = re.findall(r"^PAIR (\S+) (\d{4})$", out, re.M)
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
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)  # noqa: S310 - loopback
                break
            except OSError:
                time.sleep(0.2)
        cookie, csrf = _csrf(base)
        number, last4 = pairs[0]
        page = _check(
            base,
            "/desk/status/",
            {"Cookie": f"csrftoken={cookie}"},
            f"csrfmiddlewaretoken={csrf}&number={number}&last4={last4}".encode(),
        )
        if number not in page or "编号或手机号后四位不正确" in page:
            raise SystemExit("the status lookup does not find a sampled matter")
        queries = [
            "",
            "?status=in_progress",
            "?status=submitted&page_size=20",
            "?item=JL-MZ-001",
            "?status=closed",
        ]
        for who in ("xiangzhen", "minzheng"):
            _check(base, API, {"Authorization": f"Bearer {tokens[who]}"})
        scripts = {
            "bare Django JSON endpoint": (base + "/bench/bare", DONE_LUA),
            "status page POST /desk/status/": (
                base + "/desk/status/",
                _status_lua(pairs, csrf, cookie),
            ),
            "API list as 闵家镇 officer": (base + API, _api_lua(tokens["xiangzhen"], queries)),
            "API list as 榆树市民政 officer": (base + API, _api_lua(tokens["minzheng"], queries)),
        }
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in scripts}
        for _ in range(ROUNDS):
            for name, (target, script) in scripts.items():
                _settle(base)
                results[name].append(_wrk(target, script))
        bare = max(r for r, _p in results["bare Django JSON endpoint"])
        print(f"\nwrk -t2 -c{CONNECTIONS} -d{DURATION}, {ROUNDS} rounds, gunicorn 2 sync workers")
        print(f"{'endpoint':34} {'req/s':>8} {'ratio':>6} {'p95 ms':>7}   rounds (req/s)")
        for name, rounds in results.items():
            best = max(rounds)
            p95 = statistics.median(p for _r, p in rounds)
            print(
                f"{name:34} {best[0]:8.1f} {best[0] / bare:6.3f} {p95:7.1f}   "
                f"{[round(r) for r, _p in rounds]}"
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        shutil.rmtree(var_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
