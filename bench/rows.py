"""Synthetic rows for the benchmark database: citizens, tickets and their history.

Plausible rather than exact: the SLA due times use an average stretch of business
hours to wall-clock time, which is all a load needs (the sweep recomputes the
exact stages from the calendars). Everything comes from one seeded ``Random``.
"""

from __future__ import annotations

import base64
import json
import math
import random
from bisect import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

import psycopg

SERVER = "postgresql://postgres@127.0.0.1:5432"
REFERENCE_NOW = datetime(2026, 11, 17, 7, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Istanbul
DUE_STEP = timedelta(seconds=1)
ISTANBUL = ZoneInfo("Europe/Istanbul")
# Business-time SLAs (9 h a day, 5 days a week) stretched to wall-clock time. Only
# approximate: loading needs plausible due times, the sweep recomputes stages itself.
BUSINESS_STRETCH = (24 * 7) / (9 * 5)
OPEN_STATUSES = ("new", "routed", "in_progress", "on_hold", "pending_approval")
OPEN_STATUS_WEIGHTS = (5, 25, 55, 10, 5)
# Open with a running SLA: new tickets have no topic yet, on-hold ones are paused.
REMINDED_STATUSES = frozenset({"routed", "in_progress", "pending_approval"})
CLOSED_STATUSES = ("closed", "answered", "merged", "out_of_scope")
CLOSED_STATUS_WEIGHTS = (75, 20, 3, 2)
CHANNELS = ("phone", "web", "mobile_app", "social_x", "social_meta", "email", "sms")
CHANNELS += ("walk_in", "field", "cimer", "district_municipality", "radio", "open311")
CHANNEL_WEIGHTS = (55, 15, 8, 4, 4, 4, 3, 2, 2, 2, 0.5, 0.25, 0.25)
EXTERNAL_ID_CHANNELS = frozenset({"social_x", "social_meta", "cimer", "open311", "sms", "email"})
TYPES = ("request", "complaint", "suggestion", "information", "thanks")
TYPE_WEIGHTS = (60, 30, 4, 4, 2)
TICKET_COLUMNS = (
    "id, number, tracking_token, channel, external_id, type, status, priority, citizen_id, "
    "topic_code_id, department_id, assignee_id, created_by_id, merged_into_id, description, "
    "address, district_id, neighbourhood, latitude, longitude, sla_started_at, "
    "first_response_due_at, resolution_due_at, sla_paused_at, next_reminder_at, "
    "first_responded_at, answered_at, closed_at, satisfaction, version, created_at, updated_at"
)
EVENT_COLUMNS = (
    "id, ticket_id, kind, from_status, to_status, department_id, actor_id, actor_label, "
    "reason, data, created_at"
)
# Vocabulary for names, addresses and descriptions (plausible İzmir text for search).
FIRST_NAMES = (
    "Ayşe", "Fatma", "Emine", "Hatice", "Zeynep", "Elif", "Meryem", "Şerife", "Sultan", "Hülya",
    "Mehmet", "Mustafa", "Ahmet", "Ali", "Hüseyin", "Hasan", "İbrahim", "İsmail", "Osman",
    "Yusuf", "Murat", "Ömer", "Ramazan", "Halil", "Süleyman", "Can", "Deniz", "Ece",
)  # fmt: skip
LAST_NAMES = (
    "Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Yıldırım", "Öztürk", "Aydın",
    "Özdemir", "Arslan", "Doğan", "Kılıç", "Aslan", "Çetin", "Kara", "Koç", "Kurt", "Özkan",
    "Şimşek", "Polat", "Korkmaz", "Erdoğan", "Güneş", "Aksoy", "Tekin", "Bulut",
)  # fmt: skip
NEIGHBOURHOODS = (
    "Alsancak", "Karşıyaka", "Bostanlı", "Göztepe", "Hatay", "Kahramanlar", "Bayraklı",
    "Mavişehir", "Evka-3", "Çamdibi", "Buca Koop", "Şirinyer", "Gaziemir", "Narlıdere",
    "Balçova", "Güzelyalı", "Çiğli", "Menemen", "Torbalı", "Urla",
)  # fmt: skip
STREETS = (
    "Kıbrıs Şehitleri Cad.", "Talatpaşa Bulv.", "Şehit Fethi Bey Cad.", "Mustafa Kemal Sahil Bulv.",
    "Anadolu Cad.", "Altınyol", "Gazi Bulv.", "Cumhuriyet Bulv.", "1453 Sok.", "2040 Sok.",
    "Mithatpaşa Cad.", "Eşrefpaşa Cad.", "Yeşillik Cad.", "Ankara Cad.", "Menderes Cad.",
)  # fmt: skip
PHRASES = (
    "Günlerdir çözülmedi, lütfen ilgilenin.", "Daha önce de bildirdim.",
    "Çocuklar için tehlike oluşturuyor.", "Sabahtan beri devam ediyor.",
    "Komşular da şikayetçi.", "Acil müdahale bekliyoruz.", "Fotoğraf eklemek isterim.",
    "Geçen hafta da aynı sorun vardı.", "Yaşlılar geçmekte zorlanıyor.", "Teşekkür ederim.",
)  # fmt: skip
CITIZEN_COLUMNS = (
    "id, full_name, phone, email, kimlik_no, address, district_id, neighbourhood, "
    "preferred_channel, kvkk_consent_at, created_at, updated_at"
)


@dataclass(frozen=True, slots=True)
class Surge:
    """A disaster: at ``at`` the volume jumps by ``factor`` times the mean hourly volume
    and decays with a time constant of ``days``; the topic and channel mix shift with it."""

    at: datetime
    factor: float = 6.0
    days: float = 2.0


#: İzmir's earthquake of 30 October 2020 happened at 14:51 local time; the same moment
#: in 2026, 18 days before the reference time, so its backlog is still open.
EARTHQUAKE = Surge(datetime(2026, 10, 30, 11, 51, tzinfo=UTC))


@dataclass(frozen=True, slots=True)
class Options:
    """What to generate; ``tickets * open_share`` of the tickets are open."""

    database: str = "himcrm_bench"
    server: str = SERVER
    tickets: int = 100_000
    open_share: float = 0.8
    due: int = 1_000
    citizens: int | None = None  # default: one per two tickets
    staff_per_department: int = 3
    months: int = 12
    seed: int = 2026
    now: datetime = REFERENCE_NOW
    #: None: no disaster in the data (the benchmarks measured before it existed).
    surge: Surge | None = None


def due_cutoff(now: datetime, total_due: int, wanted: int) -> datetime:
    """The sweep time at which exactly ``wanted`` of the ``total_due`` reminders are due."""
    if not 0 <= wanted <= total_due:
        raise ValueError(f"wanted must be within 0..{total_due}, got {wanted}")
    return now - (total_due - wanted) * DUE_STEP


# When people call (Istanbul time). Shapes from a metropolitan call centre's day and
# year: a morning peak, a lunch dip, evenings quieter, nights low but never zero (the
# lines are open 24/7); Mondays busiest, weekends at half; summer water cuts and
# winter storms lift July-August and December-January.
HOUR_WEIGHTS = (
    1.0, 0.6, 0.4, 0.3, 0.3, 0.5, 1.0, 2.5, 5.0, 8.0, 9.0, 9.0,
    8.0, 7.0, 8.0, 8.0, 7.5, 6.0, 4.5, 3.5, 3.0, 2.5, 2.0, 1.5,
)  # fmt: skip
WEEKDAY_WEIGHTS = (1.25, 1.15, 1.1, 1.05, 1.0, 0.6, 0.45)  # Monday first
MONTH_WEIGHTS = (1.1, 1.0, 0.95, 0.95, 1.0, 1.1, 1.25, 1.25, 1.1, 1.0, 0.95, 1.05)
#: Open tickets are mostly recent: their arrival weight decays with this mean age.
OPEN_MEAN_AGE_DAYS = 20
# What a season and a disaster bring (topic codes of the seed; absent ones are skipped).
SUMMER_TOPICS = ("SU.ARIZA.01", "SU.ARIZA.04", "PARK.BAKIM.03", "ITF.02", "CEVRE.GURULTU.01")
SUMMER_TOPICS += ("ATIK.TEMIZLIK.04", "ATIK.COP.04")
WINTER_TOPICS = ("SU.KANAL.02", "SU.KANAL.03", "PARK.AGAC.01", "FEN.YOL.01", "FEN.YOL.03")
WINTER_TOPICS += ("SOS.YARDIM.03", "ITF.04", "SU.ABONE.03")
SEASON_SHARE = 0.25  # of a summer or winter month's tickets, on its season's topics
SURGE_TOPICS = ("ITF.03", "SU.ARIZA.01", "SU.ARIZA.02", "SOS.YARDIM.02", "SOS.YARDIM.01")
SURGE_TOPICS += ("ATIK.TEMIZLIK.03", "FEN.YOL.03", "PARK.AGAC.03")
SURGE_TOPIC_WEIGHTS = (30, 15, 10, 15, 10, 10, 6, 4)
SURGE_CHANNELS = ("phone", "social_x", "social_meta", "mobile_app", "web")
SURGE_CHANNEL_WEIGHTS = (60, 15, 8, 9, 8)
SURGE_PHRASES = (
    "Depremden sonra binada çatlaklar oluştu.", "Deprem sonrası mahallede su yok.",
    "Depremden beri sokakta kalıyoruz, yardım bekliyoruz.", "Enkaz kaldırılmadı.",
)  # fmt: skip


class Arrivals:
    """When tickets arrive: an hourly intensity over the whole span, sampled by bisection.

    Intensity of an hour = hour-of-day × weekday × month weights (Istanbul time), plus a
    surge term ``factor × mean × exp(-(t - at) / days)`` after the disaster, flat over
    the day (people call at night too). Open tickets are drawn from the same intensity
    times ``exp(-age / OPEN_MEAN_AGE_DAYS)``.
    """

    def __init__(self, start_ts: float, end_ts: float, surge: Surge | None) -> None:
        hours = max(int((end_ts - start_ts) // 3600), 1)
        self.start = end_ts - hours * 3600
        base: list[float] = []
        for i in range(hours):
            local = datetime.fromtimestamp(self.start + i * 3600, ISTANBUL)
            base.append(
                HOUR_WEIGHTS[local.hour]
                * WEEKDAY_WEIGHTS[local.weekday()]
                * MONTH_WEIGHTS[local.month - 1]
            )
        mean = sum(base) / hours
        self.surge_terms = [0.0] * hours
        if surge is not None:
            at, tau = surge.at.timestamp(), surge.days * 86400
            for i in range(hours):
                t = self.start + (i + 0.5) * 3600
                if t >= at:
                    self.surge_terms[i] = surge.factor * mean * math.exp(-(t - at) / tau)
        weights = [b + s for b, s in zip(base, self.surge_terms, strict=True)]
        self.surge_share = [s / w for s, w in zip(self.surge_terms, weights, strict=True)]
        decay = OPEN_MEAN_AGE_DAYS * 86400
        self.all = list(accumulate(weights))
        self.open = list(
            accumulate(
                w * math.exp(-(end_ts - (self.start + i * 3600)) / decay)
                for i, w in enumerate(weights)
            )
        )

    def sample(self, rng: random.Random, *, is_open: bool) -> float:
        cumulative = self.open if is_open else self.all
        hour = min(bisect(cumulative, rng.random() * cumulative[-1]), len(cumulative) - 1)
        return self.start + (hour + rng.random()) * 3600

    def share_of_surge(self, ts: float) -> float:
        """Of the tickets arriving at ``ts``, the share the disaster brought."""
        hour = int((ts - self.start) // 3600)
        return self.surge_share[hour] if 0 <= hour < len(self.surge_share) else 0.0


def arrival_profile(plan: list[tuple[float, str]], surge: Surge | None) -> list[str]:
    """A few lines that show the shape of the generated arrivals (printed by the generator)."""
    weekdays = [0] * 7
    hours = [0] * 24
    months: dict[str, int] = {}
    days: dict[str, int] = {}
    for created_ts, _ in plan:
        local = datetime.fromtimestamp(created_ts, ISTANBUL)
        weekdays[local.weekday()] += 1
        hours[local.hour] += 1
        months[f"{local:%Y-%m}"] = months.get(f"{local:%Y-%m}", 0) + 1
        days[f"{local:%Y-%m-%d}"] = days.get(f"{local:%Y-%m-%d}", 0) + 1
    total = max(len(plan), 1)
    lines = [
        "weekday share Mon..Sun: " + " ".join(f"{n / total:.1%}" for n in weekdays),
        "hour share 00..23: " + " ".join(f"{n / total:.1%}" for n in hours),
        "tickets per month: " + ", ".join(f"{m} {n:,}" for m, n in sorted(months.items())),
    ]
    if surge is not None:
        day = surge.at.astimezone(ISTANBUL).date()
        around = [day + timedelta(days=d) for d in (-7, -1, 0, 1, 2, 3, 7, 14)]
        lines.append(
            "around the surge: "
            + ", ".join(f"{d:%m-%d} {days.get(f'{d:%Y-%m-%d}', 0):,}" for d in around)
        )
    return lines


@dataclass(frozen=True, slots=True)
class Topic:
    id: int
    code: str
    department_id: int
    first_response_minutes: float
    resolution_minutes: float
    priority: str
    name: str


@dataclass(frozen=True, slots=True)
class Reference:
    """The seeded rows the synthetic ones point to, read back from the database."""

    topics: list[Topic]
    topic_weights: list[float]
    districts: list[tuple[int, str]]
    routing: dict[tuple[int, int], int]
    department_codes: dict[int, str]
    staff: dict[int, list[int]]
    operator_id: int | None


def load_reference(conn: psycopg.Connection[Any], rng: random.Random) -> Reference:
    leaves = conn.execute(
        "SELECT t.id, t.code, t.department_id, t.first_response_minutes, t.resolution_minutes,"
        " t.sla_unit, t.priority, t.name_tr FROM topic_codes t"
        " WHERE t.is_active AND t.department_id IS NOT NULL AND t.resolution_minutes IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM topic_codes c WHERE c.parent_id = t.id) ORDER BY t.id"
    ).fetchall()
    topics = []
    for tid, code, dept, first, resolution, unit, priority, name in leaves:
        stretch = BUSINESS_STRETCH if unit == "business" else 1.0
        first_minutes = (first or resolution) * stretch
        topics.append(Topic(tid, code, dept, first_minutes, resolution * stretch, priority, name))
    # A few topics take most of the calls (potholes, rubbish, water cuts): Zipf-like.
    ranks = list(range(1, len(topics) + 1))
    rng.shuffle(ranks)
    weights = [1.0 / r for r in ranks]
    routing = {
        (t, d): dept
        for t, d, dept in conn.execute(
            "SELECT topic_code_id, district_id, department_id FROM routing_rules"
            " WHERE is_active AND district_id IS NOT NULL"
        )
    }
    staff: dict[int, list[int]] = {}
    for uid, dept in conn.execute(
        "SELECT id, department_id FROM users WHERE role = 'dept_staff' AND active ORDER BY id"
    ):
        staff.setdefault(dept, []).append(uid)
    operator = conn.execute("SELECT min(id) FROM users WHERE role = 'operator'").fetchone()
    return Reference(
        topics=topics,
        topic_weights=list(accumulate(weights)),
        districts=conn.execute("SELECT id, name FROM districts ORDER BY id").fetchall(),
        routing=routing,
        department_codes=dict(conn.execute("SELECT id, code FROM departments").fetchall()),
        staff=staff,
        operator_id=operator[0] if operator else None,
    )


def _kimlik_no(citizen_id: int) -> str:
    """A T.C. kimlik no with valid check digits, unique per citizen id."""
    digits = [int(c) for c in str(100_000_000 + (citizen_id * 7919) % 900_000_000)]
    tenth = ((sum(digits[0:9:2]) * 7) - sum(digits[1:8:2])) % 10
    return "".join(map(str, digits)) + str(tenth) + str((sum(digits) + tenth) % 10)


def citizen_rows(
    rng: random.Random, count: int, ref: Reference, now: datetime
) -> Iterator[tuple[Any, ...]]:
    span = 5 * 365 * 86400.0
    for cid in range(1, count + 1):
        created = now - timedelta(seconds=rng.random() * span)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        district_id, _ = rng.choice(ref.districts)
        yield (
            cid,
            f"{first} {last}",
            f"+905{rng.randrange(300_000_000, 600_000_000)}",
            f"vatandas{cid}@example.org" if rng.random() < 0.25 else None,
            _kimlik_no(cid) if rng.random() < 0.3 else None,
            f"{rng.choice(STREETS)} No:{rng.randrange(1, 200)}",
            district_id,
            rng.choice(NEIGHBOURHOODS),
            "sms" if rng.random() < 0.85 else rng.choice(("phone", "email")),
            created if rng.random() < 0.9 else None,
            created,
            created,
        )


def _next_stage(start: datetime, due: datetime, now: datetime) -> datetime:
    """The first reminder stage after ``now`` (50%, 80%, due, then daily overdue)."""
    for fraction in (0.5, 0.8, 1.0):
        at = start + (due - start) * fraction
        if at > now:
            return at
    return due + timedelta(days=(now - due) // timedelta(days=1) + 1)


class TicketFactory:
    """The ticket rows and their history, one ticket at a time, in creation order."""

    def __init__(self, rng: random.Random, ref: Reference, options: Options) -> None:
        self.rng, self.ref, self.options = rng, ref, options
        self.now = options.now
        self.citizens = options.citizens or max(options.tickets // 2, 1)
        self.counters: dict[int, int] = {}
        self.event_id = 0
        end = self.now.timestamp() - 3600
        self.arrivals = Arrivals(end - options.months * 30 * 86400.0, end, options.surge)
        by_code = {t.code: t for t in ref.topics}
        self.summer = [by_code[c] for c in SUMMER_TOPICS if c in by_code]
        self.winter = [by_code[c] for c in WINTER_TOPICS if c in by_code]
        pairs = zip(SURGE_TOPICS, SURGE_TOPIC_WEIGHTS, strict=True)
        surge = [(by_code[c], w) for c, w in pairs if c in by_code]
        self.surge_topics = [t for t, _ in surge]
        self.surge_weights = [w for _, w in surge]

    def plan(self) -> tuple[list[tuple[float, str]], dict[int, int]]:
        """(created timestamp, status) per ticket in creation order; due rank by index."""
        rng, options = self.rng, self.options
        total = options.tickets
        n_open = round(total * options.open_share)
        flags = [True] * n_open + [False] * (total - n_open)
        rng.shuffle(flags)
        plan = []
        for is_open in flags:
            if is_open:  # open tickets are mostly recent
                status = rng.choices(OPEN_STATUSES, OPEN_STATUS_WEIGHTS)[0]
            else:
                status = rng.choices(CLOSED_STATUSES, CLOSED_STATUS_WEIGHTS)[0]
            plan.append((self.arrivals.sample(rng, is_open=is_open), status))
        plan.sort()
        eligible = [i for i, (_, s) in enumerate(plan) if s in REMINDED_STATUSES]
        if options.due > len(eligible):
            raise ValueError(f"--due {options.due} exceeds the {len(eligible)} open tickets")
        chosen = rng.sample(eligible, options.due)
        return plan, {index: rank for rank, index in enumerate(chosen, start=1)}

    def rows(
        self, index: int, created_ts: float, status: str, due_rank: int | None
    ) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
        rng, ref, now = self.rng, self.ref, self.now
        tid = index + 1
        created = datetime.fromtimestamp(created_ts, UTC)
        year = created.astimezone(ISTANBUL).year
        self.counters[year] = self.counters.get(year, 0) + 1
        from_surge = rng.random() < self.arrivals.share_of_surge(created_ts)
        district_id, _ = rng.choice(ref.districts)
        has_topic = status not in {"new", "out_of_scope"}
        topic, channel = self._topic_and_channel(created, from_surge)
        department_id = ref.routing.get((topic.id, district_id), topic.department_id)
        neighbourhood = rng.choice(NEIGHBOURHOODS)
        street = rng.choice(STREETS)
        phrase = rng.choice(SURGE_PHRASES if from_surge else PHRASES)
        description = f"{topic.name}. {phrase} {neighbourhood}, {street}"
        first_due = created + timedelta(minutes=topic.first_response_minutes)
        resolution_due = created + timedelta(minutes=topic.resolution_minutes)
        is_open = status in OPEN_STATUSES
        assignee = None
        if status in {"in_progress", "on_hold", "pending_approval"}:
            staff = ref.staff.get(department_id)
            assignee = rng.choice(staff) if staff else None
        responded = paused = answered = closed = next_reminder = None
        if status in {"in_progress", "on_hold", "pending_approval"} or not is_open:
            responded = min(created + (first_due - created) * rng.random() * 1.2, now)
        if status == "on_hold":
            paused = min(created + (resolution_due - created) * rng.random(), now)
        elif due_rank is not None:
            next_reminder = now - (self.options.due - due_rank) * DUE_STEP
        elif is_open and has_topic:
            next_reminder = _next_stage(created, resolution_due, now)
        if not is_open:
            answered = min(created + (resolution_due - created) * rng.random() * 1.3, now)
            closed = min(answered + timedelta(days=rng.random() * 10), now)
        ticket = (
            tid,
            f"{year}-{self.counters[year]:06d}",
            base64.urlsafe_b64encode(rng.randbytes(24)).decode(),
            channel,
            f"{channel}-{tid}" if channel in EXTERNAL_ID_CHANNELS else None,
            rng.choices(TYPES, TYPE_WEIGHTS)[0],
            status,
            topic.priority if has_topic else "normal",
            rng.randrange(1, self.citizens + 1) if rng.random() < 0.9 else None,
            topic.id if has_topic else None,
            department_id if has_topic else None,
            assignee,
            ref.operator_id if channel == "phone" else None,
            rng.randrange(1, tid) if status == "merged" and tid > 1 else None,
            description,
            f"{street} No:{rng.randrange(1, 200)}",
            district_id,
            neighbourhood,
            *(
                (38.2 + rng.random() * 0.6, 26.8 + rng.random() * 0.7)
                if rng.random() < 0.6
                else (None, None)
            ),
            created if has_topic else None,
            first_due if has_topic else None,
            resolution_due if has_topic else None,
            paused,
            next_reminder,
            responded,
            answered if status in {"answered", "closed"} else None,
            closed if status != "answered" else None,
            rng.randrange(1, 6) if status == "closed" and rng.random() < 0.3 else None,
            1,
            created,
            closed or paused or responded or created,
        )
        return ticket, self._events(tid, created, channel, department_id, has_topic, topic)

    def _topic_and_channel(self, created: datetime, from_surge: bool) -> tuple[Topic, str]:
        """The disaster's topics and channels; else a season's topics now and then; else
        the everyday mix (topics by Zipf-like popularity)."""
        rng, ref = self.rng, self.ref
        if from_surge and self.surge_topics:
            topic = rng.choices(self.surge_topics, self.surge_weights)[0]
            return topic, rng.choices(SURGE_CHANNELS, SURGE_CHANNEL_WEIGHTS)[0]
        month = created.astimezone(ISTANBUL).month
        season = self.summer if month in {6, 7, 8} else self.winter if month in {12, 1, 2} else []
        if season and rng.random() < SEASON_SHARE:
            topic = rng.choice(season)
        else:
            topic = ref.topics[bisect(ref.topic_weights, rng.random() * ref.topic_weights[-1])]
        return topic, rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]

    def _events(
        self,
        tid: int,
        created: datetime,
        channel: str,
        department_id: int,
        has_topic: bool,
        topic: Topic,
    ) -> list[tuple[Any, ...]]:
        """CREATED for every ticket and ROUTED for those with a topic (as intake writes)."""
        operator = self.ref.operator_id if channel == "phone" else None
        self.event_id += 1
        events = [
            (
                self.event_id,
                tid,
                "created",
                None,
                "new",
                None,
                operator,
                "" if operator else channel,
                "",
                json.dumps({"channel": channel}),
                created,
            )
        ]
        if has_topic:
            self.event_id += 1
            data = {"department": self.ref.department_codes[department_id], "topic": topic.code}
            events.append(
                (
                    self.event_id,
                    tid,
                    "routed",
                    "new",
                    "routed",
                    department_id,
                    operator,
                    "" if operator else "system",
                    "",
                    json.dumps(data),
                    created,
                )
            )
        return events
