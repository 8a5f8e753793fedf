"""Person search on a province-scale register: median and p95 server time of the search page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cunshe_bench \
        .venv/bin/python bench/residents_search.py [--persons 2000000] [--reuse] [--rounds 40]

Builds a synthetic tree under 吉林 (22: 9 prefectures, counties, townships, about one village
per 850 persons), then households and persons with PostgreSQL COPY: real ID numbers (check
digit), encrypted ID and phone numbers with their blind indexes, pinyin and initials, an
ageing population with some away for work. The named database is dropped and re-created unless
--reuse finds one already loaded with the same size.

Then, in-process, the search page (`residents:person_list`, the whole Django request cycle:
middleware, selector, template) is timed for name, pinyin-initials and exact-ID lookups, each
with different values per round, as a province-wide reader and as a township officer. The
province official role holds no `residents.view`, so the province-wide reader is the auditor
role at province level (same subtree, same query). Not part of CI.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from _common import recreate_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PY = str(ROOT / ".venv" / "bin" / "python")

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏"
    "薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武"
    "乔贺赖龚文朴金崔"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建国建华志强海燕淑珍凤兰"
    "春梅国庆桂芝玉珍德福长山永富宝财淑兰秀珍凤霞玉梅立新振华晓东晓明成林"
)


REL = ("10", "20", "30", "51")
ID_P = "residents.person.id_number"


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


def _tree(villages: int) -> tuple[list[tuple], list[str]]:
    """Rows (code, name, level, kind, parent_code) and the village codes."""
    from cunshe.regions.models import Kind, Level

    per_township, townships_per_county, counties_per_pref = 11, 8, 4
    rows: list[tuple] = [("22", "吉林省", Level.PROVINCE, Kind.ADMINISTRATIVE, None)]
    village_codes: list[str] = []
    made = 0
    for p in range(1, 10):
        pref = f"22{p:02d}"
        rows.append((pref, f"市{p}", Level.PREFECTURE, Kind.ADMINISTRATIVE, "22"))
        for c in range(1, counties_per_pref + 1):
            county = f"{pref}{c:02d}"
            rows.append((county, f"县{p}-{c}", Level.COUNTY, Kind.ADMINISTRATIVE, pref))
            for t in range(1, townships_per_county + 1):
                town = f"{county}{100 + t:03d}"
                rows.append((town, f"镇{p}-{c}-{t}", Level.TOWNSHIP, Kind.ADMINISTRATIVE, county))
                for v in range(per_township):
                    if made >= villages:
                        break
                    code = f"{town}{200 + v:03d}"
                    rows.append((code, f"村{made}", Level.VILLAGE, Kind.RURAL_VILLAGE, town))
                    village_codes.append(code)
                    made += 1
    if made < villages:  # more villages than the frame holds: widen the townships
        raise SystemExit(f"tree frame too small for {villages} villages; lower --persons")
    return rows, village_codes


def _load_regions(villages: int) -> dict[str, int]:
    from cunshe.core.pinyin import pinyin_of
    from cunshe.regions.models import Region

    rows, _codes = _tree(villages)
    ids: dict[str, int] = {}
    for code, name, level, kind, parent in rows:  # a few thousand rows: ORM is fine here
        py, ini = pinyin_of(name)
        region = Region.objects.create(
            code=code,
            name=name,
            level=level,
            kind=kind,
            parent_id=ids.get(parent) if parent else None,
            pinyin=py,
            initials=ini,
        )
        ids[code] = region.pk
    return ids


def _copy(cursor, table: str, columns: list[str], rows) -> int:  # type: ignore[no-untyped-def]
    n = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def _generate(persons: int, seed: int = 7) -> None:
    from django.db import connection
    from django.utils import timezone

    from cunshe.core import crypto
    from cunshe.core.pinyin import pinyin_of
    from cunshe.residents import idcard

    rnd = random.Random(seed)  # noqa: S311 - reproducible demo data
    villages = max(12, persons // 850)
    t0 = time.perf_counter()
    region_ids = _load_regions(villages)
    village_codes = [c for c in region_ids if len(c) == 12]
    now = timezone.now()
    today = date.today()
    id_purpose, phone_purpose = ID_P, "residents.person.phone"

    households: list[tuple] = []
    person_rows: list[tuple] = []
    seq_used: dict[tuple[str, date, str], int] = {}
    hh_id = 0
    pid = 0
    given = [GIVEN[i : i + 1] for i in range(len(GIVEN))]
    while pid < persons:
        hh_id += 1
        code = village_codes[hh_id % len(village_codes)]
        households.append(
            (hh_id, region_ids[code], code, code, f"{hh_id:08d}", "", True, rnd.random() < 0.04,
             False, rnd.random() < 0.08, rnd.random() < 0.02, False, False, 1, now, now)
        )  # fmt: skip
        size = min(rnd.choice((1, 2, 2, 2, 3, 3, 4, 5)), persons - pid)
        surname = rnd.choice(SURNAMES)
        for k in range(size):
            pid += 1
            age = (
                rnd.randint(40, 75)
                if k == 0
                else rnd.choice((rnd.randint(1, 30), rnd.randint(35, 90)))
            )
            born = today - timedelta(days=age * 365 + rnd.randint(0, 364))
            sex = rnd.choice("MF")
            key = (code[:6], born, sex)
            seq = seq_used.get(key, 0)
            seq_used[key] = seq + 1
            if seq >= 500:
                continue
            idn = idcard.make(code[:6], born, seq, sex)
            name = (surname if k != 1 else rnd.choice(SURNAMES)) + "".join(
                rnd.choice(given) for _ in range(rnd.choice((1, 2)))
            )
            py, ini = pinyin_of(name)
            phone = f"13{rnd.randint(0, 999999999):09d}" if rnd.random() < 0.6 else ""
            away = 18 <= age <= 55 and rnd.random() < 0.33
            person_rows.append(
                (pid, region_ids[code], code, hh_id, "02" if k == 0 else rnd.choice(REL),
                 name, py, ini, crypto.encrypt(idn, id_purpose), crypto.blind_index(idn, ID_P),
                 sex, born, "01", crypto.encrypt(phone, phone_purpose) if phone else "",
                 crypto.blind_index(phone, phone_purpose) if phone else "", "", "", "13", "", "",
                 False, False, False, False, True, "", "away_work" if away else "here",
                 today - timedelta(days=rnd.randint(30, 2000)), "广东省深圳市" if away else "",
                 None, None, None, 1, now, now)
            )  # fmt: skip
    gen = time.perf_counter() - t0
    hh_cols = [
        "id", "region_id", "region_code", "village_code", "number", "address", "hukou_here",
        "is_dibao", "is_tekun", "is_tuopin", "is_monitored", "is_wubao", "is_military_family",
        "version", "created_at", "updated_at",
    ]  # fmt: skip
    p_cols = [
        "id", "region_id", "region_code", "household_id", "relationship", "name", "name_pinyin",
        "name_initials", "id_number", "id_number_bidx", "sex", "birth_date", "ethnicity", "phone",
        "phone_bidx", "education", "marital_status", "political_status", "disability", "illness",
        "has_disability", "lacks_guardianship_capacity", "is_veteran", "is_youfu", "hukou_here",
        "hukou_region_code", "residence_status", "status_since", "away_destination",
        "living_here_since", "died_on", "account_id", "version", "created_at", "updated_at",
    ]  # fmt: skip
    t1 = time.perf_counter()
    with connection.cursor() as cur:
        raw = cur.cursor
        _copy(raw, "residents_household", hh_cols, households)
        n = _copy(raw, "residents_person", p_cols, person_rows)
        for table in ("residents_household", "residents_person"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {table}))",  # noqa: S608 - fixed table names
                [table],
            )
        cur.execute("ANALYZE residents_household")
        cur.execute("ANALYZE residents_person")
        cur.execute("ANALYZE regions_region")
    print(
        f"loaded {n:,} persons in {len(households):,} households, {len(village_codes):,} villages: "
        f"generate {gen:.0f}s, COPY+ANALYZE {time.perf_counter() - t1:.0f}s"
    )


# --- measurement -------------------------------------------------------------------------------


def _user(username: str, role: str, code: str):  # type: ignore[no-untyped-def]
    from cunshe.accounts.models import RoleAssignment, User
    from cunshe.regions.models import Region

    user, created = User.objects.get_or_create(username=username)
    if created:
        RoleAssignment.objects.create(user=user, role=role, region=Region.objects.get(code=code))
    return user


def _samples(rnd: random.Random, prefix: str, k: int) -> dict[str, list[str]]:
    from django.db import connection

    from cunshe.core import crypto  # noqa: F401 - decrypting through the model below
    from cunshe.core.jurisdiction import system_scope
    from cunshe.residents.models import Person

    with connection.cursor() as cur:
        cur.execute(
            "SELECT id FROM residents_person WHERE region_code LIKE %s ORDER BY random() LIMIT %s",
            [prefix + "%", k],
        )
        ids = [r[0] for r in cur.fetchall()]
    with system_scope("bench: pick sample persons"):
        rows = list(Person.objects.filter(pk__in=ids))
    return {
        "first page": [""] * len(rows),  # no search: the landing list, sorted by village
        "name": [p.name for p in rows],
        "initials": [p.name_initials[:3] for p in rows],
        "id_number": [p.id_number for p in rows],
    }


def _measure(client, samples: dict[str, list[str]]) -> dict[str, tuple[float, float, float]]:  # type: ignore[no-untyped-def]
    from django.urls import reverse

    url = reverse("residents:person_list")
    client.get(url, {"q": "warm"})
    out = {}
    for kind, values in samples.items():
        times = []
        found = 0
        for v in values:
            t = time.perf_counter()
            r = client.get(url, {"q": v})
            times.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, r.status_code
            found += r.content.count(b'href="/residents/persons/')
        times.sort()
        p95 = times[max(0, round(0.95 * len(times)) - 1)]
        out[kind] = (statistics.median(times), p95, found / len(values))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--persons", type=int, default=int(os.environ.get("BENCH_PERSONS", 2_000_000)))
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", 40)))
    ap.add_argument("--reuse", action="store_true", help="keep an already loaded database")
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
                cur.execute("SELECT count(*) FROM residents_person")
                loaded = cur.fetchone()[0]
        except Exception:  # no table yet: load afresh
            loaded = 0
        connection.close()
    if loaded < args.persons * 0.99:
        recreate_database(url)
        subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=_env(), check=True)
        _setup_django()
        _generate(args.persons)
    else:
        subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=_env(), check=True)
        print(f"reusing {loaded:,} persons")

    from django.test import Client

    from cunshe.accounts.roles import Role

    rnd = random.Random(11)  # noqa: S311 - reproducible samples
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT code FROM regions_region WHERE level = 4 ORDER BY code LIMIT 1")
        township = cur.fetchone()[0]
    readers = {
        "province (auditor role, 22)": (_user("bench_province", Role.AUDITOR, "22"), "22"),
        f"township officer ({township})": (
            _user("bench_township", Role.TOWNSHIP_OFFICER, township),
            township,
        ),
    }
    print(f"{'who':34} {'lookup':11} {'median ms':>10} {'p95 ms':>8} {'rows/q':>7}")
    for who, (user, prefix) in readers.items():
        client = Client()
        client.force_login(user)
        for kind, (median, p95, rows) in _measure(
            client, _samples(rnd, prefix, args.rounds)
        ).items():
            print(f"{who:34} {kind:11} {median:10.1f} {p95:8.1f} {rows:7.1f}")


if __name__ == "__main__":
    main()
