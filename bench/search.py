"""Directory search speed: 1,000 varied queries over 10,000 and then 100,000 synthetic services.

Run with ``python -m bench.search``. SQLite always (a temporary file); PostgreSQL too when
``BENCH_DATABASE_URL`` names a server, where a temporary database is created and dropped. The
services are indexed by `reindex`, as an import indexes them (on SQLite, FTS5's segments are
merged at the end: `directory.search.fts_tables.optimize_fts`).
Queries run in-process through `search_services`, so the figures are the search itself
(synonyms, SQL, loading the page's services), not HTTP. Between queries, a bare lookup of one
service by id in its own session gives the machine's pace at that moment: on a shared machine,
compare p95 / bare across runs rather than milliseconds. ``cpu``: the same ratio in this
process's CPU time, less disturbed by other processes (on PostgreSQL it leaves out the server's
share). Figures only; nothing is asserted.
"""

from __future__ import annotations

import gc
import os
import random
import secrets
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from datetime import time as clock
from pathlib import Path

from sqlalchemy import Engine, create_engine, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from core.db import make_engine
from core.migrate import upgrade_to_head
from directory.models import (
    AREAS,
    ContactChannel,
    Language,
    Organization,
    Schedule,
    Service,
    ServiceArea,
    service_topic,
)
from directory.search.query import SearchQuery
from directory.search.reindex import reindex
from directory.search.results import search_services
from directory.search.synonyms import load_synonyms
from directory.taxonomy import AUDIENCE_BY_TOPIC, ensure_topics
from directory.topics import TOPICS

SIZES = (10_000, 100_000)
QUERIES = int(os.environ.get("BENCH_QUERIES", "1000"))
NOW = datetime(2026, 3, 10, 2, 30, tzinfo=UTC)  # a Tuesday, 11:30 in Tokyo
PREFECTURES = ("北海道", "青森県", "宮城県", "東京都", "神奈川県", "愛知県", "京都府", "大阪府")
PREFECTURES += ("兵庫県", "奈良県", "広島県", "福岡県", "熊本県", "沖縄県", "新潟県", "長野県")
CITIES = ("京丹後市", "福知山市", "舞鶴市", "宮津市", "札幌市", "仙台市", "横浜市", "川崎市")
CITIES += ("名古屋市", "大阪市", "堺市", "神戸市", "姫路市", "奈良市", "広島市", "福岡市")
CITIES += ("北九州市", "熊本市", "那覇市", "新潟市", "長野市", "松本市", "宇治市", "亀岡市")
WORDS = {
    "mental-health": ("こころの健康", "いのちの電話", "自殺予防", "メンタルヘルス", "こころ"),
    "debt": ("借金", "多重債務", "家計", "生活資金", "消費生活"),
    "work": ("仕事", "就労支援", "ハローワーク", "失業", "職業相談"),
    "family-dv": ("DV", "配偶者暴力", "家庭", "家族", "夫婦"),
    "sexual-violence": ("性暴力", "性犯罪被害", "ワンストップ"),
    "bullying-school": ("いじめ", "不登校", "教育", "学校生活"),
    "children-youth": ("子ども", "若者", "ユース", "児童", "子育て"),
    "women": ("女性", "ウィメンズ", "女性の人権"),
    "hikikomori": ("ひきこもり", "引きこもり", "居場所"),
    "elderly-care": ("高齢者", "介護", "地域包括", "認知症"),
    "illness-disability": ("障害", "難病", "病気", "療養"),
    "addiction": ("依存症", "アルコール", "ギャンブル", "薬物"),
    "lgbtq": ("LGBTQ", "性的マイノリティ", "にじいろ"),
    "bereaved": ("自死遺族", "遺族", "グリーフ"),
    "foreign-residents": ("外国人", "多言語", "国際交流"),
    "daily-life": ("暮らし", "生活困窮", "福祉", "生活"),
}
KINDS = ("相談窓口", "相談センター", "ホットライン", "電話相談", "チャット相談", "支援センター")
KINDS += ("サポートデスク", "110番", "ダイヤル", "LINE相談", "相談室", "ネットワーク")
ORG_KINDS = ("社会福祉協議会", "NPO法人ささえあい", "一般社団法人つなぐ", "保健所", "市役所福祉課")
ORG_KINDS += (
    "弁護士会",
    "医師会",
    "民生委員協議会",
    "特定非営利活動法人よりそい",
    "県庁健康福祉部",
)
AUDIENCE_TEXT = ("どなたでも", "10代・20代の方", "女性", "高齢者とその家族", "外国にルーツのある方")
AUDIENCE_TEXT += ("ご本人とご家族", "市内在住・在勤の方", "子どもと保護者", "働く人とその家族")
HOURS_TEXT = ("24時間・365日", "平日9時〜17時", "毎日10時〜22時", "月・水・金 13時〜19時")
CHANNEL_LABELS = {
    "phone": "電話相談",
    "line": "LINE相談",
    "chat": "チャット相談",
    "email": "メール相談",
    "sns": "SNS相談",
    "in_person": "面談（予約制）",
    "web": "ウェブサイト",
}
LANGUAGES = ("en", "zh", "ko", "vi", "pt", "es", "tl", "ne")
QUERY_WORDS = (
    *(w for words in WORDS.values() for w in words),
    "しゃっきん",
    "ヒキコモリ",
    "ﾋｷｺﾓﾘ",
    "かいご",
    "いじめ",
    "ＤＶ",
    "しごと",
    "がいこくじん",
    "こころ",
)
SYNONYM_WORDS = ("多重債務", "死にたい", "消えたい", "家庭内暴力", "不登校", "LGBT", "若者")
SYNONYM_WORDS += ("ローン", "つらい", "就職", "外国にルーツ", "子供", "高齢", "お金")


def main() -> None:
    print(f"\nDirectory search, {QUERIES} queries per size, in-process (ms per query)\n")
    print(
        f"{'database':<12}{'services':>10}{'median':>8}{'p95':>8}{'max':>8}"
        f"{'bare':>8}{'p95/bare':>10}{'cpu':>6}{'index s':>9}"
    )
    with tempfile.TemporaryDirectory(prefix="tsunagu-bench-search-") as directory:
        run("SQLite", f"sqlite:///{Path(directory) / 'search.sqlite3'}")
    server = os.environ.get("BENCH_DATABASE_URL")
    if server:
        with temporary_database(server) as url:
            run("PostgreSQL", url)
    else:
        print("(set BENCH_DATABASE_URL=postgresql+psycopg://... to measure PostgreSQL too)")


def run(label: str, url: str) -> None:
    engine = make_engine(url)
    upgrade_to_head(engine)
    rng = random.Random(20261127)
    made = 0
    for size in SIZES:
        started = time.perf_counter()
        with Session(engine) as session, session.begin():
            if made == 0:
                load_synonyms(session)
            generate(session, rng, made, size)
            reindex(session, _new_ids(session, made))
        indexing = time.perf_counter() - started
        made = size
        _analyze(engine)
        # Indexing loaded pykakasi's dictionaries (300,000 objects) into this process; a web
        # process that only searches never does. Freeze them, so that the garbage collector
        # does not walk them during the measured queries.
        gc.collect()
        gc.freeze()
        timings, bare, cpu, cpu_bare = measure(engine, random.Random(size), size)
        ordered = sorted(timings)
        p95 = ordered[int(0.95 * len(ordered)) - 1]
        base = statistics.median(bare)
        cpu_p95 = sorted(cpu)[int(0.95 * len(cpu)) - 1] / statistics.median(cpu_bare)
        print(
            f"{label:<12}{size:>10,}{statistics.median(ordered):>8.1f}{p95:>8.1f}"
            f"{ordered[-1]:>8.1f}{base:>8.2f}{p95 / base:>10.1f}{cpu_p95:>6.1f}{indexing:>9.0f}"
        )
    engine.dispose()


def measure(engine: Engine, rng: random.Random, size: int) -> tuple[list[float], ...]:
    """Milliseconds per query and per bare lookup before it, each in its own session; then the
    same as this process's CPU time, which other processes on a busy machine disturb less (on
    SQLite it is all of a search; on PostgreSQL, only this side of it)."""
    queries = [random_query(rng) for _ in range(QUERIES)]
    picks = random.Random(size + 1)  # apart, so that the queries stay those of earlier runs
    timings, bare, cpu, cpu_bare = [], [], [], []
    for number, query in enumerate([*queries[:20], *queries]):  # 20 to warm caches first
        service_id = str(uuid.UUID(int=picks.randrange(size) + 1))
        started, cpu_started = time.perf_counter(), time.process_time()
        with Session(engine) as session:
            session.get(Service, service_id)
        looked_up, cpu_looked_up = time.perf_counter(), time.process_time()
        with Session(engine) as session:
            search_services(session, query, now=NOW)
        if number >= 20:
            bare.append((looked_up - started) * 1000)
            timings.append((time.perf_counter() - looked_up) * 1000)
            cpu_bare.append((cpu_looked_up - cpu_started) * 1000)
            cpu.append((time.process_time() - cpu_looked_up) * 1000)
    return timings, bare, cpu, cpu_bare


def random_query(rng: random.Random) -> SearchQuery:
    """A mix like residents': topic words in any spelling, synonyms, places, filters."""
    roll = rng.random()
    topic_codes = [topic.slug for topic in TOPICS]
    if roll < 0.35:
        return SearchQuery(text=rng.choice(QUERY_WORDS))
    if roll < 0.50:
        return SearchQuery(text=rng.choice(SYNONYM_WORDS))
    if roll < 0.62:
        place = rng.choice(CITIES + PREFECTURES)
        return SearchQuery(text=f"{place} {rng.choice(QUERY_WORDS + SYNONYM_WORDS)}")
    if roll < 0.70:
        return SearchQuery(text=rng.choice(KINDS), page=rng.choice((1, 1, 1, 2, 5)))
    if roll < 0.80:
        return SearchQuery(
            topics=(rng.choice(topic_codes),),
            channels=tuple(rng.sample(sorted(CHANNEL_LABELS), rng.randint(0, 2))),
            free=rng.random() < 0.5,
            anonymous=rng.random() < 0.3,
            languages=("en",) if rng.random() < 0.2 else (),
        )
    if roll < 0.93:
        return SearchQuery(
            text=rng.choice(QUERY_WORDS + SYNONYM_WORDS),
            areas=(rng.choice(AREAS),) if rng.random() < 0.5 else (),
            channels=(rng.choice(("phone", "line", "chat")),) if rng.random() < 0.5 else (),
            audiences=("youth",) if rng.random() < 0.2 else (),
            free=rng.random() < 0.3,
        )
    if roll < 0.97:
        return SearchQuery(text=rng.choice(QUERY_WORDS + SYNONYM_WORDS), open_now=True)
    if roll < 0.99:
        return SearchQuery(text=rng.choice(("ぞうきん", "ラーメン", "宇宙", "xyz")), free=True)
    return SearchQuery(text=rng.choice(("金", "心", "市")))


def generate(session: Session, rng: random.Random, start: int, end: int) -> None:
    """Services ``start``..``end`` (ids from their numbers), inserted with Core in bulk."""
    terms = ensure_topics(session)
    known = set(session.scalars(select(Organization.id)))
    for first in range(start, end, 5000):
        rows = [_service(rng, number) for number in range(first, min(first + 5000, end))]
        organizations = {
            row["organization"]["id"]: row["organization"]
            for row in rows
            if row["organization"]["id"] not in known
        }
        if organizations:
            session.execute(insert(Organization), list(organizations.values()))
            known |= set(organizations)
        session.execute(insert(Service), [row["service"] for row in rows])
        for table, key in (
            (ContactChannel, "channels"),
            (ServiceArea, "areas"),
            (Language, "languages"),
            (Schedule, "schedules"),
        ):
            children = [child for row in rows for child in row[key]]
            if children:
                session.execute(insert(table), children)
        links = [
            {"service_id": row["service"]["id"], "term_id": terms[code].id}
            for row in rows
            for code in row["topics"]
        ]
        session.execute(insert(service_topic), links)


def _service(rng: random.Random, number: int) -> dict:
    service_id = str(uuid.UUID(int=number + 1))
    area = rng.choices(AREAS, weights=(4, 3, 3))[0]
    place = {
        "municipality": rng.choice(CITIES),
        "prefecture": rng.choice(PREFECTURES),
        "national": rng.choice(("", "全国", "日本")),
    }[area]
    topics = rng.sample(sorted(WORDS), rng.choice((1, 1, 2, 3)))
    word = rng.choice(WORDS[topics[0]])
    kinds = rng.sample(sorted(CHANNEL_LABELS), rng.randint(1, 3))
    organization = f"{place}{rng.choice(ORG_KINDS)}"
    organization_id = str(uuid.uuid5(uuid.NAMESPACE_URL, organization))
    second = rng.choice(WORDS[topics[-1]])
    return {
        "organization": {"id": organization_id, "name": organization},
        "topics": topics,
        "service": {
            "id": service_id,
            "organization_id": organization_id,
            "name": f"{place}{word}{rng.choice(KINDS)}",
            "description": (
                f"{word}や{second}の悩みについて、{CHANNEL_LABELS[kinds[0]]}で"
                f"お話を伺います。{rng.choice(('秘密は守ります。', '匿名でも大丈夫です。', ''))}"
            ),
            "audience": rng.choice(AUDIENCE_TEXT),
            "audiences": sorted({AUDIENCE_BY_TOPIC[c] for c in topics if c in AUDIENCE_BY_TOPIC}),
            "hours_note": rng.choice(HOURS_TEXT),
            "cost": "free" if rng.random() < 0.7 else rng.choice(("partly", "paid", "unknown")),
            "anonymous": True if rng.random() < 0.4 else None,
            "area": area,
            "status": "published",
            "sort_order": rng.randint(0, 50),
        },
        "channels": [
            {
                "service_id": service_id,
                "kind": kind,
                "value": f"0120-{number % 1000:03d}-{number % 10000:04d}",
                "label": CHANNEL_LABELS[kind],
                "sort_order": order,
            }
            for order, kind in enumerate(kinds)
        ],
        "areas": [{"service_id": service_id, "name": place or "日本全国", "extent_type": area}],
        "languages": [{"service_id": service_id, "code": "ja", "name": "日本語"}]
        + (
            [{"service_id": service_id, "code": rng.choice(LANGUAGES), "name": ""}]
            if rng.random() < 0.15
            else []
        ),
        "schedules": _schedules(rng, service_id),
    }


def _schedules(rng: random.Random, service_id: str) -> list[dict]:
    roll = rng.random()
    if roll < 0.25:  # around the clock
        hours = [(day, clock(0), clock(0)) for day in range(7)]
    elif roll < 0.70:  # office hours
        hours = [(day, clock(9), clock(17)) for day in range(5)]
    elif roll < 0.85:  # evenings, past midnight on Fridays
        hours = [(day, clock(18), clock(23)) for day in range(4)] + [(4, clock(20), clock(2))]
    else:
        return []
    return [
        {"service_id": service_id, "kind": "weekly", "weekday": d, "opens_at": o, "closes_at": c}
        for d, o, c in hours
    ]


def _new_ids(session: Session, made: int) -> list[str]:
    count = session.scalar(select(func.count()).select_from(Service)) or 0
    return [str(uuid.UUID(int=number + 1)) for number in range(made, count)]


def _analyze(engine: Engine) -> None:
    """PostgreSQL's autovacuum would gather statistics after such a load; SQLite goes without."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))


@contextmanager
def temporary_database(server_url: str) -> Iterator[str]:
    """A new PostgreSQL database on the server of ``server_url``, dropped afterwards."""
    url = make_url(server_url)
    name = f"tsunagu_bench_{secrets.token_hex(6)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
