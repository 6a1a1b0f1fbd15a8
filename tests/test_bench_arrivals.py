"""The benchmark data generator's arrivals: daily, weekly and seasonal shape, the surge.

The generator (bench/generate.py) is what the 1M and 10M benchmarks stand on; these
checks run its arrival model and topic mix without a database.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta

from bench.rows import (
    EARTHQUAKE,
    ISTANBUL,
    SURGE_TOPICS,
    Options,
    Reference,
    TicketFactory,
    Topic,
)

CODES = ("FEN.YOL.01", "ATIK.COP.01", *SURGE_TOPICS)


def factory(seed: int = 7, *, surge: bool = True, tickets: int = 30_000) -> TicketFactory:
    topics = [Topic(n + 1, code, 1, 540.0, 2700.0, "normal", code) for n, code in enumerate(CODES)]
    reference = Reference(
        topics=topics,
        topic_weights=[float(n + 1) for n in range(len(topics))],
        districts=[(1, "KONAK")],
        routing={},
        department_codes={1: "FEN"},
        staff={},
        operator_id=None,
    )
    options = Options(
        tickets=tickets, open_share=0.0, due=0, months=12, surge=EARTHQUAKE if surge else None
    )
    return TicketFactory(random.Random(seed), reference, options)


def local(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, ISTANBUL)


def test_the_same_seed_gives_the_same_arrivals() -> None:
    first, _ = factory(seed=3, tickets=2_000).plan()
    again, _ = factory(seed=3, tickets=2_000).plan()
    other, _ = factory(seed=4, tickets=2_000).plan()
    assert first == again
    assert first != other


def test_working_hours_and_weekdays_carry_the_calls() -> None:
    plan, _ = factory(surge=False).plan()
    hours = Counter(local(ts).hour for ts, _ in plan)
    weekdays = Counter(local(ts).weekday() for ts, _ in plan)
    assert hours[10] > 10 * hours[3]  # mid-morning against the small hours
    assert hours[3] > 0  # the lines are open at night too
    assert weekdays[0] > 2 * weekdays[6]  # Monday against Sunday
    summer = sum(1 for ts, _ in plan if local(ts).month in {7, 8})
    spring = sum(1 for ts, _ in plan if local(ts).month in {3, 4})
    assert summer > 1.15 * spring


def test_an_earthquake_multiplies_the_calls_and_brings_its_topics() -> None:
    made = factory()
    plan, _ = made.plan()
    quake = EARTHQUAKE.at.astimezone(ISTANBUL).date()
    days = Counter(local(ts).date() for ts, _ in plan)
    day_after = quake + timedelta(days=1)
    assert days[day_after] > 4 * days[day_after - timedelta(days=7)]
    assert days[quake + timedelta(days=14)] < 2 * days[quake + timedelta(days=14 - 21)]

    on_the_day = [
        (index, ts, status)
        for index, (ts, status) in enumerate(plan)
        if local(ts).date() == day_after
    ]
    rows = [made.rows(index, ts, status, None)[0] for index, ts, status in on_the_day[:300]]
    surge_ids = {topic.id for topic in made.surge_topics}
    filed = [row[9] for row in rows if row[9] is not None]  # topic_code_id
    assert sum(topic_id in surge_ids for topic_id in filed) > 0.6 * len(filed)
