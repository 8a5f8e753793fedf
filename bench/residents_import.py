"""Register import from CSV: rows/s, against a plain PostgreSQL COPY and a naive per-row save.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cunshe_bench_import \
        .venv/bin/python bench/residents_import.py [--persons 1000000] [--sample 20000]

The named database is dropped and re-created. A synthetic tree (one village per ~850 persons)
is loaded, then a CSV in the import template's layout is generated: households of 1-5 members
(about 2.3 on average) with valid ID numbers (`idcard.make`), phones, some away for work.

Measured in the same run:
  import   `importing.read_upload` + `importing.commit(mode=valid_only)` of the whole file: full
           validation, AES-GCM encryption and blind indexes, households, persons and REGISTERED
           events through the bulk path.
  COPY     the same CSV into a plain table of text columns with PostgreSQL COPY (the floor).
  naive    `services.household_create` + `services.person_register` per row, on the first
           --sample rows of the file (into other villages), the way a hand-written loop would.
Printed: rows/s of each, import/COPY throughput ratio (target >= 0.25) and import/naive speed-up
(target >= 20). Not part of CI.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from _common import recreate_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PY = str(ROOT / ".venv" / "bin" / "python")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋"
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华玉萍红建国志海燕淑珍凤春梅庆桂芝德福长山永富宝"
)
PERSONS_PER_VILLAGE = 850


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


def _villages(count: int) -> list[str]:
    """A county 220182 with enough townships for `count` villages (plus the naive sample's)."""
    from cunshe.regions.models import Kind, Level, Region

    adm = Kind.ADMINISTRATIVE
    province = Region.objects.create(code="22", name="吉林省", level=Level.PROVINCE, kind=adm)
    pref = Region.objects.create(
        code="2201", name="长春市", level=Level.PREFECTURE, kind=adm, parent=province
    )
    county = Region.objects.create(
        code="220182", name="榆树市", level=Level.COUNTY, kind=adm, parent=pref
    )
    codes: list[str] = []
    t = 0
    while len(codes) < count:
        t += 1
        town = Region.objects.create(
            code=f"220182{t:03d}", name=f"镇{t}", level=Level.TOWNSHIP,
            kind=Kind.ADMINISTRATIVE, parent=county,
        )  # fmt: skip
        villages = [
            Region(code=f"{town.code}{v:03d}", name=f"村{t}-{v}", level=Level.VILLAGE,
                   kind=Kind.RURAL_VILLAGE, parent=town)
            for v in range(200, min(200 + 999 - 200, 200 + count - len(codes)))
        ]  # fmt: skip
        Region.objects.bulk_create(villages)
        codes += [v.code for v in villages]
    return codes


def _generate(
    path: Path, persons: int, villages: list[str], seed: int = 11, id_county: str = "220182"
) -> int:
    """Write the CSV; returns the number of rows."""
    from cunshe.residents import idcard
    from cunshe.residents.importing import COLUMNS

    rnd = random.Random(seed)  # noqa: S311 - synthetic data
    headers = [c.header for c in COLUMNS if c.in_template]
    seq: dict[tuple[str, date], int] = {}
    today = date.today()

    def ident(born: date, sex: str) -> str:
        n = seq.get((sex, born), 0)
        seq[(sex, born)] = n + 1
        return idcard.make(f"{int(id_county) + n // 500}", born, n % 500, sex)

    def born_between(lo: int, hi: int) -> date:
        return today - timedelta(days=rnd.randint(lo * 365 + 1, hi * 365 - 1))

    written = 0
    hh = 0
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(headers)
        while written < persons:
            hh += 1
            village = villages[min(written // PERSONS_PER_VILLAGE, len(villages) - 1)]
            size = min(rnd.choice((1, 2, 2, 2, 3, 3, 3, 4, 5)) if rnd.random() < 0.93 else 1,
                       persons - written)  # fmt: skip
            head_born = born_between(30, 85)
            surname = rnd.choice(SURNAMES)
            members = [("02", head_born, "M")]
            if size >= 2:
                members.append(("10", head_born + timedelta(days=rnd.randint(-900, 900)), "F"))
            for _k in range(max(0, size - 2)):
                child = head_born + timedelta(days=rnd.randint(21 * 365, 38 * 365))
                child = min(child, today - timedelta(days=30))
                if child - head_born < timedelta(days=13 * 365):
                    child = head_born + timedelta(days=13 * 366)
                members.append(rnd.choice((("20", child, "M"), ("30", child, "F"))))
            for rel, born, sex in members:
                away = 18 <= (today - born).days // 365 <= 55 and rnd.random() < 0.33
                row = {
                    "村/组代码": village,
                    "户号": f"{hh:07d}",
                    "与户主关系": rel,
                    "姓名": surname + rnd.choice(GIVEN) + rnd.choice(GIVEN),
                    "身份证号": ident(born, sex),
                    "民族": "01" if rnd.random() < 0.95 else "10",
                    "手机号": f"13{rnd.randint(0, 999_999_999):09d}" if rnd.random() < 0.8 else "",
                    "文化程度": rnd.choice(("70", "80", "60")),
                    "婚姻状况": "20" if rel in ("02", "10") else "10",
                    "政治面貌": "13",
                    "户籍在本村": "是",
                    "居住状态": "外出务工" if away else "在本村",
                    "状态起始日期": min(born + timedelta(days=18 * 366), today).isoformat()
                    if away else "",
                    "外出去向": "长春市" if away else "",
                    "低保户": "是" if rel == "02" and rnd.random() < 0.05 else "否",
                }  # fmt: skip
                w.writerow([row.get(h, "") for h in headers])
                written += 1
    return written


def _copy_baseline(path: Path) -> float:
    """Seconds to COPY the same CSV into a plain table of text columns (same database)."""
    from django.db import connection

    from cunshe.residents.importing import COLUMNS

    cols = [f"c{i} text" for i, _c in enumerate([c for c in COLUMNS if c.in_template])]
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS bench_copy; CREATE TABLE bench_copy ({', '.join(cols)})")
    raw = connection.connection
    start = time.perf_counter()
    with raw.cursor() as cur, path.open("rb") as f:
        with cur.copy("COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            while chunk := f.read(1 << 20):
                copy.write(chunk)
    raw.commit() if not raw.autocommit else None
    return time.perf_counter() - start


def _naive(actor, rows: list[dict[str, str]], villages: list[str]) -> float:  # type: ignore[no-untyped-def]
    """Seconds to register `rows` one by one through the services (into fresh villages)."""
    from cunshe.core.jurisdiction import Jurisdiction
    from cunshe.regions.models import Region
    from cunshe.residents import importing, services

    j = Jurisdiction(prefixes=("220182",), permissions=frozenset({"residents.edit"}))
    regions = {r.code: r for r in Region.objects.filter(code__in=villages)}
    households: dict[tuple[str, str], object] = {}
    start = time.perf_counter()
    for row in rows:
        code = row["村/组代码"]
        key = (code, row["户号"])
        hh = households.get(key)
        if hh is None:
            hh = households[key] = services.household_create(
                actor=actor, jurisdiction=j, region=regions[code], number=row["户号"]
            )
        away = row["居住状态"] == "外出务工"
        services.person_register(
            actor=actor, jurisdiction=j, household=hh, relationship=row["与户主关系"],
            name=row["姓名"], id_number=row["身份证号"],
            since=importing.parse_date(row["状态起始日期"]) or importing.idcard.parse(
                row["身份证号"]).birth_date,
            status="away_work" if away else "here", destination=row["外出去向"],
            ethnicity=row["民族"], phone=row["手机号"], education=row["文化程度"],
            marital_status=row["婚姻状况"], political_status=row["政治面貌"],
        )  # fmt: skip
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the import")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit(
            "Set DATABASE_URL to a PostgreSQL database (it is dropped and re-created)."
        )
    recreate_database(url)
    subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=_env(), check=True)
    _setup_django()

    from cunshe.accounts.models import User
    from cunshe.core.jurisdiction import Jurisdiction, system_scope
    from cunshe.residents import importing
    from cunshe.residents.models import Person, ResidenceEvent

    needed = args.persons // PERSONS_PER_VILLAGE + 1
    naive_villages = args.sample // PERSONS_PER_VILLAGE + 2
    codes = _villages(needed + naive_villages)
    import_villages, spare = codes[:needed], codes[needed:]
    actor = User.objects.create_user(username="bench", password="bench-password-123")  # noqa: S106
    tmp = Path(tempfile.mkdtemp()) / "persons.csv"
    t = time.perf_counter()
    rows = _generate(tmp, args.persons, import_villages)
    size_mb = tmp.stat().st_size / 1e6
    print(f"generated {rows:,} rows ({size_mb:.0f} MB) in {time.perf_counter() - t:.0f}s")

    copy_s = _copy_baseline(tmp)
    print(f"COPY      {rows / copy_s:12,.0f} rows/s  ({copy_s:.1f}s)")

    j = Jurisdiction(
        prefixes=("220182",),
        permissions=frozenset({"residents.import", "residents.edit"}),
        user_id=actor.pk,
    )
    start = time.perf_counter()
    table = importing.read_upload("persons.csv", tmp.read_bytes(), max_bytes=None)
    read_s = time.perf_counter() - start
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
    plan, result = importing.commit(
        actor=actor, jurisdiction=j, table=table, mode=importing.Mode.VALID_ONLY, bulk=True
    )
    if args.profile:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    import_s = time.perf_counter() - start
    assert not plan.problems, plan.problems[:5]
    del table, plan
    with system_scope("bench: counting the imported register"):
        assert Person.objects.count() == rows == result.created_persons
        assert ResidenceEvent.objects.count() == rows
    print(
        f"import    {rows / import_s:12,.0f} rows/s  ({import_s:.1f}s: read {read_s:.1f}s; "
        f"{result.created_households:,} households)"
    )

    # Other people (ID numbers of another county) in other villages, so nothing collides.
    sample_path = tmp.with_name("sample.csv")
    _generate(sample_path, args.sample, spare, seed=5, id_county="220322")
    sample = list(csv.DictReader(io.StringIO(sample_path.read_text(encoding="utf-8-sig"))))
    naive_s = _naive(actor, sample, spare)
    print(f"naive     {len(sample) / naive_s:12,.0f} rows/s  ({naive_s:.1f}s for {len(sample):,})")
    print(f"import / COPY throughput : {copy_s / import_s:.2f}  (target >= 0.25)")
    speedup = (rows / import_s) / (len(sample) / naive_s)
    print(f"import / naive speed-up  : {speedup:.1f}x  (target >= 20)")
    tmp.unlink()
    sample_path.unlink()


if __name__ == "__main__":
    main()
