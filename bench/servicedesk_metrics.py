"""办事统计 at province scale: the metrics selector for the province, a county and a township,
as a ratio to a plain `SELECT count(*)` over the same rows (same subtree, same period) in the
same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cunshe_bench_servicedesk_metrics \
        .venv/bin/python bench/servicedesk_metrics.py [--applications 1200000] [--reuse]

Builds a synthetic Jilin tree (9 prefectures, 72 counties, 1,080 townships, 9,300 villages),
the bundled catalogue, one applicant per village, then the applications in one
INSERT … SELECT generate_series: spread over villages and items (a few items take most of the
matters), the four modes, two years of submission dates, states that depend on age (old ones
mostly finished, recent ones in every state), decisions 1–15 days after submission, 90 % on
time; and ratings for 60 % of the finished matters (mostly 4–5). The named database is dropped
and re-created unless --reuse finds one already loaded with as many applications.

Then, in-process: `selectors.metrics.region_metrics` (three aggregate queries and two for
names, the ORM included) and the plain count, each `--rounds` times, median; the time of each
of the selector's queries in one more run; the plan of its heaviest query. All of it twice:
with the schema as migrated, then with the statistics objects the report proposes (PROPOSED)
created and analysed. Not part of CI.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import recreate_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PY = str(ROOT / ".venv" / "bin" / "python")

PREFECTURES, COUNTIES, TOWNSHIPS, VILLAGES = 9, 8, 15, 9_300


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(CUNSHE_ENV="development", CUNSHE_DEBUG="0", CUNSHE_REQUIRE_2FA="0")
    env.setdefault("CUNSHE_LOG_LEVEL", "WARNING")
    return env


def _setup_django() -> None:
    os.environ.update(_env())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunshe.settings")
    import django

    django.setup()


# --- data --------------------------------------------------------------------------------------


def _tree() -> None:
    """9 × 8 × 15 townships, villages spread over them up to VILLAGES (8 or 9 each)."""
    from cunshe.regions.models import Kind, Level, Region

    province = Region.objects.create(
        code="22", name="吉林省", level=Level.PROVINCE, kind=Kind.ADMINISTRATIVE
    )
    prefs = Region.objects.bulk_create(
        Region(code=f"22{p:02d}", name=f"市{p}", level=Level.PREFECTURE,
               kind=Kind.ADMINISTRATIVE, parent=province)
        for p in range(1, PREFECTURES + 1)
    )  # fmt: skip
    counties = Region.objects.bulk_create(
        Region(code=f"{pref.code}{c:02d}", name=f"县{pref.code[2:]}-{c}", level=Level.COUNTY,
               kind=Kind.ADMINISTRATIVE, parent=pref)
        for pref in prefs
        for c in range(1, COUNTIES + 1)
    )  # fmt: skip
    towns = Region.objects.bulk_create(
        Region(code=f"{county.code}{100 + t:03d}", name=f"镇{county.code[2:]}-{t}",
               level=Level.TOWNSHIP, kind=Kind.ADMINISTRATIVE, parent=county)
        for county in counties
        for t in range(1, TOWNSHIPS + 1)
    )  # fmt: skip
    villages = []
    for n in range(VILLAGES):
        town = towns[n % len(towns)]
        villages.append(
            Region(code=f"{town.code}{200 + n // len(towns):03d}", name=f"村{n}",
                   level=Level.VILLAGE, kind=Kind.RURAL_VILLAGE, parent=town)
        )  # fmt: skip
    Region.objects.bulk_create(villages, batch_size=2000)


# One applicant per village (the applicant is a foreign key; who it is does not matter here).
_PEOPLE_SQL = """
INSERT INTO residents_household (region_id, region_code, village_code, number, address,
    hukou_here, is_dibao, is_tekun, is_tuopin, is_monitored, is_wubao, is_military_family,
    version, created_at, updated_at)
SELECT id, code, code, 'B-' || code, '', true, false, false, false, false, false, false, 1,
    now(), now()
FROM regions_region WHERE level = 5;

INSERT INTO residents_person (region_id, region_code, household_id, relationship, name,
    name_pinyin, name_initials, id_number, id_number_bidx, sex, birth_date, ethnicity, phone,
    phone_bidx, education, marital_status, political_status, disability, illness,
    has_disability, lacks_guardianship_capacity, is_veteran, is_youfu, hukou_here,
    hukou_region_code, residence_status, away_destination, version, created_at, updated_at)
SELECT h.region_id, h.region_code, h.id, '02', '村民', 'cunmin', 'cm', '', '', 'M',
    date '1960-01-01', '01', '', '', '', '', '13', '', '', false, false, false, false, true, '',
    'here', '', 1, now(), now()
FROM residents_household h;
"""

_APPLICATIONS_SQL = """
SELECT setseed(0.42);
CREATE TEMP TABLE bv AS
    SELECT (row_number() OVER (ORDER BY r.code) - 1)::int AS idx, r.id AS region_id, r.code,
           p.id AS person_id
    FROM regions_region r JOIN residents_person p ON p.region_id = r.id WHERE r.level = 5;
CREATE TEMP TABLE bi AS
    SELECT (row_number() OVER (ORDER BY code) - 1)::int AS idx, id, level, department
    FROM servicedesk_serviceitem WHERE active;
CREATE UNIQUE INDEX ON bv (idx);
CREATE UNIQUE INDEX ON bi (idx);

INSERT INTO servicedesk_application (
    region_id, region_code, number, item_id, applicant_id, applicant_name, household_number,
    mode, status, returned_from, details, created_by_id, idempotency_key, authorised_on,
    accompanied_at, accompanied_place, handler_level, handler_code, handler_department,
    assignee_id, submitted_at, accepted_at, due_on, paused_on, decided_at, finished_at,
    finished_on_time, decision_reason, escalation_level, escalated_on, trips, version,
    updated_at)
SELECT
    bv.region_id, bv.code, 'B' || lpad(s.i::text, 11, '0'), bi.id, bv.person_id, '村民', '',
    s.mode, s.status, '', '', %(user)s, s.i::text,
    CASE WHEN s.mode = 'daiban' THEN s.sub::date END,
    CASE WHEN s.mode = 'lingban' THEN s.sub END,
    CASE WHEN s.mode = 'lingban' THEN '乡镇便民服务中心' ELSE '' END,
    bi.level,
    CASE bi.level WHEN 'village' THEN bv.code WHEN 'township' THEN left(bv.code, 9)
                  ELSE left(bv.code, 6) END,
    CASE WHEN bi.level = 'village' THEN '' ELSE bi.department END,
    NULL, s.sub,
    CASE WHEN s.status NOT IN ('submitted', 'withdrawn', 'rejected')
         THEN s.sub + interval '1 day' END,
    (s.sub + interval '10 days')::date,
    NULL,
    CASE WHEN s.status IN ('approved', 'refused', 'delivered', 'closed')
         THEN s.sub + (1 + s.rd * 14) * interval '1 day' END,
    CASE WHEN s.status IN ('delivered', 'closed', 'rejected', 'withdrawn')
         THEN s.sub + (3 + s.rd * 14) * interval '1 day' END,
    CASE WHEN s.status IN ('approved', 'refused', 'delivered', 'closed', 'rejected')
         THEN s.rt < 0.9 END,
    '', 0, NULL,
    CASE WHEN s.mode IN ('online', 'daiban') THEN 0 ELSE 1 END,
    1, now()
FROM (
    SELECT x.*,
        CASE WHEN x.rm < 0.25 THEN 'online' WHEN x.rm < 0.70 THEN 'daiban'
             WHEN x.rm < 0.85 THEN 'lingban' ELSE 'appointment' END AS mode,
        CASE WHEN x.sub < now() - interval '30 days' THEN
            CASE WHEN x.rs < 0.58 THEN 'closed' WHEN x.rs < 0.85 THEN 'delivered'
                 WHEN x.rs < 0.91 THEN 'rejected' WHEN x.rs < 0.94 THEN 'withdrawn'
                 WHEN x.rs < 0.96 THEN 'approved' WHEN x.rs < 0.98 THEN 'refused'
                 WHEN x.rs < 0.995 THEN 'in_progress' ELSE 'returned' END
        ELSE
            CASE WHEN x.rs < 0.25 THEN 'submitted' WHEN x.rs < 0.45 THEN 'accepted'
                 WHEN x.rs < 0.70 THEN 'in_progress' WHEN x.rs < 0.78 THEN 'returned'
                 WHEN x.rs < 0.90 THEN 'approved' ELSE 'closed' END
        END AS status
    FROM (
        SELECT g AS i,
            floor(random() * %(villages)s)::int AS vi,
            floor(power(random(), 2.5) * %(items)s)::int AS ii,
            random() AS rm, random() AS rs, random() AS rt, random() AS rd,
            now() - random() * interval '730 days' AS sub
        FROM generate_series(1, %(n)s) g
    ) x
) s
JOIN bv ON bv.idx = s.vi
JOIN bi ON bi.idx = s.ii;

INSERT INTO servicedesk_rating (region_id, region_code, application_id, score, indicators,
    comment, real_name, rated_by_id, item_id, handler_code, officer_id, rated_at)
SELECT a.region_id, a.region_code, a.id,
    CASE WHEN a.v < 0.55 THEN 5 WHEN a.v < 0.80 THEN 4 WHEN a.v < 0.92 THEN 3
         WHEN a.v < 0.97 THEN 2 ELSE 1 END,
    '[]'::jsonb, '', true, NULL, a.item_id, a.handler_code, NULL, a.finished_at + interval '1 day'
FROM (
    SELECT app.*, random() AS v, random() AS keep FROM servicedesk_application app
    WHERE app.status IN ('closed', 'delivered', 'rejected')
) a
WHERE a.keep < 0.6;
"""


def _generate(n: int) -> None:
    from django.db import connection

    from cunshe.accounts.models import User

    t0 = time.perf_counter()
    _tree()
    subprocess.run(
        [PY, "manage.py", "servicedesk_seed", "--no-categories"],
        cwd=ROOT, env=_env(), check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    user = User.objects.create_user(username="bench_clerk", password=None)
    with connection.cursor() as cur:
        cur.execute(_PEOPLE_SQL)
        cur.execute("SELECT count(*) FROM servicedesk_serviceitem WHERE active")
        items = cur.fetchone()[0]
    t1 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            _APPLICATIONS_SQL, {"user": user.pk, "villages": VILLAGES, "items": items, "n": n}
        )
    t2 = time.perf_counter()
    with connection.cursor() as cur:
        for table in ("servicedesk_application", "servicedesk_rating", "regions_region"):
            cur.execute(f"VACUUM ANALYZE {table}")
        cur.execute("SELECT count(*) FROM servicedesk_application")
        apps = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM servicedesk_rating")
        ratings = cur.fetchone()[0]
    print(
        f"loaded {apps:,} applications and {ratings:,} ratings over {VILLAGES:,} villages, "
        f"{items} items: tree+catalogue {t1 - t0:.0f}s, INSERT…SELECT {t2 - t1:.0f}s, "
        f"VACUUM ANALYZE {time.perf_counter() - t2:.0f}s"
    )


# --- measurement -------------------------------------------------------------------------------


def _median_ms(fn, rounds: int) -> float:  # type: ignore[no-untyped-def]
    fn()  # warm the cache and the plan
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--applications", type=int, default=int(os.environ.get("BENCH_APPLICATIONS", 1_200_000))
    )
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", 7)))
    ap.add_argument("--reuse", action="store_true", help="keep an already loaded database")
    ap.add_argument(
        "--no-proposed", dest="proposed", action="store_false",
        help="do not measure again with the proposed statistics and indexes",
    )  # fmt: skip
    args = ap.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(
            "Set DATABASE_URL to a PostgreSQL database (it is dropped and re-created)."
        )

    loaded = 0
    if args.reuse:
        _setup_django()
        from django.db import connection

        try:
            with connection.cursor() as cur:
                cur.execute("SELECT count(*) FROM servicedesk_application")
                loaded = cur.fetchone()[0]
        except Exception:  # no table yet: load afresh
            loaded = 0
        connection.close()
    if loaded < args.applications * 0.99:
        recreate_database(url)
        subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=_env(), check=True)
        _setup_django()
        _generate(args.applications)
    else:
        print(f"reusing {loaded:,} applications")

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cunshe.accounts.roles import Role, permissions_for
    from cunshe.core.jurisdiction import Jurisdiction
    from cunshe.regions.models import Region
    from cunshe.servicedesk.selectors import metrics

    start, end = metrics.default_period()
    lo, hi = metrics.period_bounds(start, end)
    with connection.cursor() as cur:
        cur.execute("SELECT code FROM regions_region WHERE level = 3 ORDER BY code LIMIT 1")
        county = cur.fetchone()[0]
        cur.execute("SELECT code FROM regions_region WHERE level = 4 ORDER BY code LIMIT 1")
        township = cur.fetchone()[0]
    scopes = [
        ("province", "22", Role.PROVINCE_OFFICIAL),
        ("county", county, Role.AUDITOR),
        ("township", township, Role.TOWNSHIP_OFFICER),
    ]

    def measure(title: str) -> None:
        print(f"\n{title}\nperiod {start} … {end}; median of {args.rounds} rounds, warm cache")
        print(
            f"{'scope':9} {'code':10} {'rows':>9} {'count(*) ms':>12} {'metrics ms':>11} "
            f"{'ratio':>6}"
        )
        per_query: dict[str, dict[str, float]] = {}
        for label, code, role in scopes:
            region = Region.objects.get(code=code)
            j = Jurisdiction(prefixes=(code,), permissions=permissions_for(role), role=role)

            def plain(code: str = code) -> int:
                with connection.cursor() as cur:
                    cur.execute(
                        "SELECT count(*) FROM servicedesk_application "
                        "WHERE region_code LIKE %s AND submitted_at >= %s AND submitted_at < %s",
                        [code + "%", lo, hi],
                    )
                    return cur.fetchone()[0]

            def selector(j: Jurisdiction = j, region: Region = region) -> metrics.Report:
                return metrics.region_metrics(j, region, start=start, end=end)

            rows = plain()
            base = _median_ms(plain, args.rounds)
            took = _median_ms(selector, args.rounds)
            assert selector().total.total == rows
            print(f"{label:9} {code:10} {rows:9,} {base:12.1f} {took:11.1f} {took / base:6.1f}")
            with CaptureQueriesContext(connection) as ctx:
                selector()
            per_query[label] = {
                _kind(q["sql"]): float(q["time"]) * 1000 for q in ctx.captured_queries
            }
            if label == "province":
                heaviest = max(ctx.captured_queries, key=lambda q: float(q["time"]))["sql"]
        print("per query, ms (one warm run):")
        print(f"{'query':26}" + "".join(f"{label:>10}" for label, _c, _r in scopes))
        for kind in KINDS:
            cells = "".join(f"{per_query[label].get(kind, 0):10.1f}" for label, _c, _r in scopes)
            print(f"{kind:26}{cells}")
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, COSTS OFF) " + heaviest)
            plan = "\n".join("    " + r[0] for r in cur.fetchall() if "Filter:" not in r[0])
        print(f"plan of the heaviest province query:\n{plan}")

    with connection.cursor() as cur:  # a --reuse run measures the migrated schema first
        for sql in UNDO:
            cur.execute(sql)
        cur.execute("ANALYZE servicedesk_application")
    measure("== 1. the schema as migrated")
    if args.proposed:
        for title, statements in PROPOSED:
            t = time.perf_counter()
            with connection.cursor() as cur:
                for sql in statements:
                    cur.execute(sql)
                cur.execute("ANALYZE servicedesk_application")
                cur.execute("ANALYZE servicedesk_rating")
            measure(f"== {title} (built in {time.perf_counter() - t:.0f}s)")


KINDS = (
    "applications unit×mode×month",
    "applications by item",
    "ratings by unit",
    "child regions",
    "item names",
)


def _kind(sql: str) -> str:
    if "servicedesk_rating" in sql:
        return KINDS[2]
    if "regions_region" in sql:
        return KINDS[3]
    if sql.startswith('SELECT "servicedesk_serviceitem"'):
        return KINDS[4]
    if "DATE_TRUNC" in sql.upper():
        return KINDS[0]
    return KINDS[1]


# What the report proposes as a migration (PostgreSQL ≥ 14), in two steps measured apart.
PROPOSED = (
    (
        # Statistics on the grouping expressions, so the planner knows that a province splits
        # into 9 cities, a county into ~15 townships, a year into 12 months, and hashes the
        # groups instead of sorting every row on disk.
        "2. + statistics on the grouping expressions",
        (
            "CREATE STATISTICS application_metrics_keys ON "
            "(substring(region_code::text, 1, 4)), (substring(region_code::text, 1, 6)), "
            "(substring(region_code::text, 1, 9)), (substring(region_code::text, 1, 12)), "
            "(date_trunc('month', submitted_at AT TIME ZONE 'Asia/Shanghai')) "
            "FROM servicedesk_application",
        ),
    ),
    (
        # Covering indexes: the (region_code, submitted_at) index with the columns the figures
        # read, so a county's or township's rows come from a few index pages instead of one
        # heap page each (applications arrive in time order, scattered over the table).
        "3. + covering indexes (applications, ratings)",
        (
            # varchar_pattern_ops: LIKE 'prefix%' uses the index whatever the collation.
            "CREATE INDEX application_metrics_cover ON servicedesk_application "
            "(region_code varchar_pattern_ops, submitted_at) INCLUDE (status, mode, item_id, "
            "trips, finished_on_time, decided_at, due_on, handler_department)",
            "CREATE INDEX rating_metrics_cover ON servicedesk_rating "
            "(region_code varchar_pattern_ops, rated_at) INCLUDE (score)",
        ),
    ),
)
UNDO = (
    "DROP STATISTICS IF EXISTS application_metrics_keys",
    "DROP INDEX IF EXISTS application_metrics_cover",
    "DROP INDEX IF EXISTS rating_metrics_cover",
)


if __name__ == "__main__":
    main()
