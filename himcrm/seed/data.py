"""Reference data for İzmir Büyükşehir Belediyesi's Hemşehri İletişim Merkezi (HİM).

Plain Python only (no Flask, no database): the seed command turns these frozen objects into
rows. Everything refers to everything else by *code*:

* ``DISTRICTS``: the 30 districts (ilçe) of İzmir.
* ``DEPARTMENTS``: the metropolitan municipality's directorates (Daire Başkanlığı), a few of
  their branches (Şube Müdürlüğü) and 24/7 duty units, the affiliates (İZSU, ESHOT, İzmir
  Metro, İZBETON, İzdeniz) and the 30 district municipalities.
* ``TOPICS``: the topic-code tree (konu kodları). Groups only organise the tree; leaves name
  the responsible department and the SLA. SLA hours are *business* hours (the department's
  working calendar, Mon–Fri 08:30–17:30, i.e. 9 h a day) unless ``unit == "calendar"``
  (wall-clock hours; used only for urgent matters handled by a 24/7 unit).
* ``ROUTING_RULES``: district overrides, e.g. household waste collection goes to the district
  municipality (Law 5216, art. 7/i: the metropolitan municipality disposes of waste, district
  municipalities collect it).
* ``DEMO_USERS``: one account per role for demos and manual testing.

Life-threatening emergencies belong to 112; HİM records them only when a citizen reports one
anyway, and the urgent topics below are for the municipal follow-up (a fallen tree, a burst
main, an open manhole).

Street lighting is not a municipal service in Turkey: the distribution company (in İzmir,
Gediz Elektrik Dağıtım) maintains it. The topic is kept, owned by Fen İşleri, which forwards it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CALENDARS",
    "DEFAULT_FIRST_RESPONSE_HOURS",
    "DEFAULT_RESOLUTION_HOURS",
    "DEMO_USERS",
    "DEPARTMENTS",
    "DEPARTMENT_KINDS",
    "DISTRICTS",
    "LEGAL_CEILING_BUSINESS_HOURS",
    "LEGAL_CEILING_CALENDAR_HOURS",
    "PRIORITIES",
    "ROLES",
    "ROUTING_RULES",
    "SLA_UNITS",
    "TOPICS",
    "WORKING_HOURS_PER_DAY",
    "DemoUserSeed",
    "DepartmentSeed",
    "DistrictSeed",
    "RoutingRuleSeed",
    "TopicSeed",
]


# --------------------------------------------------------------------------- types


@dataclass(frozen=True, slots=True)
class DepartmentSeed:
    code: str  # unique, ASCII upper, dot-separated for sub-units: "FEN", "FEN.YOL", "ILCE.BORNOVA"
    name: str  # Turkish name, e.g. "Fen İşleri Dairesi Başkanlığı"
    kind: str  # one of DEPARTMENT_KINDS
    parent: str | None  # parent department code (branches only)
    calendar: str  # one of CALENDARS
    district: str | None = None  # district code, for district municipalities
    email: str | None = None  # placeholder under example.org


@dataclass(frozen=True, slots=True)
class DistrictSeed:
    code: str  # ASCII upper, e.g. "CIGLI"
    name: str  # Turkish name, e.g. "Çiğli"


@dataclass(frozen=True, slots=True)
class TopicSeed:
    code: str  # dot-separated tree code: groups "FEN", "FEN.YOL"; leaves "FEN.YOL.01"
    name_tr: str
    name_en: str
    department: str | None = None  # department code; required on leaves
    first_response_hours: float | None = None  # leaves: time to first response
    resolution_hours: float | None = None  # leaves: time to resolution
    unit: str = "business"  # "business" (working hours) or "calendar" (wall-clock hours)
    priority: str = "normal"  # "low" | "normal" | "high" | "urgent"
    needs_approval: bool = True  # reply needs department-manager approval
    requires_location: bool = False  # address/district needed
    is_public: bool = True  # offered on the public web form
    keywords: str = ""  # space-separated Turkish search words incl. everyday synonyms


@dataclass(frozen=True, slots=True)
class RoutingRuleSeed:
    topic: str  # a topic code (group or leaf)
    district: str  # district code
    department: str  # department code (typically the district municipality)
    note: str = ""


@dataclass(frozen=True, slots=True)
class DemoUserSeed:
    username: str
    full_name: str
    role: str
    department: str | None
    email: str
    phone: str | None = None
    is_department_head: bool = False
    phone_extension: str | None = None  # the desk phone / Twilio Client identity (screen pop)


# --------------------------------------------------------------------------- constants

DEPARTMENT_KINDS = frozenset(
    {"directorate", "branch", "affiliate", "district_municipality", "external"}
)
CALENDARS = frozenset({"default", "24x7"})  # default: Mon–Fri 08:30–17:30
SLA_UNITS = frozenset({"business", "calendar"})
PRIORITIES = ("low", "normal", "high", "urgent")
ROLES = (
    "operator",
    "back_office",
    "dept_staff",
    "dept_manager",
    "field_team",
    "supervisor",
    "admin",
)

WORKING_HOURS_PER_DAY = 9.0  # 08:30–17:30
DEFAULT_FIRST_RESPONSE_HOURS = 18.0  # 2 working days
# 15 working days. Law 3071 (Dilekçe Hakkı) makes 30 days the legal ceiling for an answer
# to a petition; HİM's own default target is half of that.
DEFAULT_RESOLUTION_HOURS = 135.0
# The legal ceiling of 30 days, as 22 working days in business hours or as wall-clock hours.
LEGAL_CEILING_BUSINESS_HOURS = 198.0
LEGAL_CEILING_CALENDAR_HOURS = 720.0

_MAIL_DOMAIN = "izmir.example.org"


def _mail(code: str) -> str:
    return f"{code.lower()}@{_MAIL_DOMAIN}"


# --------------------------------------------------------------------------- districts

DISTRICTS: tuple[DistrictSeed, ...] = (
    DistrictSeed("ALIAGA", "Aliağa"),
    DistrictSeed("BALCOVA", "Balçova"),
    DistrictSeed("BAYINDIR", "Bayındır"),
    DistrictSeed("BAYRAKLI", "Bayraklı"),
    DistrictSeed("BERGAMA", "Bergama"),
    DistrictSeed("BEYDAG", "Beydağ"),
    DistrictSeed("BORNOVA", "Bornova"),
    DistrictSeed("BUCA", "Buca"),
    DistrictSeed("CESME", "Çeşme"),
    DistrictSeed("CIGLI", "Çiğli"),
    DistrictSeed("DIKILI", "Dikili"),
    DistrictSeed("FOCA", "Foça"),
    DistrictSeed("GAZIEMIR", "Gaziemir"),
    DistrictSeed("GUZELBAHCE", "Güzelbahçe"),
    DistrictSeed("KARABAGLAR", "Karabağlar"),
    DistrictSeed("KARABURUN", "Karaburun"),
    DistrictSeed("KARSIYAKA", "Karşıyaka"),
    DistrictSeed("KEMALPASA", "Kemalpaşa"),
    DistrictSeed("KINIK", "Kınık"),
    DistrictSeed("KIRAZ", "Kiraz"),
    DistrictSeed("KONAK", "Konak"),
    DistrictSeed("MENDERES", "Menderes"),
    DistrictSeed("MENEMEN", "Menemen"),
    DistrictSeed("NARLIDERE", "Narlıdere"),
    DistrictSeed("ODEMIS", "Ödemiş"),
    DistrictSeed("SEFERIHISAR", "Seferihisar"),
    DistrictSeed("SELCUK", "Selçuk"),
    DistrictSeed("TIRE", "Tire"),
    DistrictSeed("TORBALI", "Torbalı"),
    DistrictSeed("URLA", "Urla"),
)


# --------------------------------------------------------------------------- departments


def _directorate(code: str, name: str, calendar: str = "default") -> DepartmentSeed:
    return DepartmentSeed(code, name, "directorate", None, calendar, email=_mail(code))


def _branch(code: str, name: str, parent: str, calendar: str = "default") -> DepartmentSeed:
    return DepartmentSeed(code, name, "branch", parent, calendar, email=_mail(code))


def _affiliate(code: str, name: str, calendar: str = "default") -> DepartmentSeed:
    return DepartmentSeed(code, name, "affiliate", None, calendar, email=_mail(code))


_DIRECTORATES: tuple[DepartmentSeed, ...] = (
    _directorate("FEN", "Fen İşleri Dairesi Başkanlığı"),
    _directorate("YAPI", "Yapı İşleri Dairesi Başkanlığı"),
    _directorate("ULASIM", "Ulaşım Dairesi Başkanlığı"),
    _directorate("RAYLI", "Raylı Sistem Dairesi Başkanlığı"),
    _directorate("PARK", "Park ve Bahçeler Dairesi Başkanlığı"),
    _directorate("ATIK", "Atık Yönetimi Dairesi Başkanlığı"),
    _directorate("CEVRE", "İklim Değişikliği ve Çevre Koruma Kontrol Dairesi Başkanlığı"),
    _directorate("ZABITA", "Zabıta Dairesi Başkanlığı"),
    _directorate("ITFAIYE", "İtfaiye Dairesi Başkanlığı", "24x7"),
    _directorate("SOSYAL", "Sosyal Hizmetler Dairesi Başkanlığı"),
    _directorate("SOSPROJE", "Sosyal Projeler Dairesi Başkanlığı"),
    _directorate("KULTUR", "Kültür ve Sanat Dairesi Başkanlığı"),
    _directorate("GENCLIK", "Gençlik ve Spor Hizmetleri Dairesi Başkanlığı"),
    _directorate("SAGLIK", "Toplum Sağlığı Dairesi Başkanlığı"),
    _directorate("MEZARLIK", "Mezarlıklar Dairesi Başkanlığı"),
    _directorate("IMAR", "İmar ve Şehircilik Dairesi Başkanlığı"),
    _directorate("ETUD", "Etüd ve Projeler Dairesi Başkanlığı"),
    _directorate("EMLAK", "Emlak Yönetimi Dairesi Başkanlığı"),
    _directorate("TARIM", "Tarımsal Hizmetler Dairesi Başkanlığı"),
    _directorate("MAKINE", "Makine İkmal Bakım ve Onarım Dairesi Başkanlığı"),
    _directorate("BASIN", "Basın Yayın ve Halkla İlişkiler Dairesi Başkanlığı"),
    _directorate("BILGIISLEM", "Bilgi İşlem Dairesi Başkanlığı"),
    _directorate("MUHTAR", "Muhtarlık İşleri Dairesi Başkanlığı"),
    _directorate("KENTSEL", "Kentsel Dönüşüm Dairesi Başkanlığı"),
)

_AFFILIATES: tuple[DepartmentSeed, ...] = (
    _affiliate("IZSU", "İzmir Su ve Kanalizasyon İdaresi Genel Müdürlüğü (İZSU)"),
    _affiliate("ESHOT", "ESHOT Genel Müdürlüğü"),
    _affiliate("METRO", "İzmir Metro A.Ş."),
    _affiliate("IZBETON", "İZBETON A.Ş."),
    _affiliate("IZDENIZ", "İzdeniz A.Ş."),
)

_BRANCHES: tuple[DepartmentSeed, ...] = (
    # Fen İşleri
    _branch("FEN.YOL", "Yol Bakım ve Onarım Şube Müdürlüğü", "FEN"),
    _branch("FEN.AYKOME", "Altyapı Koordinasyon Şube Müdürlüğü (AYKOME)", "FEN"),
    # Ulaşım
    _branch("ULASIM.TRAFIK", "Trafik Şube Müdürlüğü", "ULASIM"),
    _branch("ULASIM.TOPLU", "Toplu Taşıma Şube Müdürlüğü", "ULASIM"),
    # Park ve Bahçeler
    _branch("PARK.BAKIM", "Park Bakım Şube Müdürlüğü", "PARK"),
    _branch("PARK.ACIL", "Ağaç ve Yeşil Alan Acil Müdahale Birimi", "PARK", "24x7"),
    # Atık Yönetimi
    _branch("ATIK.TEMIZLIK", "Temizlik İşleri Şube Müdürlüğü", "ATIK"),
    # İklim Değişikliği ve Çevre Koruma Kontrol
    _branch("CEVRE.DENETIM", "Çevre Denetim Şube Müdürlüğü", "CEVRE"),
    # Zabıta
    _branch("ZABITA.OPERASYON", "Zabıta Operasyon Şube Müdürlüğü", "ZABITA"),
    _branch("ZABITA.NOBET", "Zabıta Nöbetçi Amirliği", "ZABITA", "24x7"),
    # İtfaiye
    _branch("ITFAIYE.ONLEME", "Yangın Önleme ve Eğitim Şube Müdürlüğü", "ITFAIYE"),
    # Sosyal Hizmetler
    _branch("SOSYAL.YARDIM", "Sosyal Yardım Şube Müdürlüğü", "SOSYAL"),
    _branch("SOSYAL.ENGELLI", "Engelliler Şube Müdürlüğü", "SOSYAL"),
    _branch("SOSYAL.YASLI", "Yaşlı Hizmetleri Şube Müdürlüğü", "SOSYAL"),
    # Gençlik ve Spor Hizmetleri
    _branch("GENCLIK.TESIS", "Spor Tesisleri Şube Müdürlüğü", "GENCLIK"),
    # Toplum Sağlığı
    _branch("SAGLIK.VETERINER", "Veteriner İşleri Şube Müdürlüğü", "SAGLIK"),
    _branch("SAGLIK.VETERINER.ACIL", "Veteriner Acil Müdahale Birimi", "SAGLIK.VETERINER", "24x7"),
    _branch("SAGLIK.VEKTOR", "Vektörle Mücadele Şube Müdürlüğü", "SAGLIK"),
    # Mezarlıklar (funeral transport runs around the clock)
    _branch("MEZARLIK.CENAZE", "Cenaze Hizmetleri Şube Müdürlüğü", "MEZARLIK", "24x7"),
    # İmar ve Şehircilik
    _branch("IMAR.YAPIKONTROL", "Yapı Kontrol Şube Müdürlüğü", "IMAR"),
    # Basın Yayın ve Halkla İlişkiler: the call centre itself
    _branch("BASIN.HIM", "Hemşehri İletişim Merkezi Şube Müdürlüğü", "BASIN"),
    # Affiliates' own units
    _branch("IZSU.ARIZA", "İZSU Arıza Koordinasyon Merkezi", "IZSU", "24x7"),
    _branch("IZSU.ABONE", "İZSU Abone İşleri Şube Müdürlüğü", "IZSU"),
    _branch("ESHOT.KONTROL", "ESHOT Operasyon Kontrol Merkezi", "ESHOT", "24x7"),
)

_DISTRICT_MUNICIPALITIES: tuple[DepartmentSeed, ...] = tuple(
    DepartmentSeed(
        code=f"ILCE.{d.code}",
        name=f"{d.name} Belediyesi",
        kind="district_municipality",
        parent=None,
        calendar="default",
        district=d.code,
        email=_mail(f"ILCE.{d.code}"),
    )
    for d in DISTRICTS
)

DEPARTMENTS: tuple[DepartmentSeed, ...] = (
    _DIRECTORATES + _AFFILIATES + _BRANCHES + _DISTRICT_MUNICIPALITIES
)


# --------------------------------------------------------------------------- topics


def _group(code: str, name_tr: str, name_en: str) -> TopicSeed:
    return TopicSeed(code, name_tr, name_en)


def _leaf(
    code: str,
    name_tr: str,
    name_en: str,
    department: str,
    sla: tuple[float, float],
    keywords: str,
    *,
    unit: str = "business",
    priority: str = "normal",
    needs_approval: bool = True,
    requires_location: bool = False,
    is_public: bool = True,
) -> TopicSeed:
    """A leaf; ``sla`` is (first response, resolution) in hours of ``unit``."""
    first_response, resolution = sla
    return TopicSeed(
        code=code,
        name_tr=name_tr,
        name_en=name_en,
        department=department,
        first_response_hours=float(first_response),
        resolution_hours=float(resolution),
        unit=unit,
        priority=priority,
        needs_approval=needs_approval,
        requires_location=requires_location,
        is_public=is_public,
        keywords=keywords,
    )


_CAL = "calendar"

TOPICS: tuple[TopicSeed, ...] = (
    # ------------------------------------------------------------------ FEN: roads & pavements
    _group("FEN", "Yol, Kaldırım ve Altyapı", "Roads, pavements and infrastructure"),
    _group("FEN.YOL", "Yol ve Asfalt", "Roads and asphalt"),
    _leaf(
        "FEN.YOL.01",
        "Yolda çukur, asfalt bozukluğu",
        "Pothole or damaged road surface",
        "FEN.YOL",
        (9, 90),
        "çukur cukur asfalt yol bozuk bozulmuş yama göçük delik patlak",
        needs_approval=False,
        requires_location=True,
    ),
    _leaf(
        "FEN.YOL.02",
        "Yeni asfalt / yol yapım talebi",
        "Request for new asphalt or road construction",
        "FEN.YOL",
        (18, 135),
        "asfalt yol yapım kaplama sıcak açılması toprak stabilize",
        priority="low",
        requires_location=True,
    ),
    _leaf(
        "FEN.YOL.03",
        "Yol çökmesi, tehlikeli göçük",
        "Road subsidence or dangerous collapse",
        "FEN.YOL",
        (2, 18),
        "çökme çöktü göçük yol obruk tehlike kazı",
        priority="high",
        needs_approval=False,
        requires_location=True,
    ),
    _leaf(
        "FEN.YOL.04",
        "Altyapı kazısı sonrası kapatılmayan yol",
        "Road not restored after utility excavation",
        "FEN.AYKOME",
        (9, 90),
        "kazı kazi altyapı kapatılmadı açık bırakıldı yama doğalgaz kablo boru aykome",
        requires_location=True,
    ),
    _leaf(
        "FEN.YOL.05",
        "Kırsal / köy yolu bakımı (stabilize, greyder)",
        "Rural road maintenance (gravel, grading)",
        "FEN.YOL",
        (18, 135),
        "köy yolu koy kırsal stabilize greyder toprak yol mıcır çamur tarla",
        priority="low",
        requires_location=True,
    ),
    _group("FEN.KALDIRIM", "Kaldırım ve Yaya Yolları", "Pavements and footpaths"),
    _leaf(
        "FEN.KALDIRIM.01",
        "Kaldırım bozukluğu, kırık parke taşı",
        "Damaged pavement or broken paving stones",
        "IZBETON",
        (9, 90),
        "kaldırım kaldirim parke taş kırık kirik bozuk yaya yolu sökülmüş",
        requires_location=True,
    ),
    _leaf(
        "FEN.KALDIRIM.02",
        "Engelli rampası / hissedilebilir yüzey talebi",
        "Kerb ramp or tactile paving request",
        "IZBETON",
        (18, 135),
        "rampa engelli tekerlekli sandalye hissedilebilir yüzey kılavuz iz bebek arabası",
        priority="low",
        requires_location=True,
    ),
    _leaf(
        "FEN.KALDIRIM.03",
        "Kırık / eksik bordür taşı",
        "Broken or missing kerbstone",
        "IZBETON",
        (9, 90),
        "bordür bordur taşı kırık eksik refüj kaldırım kenarı",
        priority="low",
        requires_location=True,
    ),
    _group("FEN.KOPRU", "Köprü, Üst Geçit ve Merdivenler", "Bridges, footbridges and stairs"),
    _leaf(
        "FEN.KOPRU.01",
        "Üst geçit asansörü / yürüyen merdiven arızası",
        "Footbridge lift or escalator out of order",
        "MAKINE",
        (4, 27),
        "asansör asansor yürüyen merdiven üst geçit üstgeçit çalışmıyor arıza bozuk",
        priority="high",
        needs_approval=False,
        requires_location=True,
    ),
    _leaf(
        "FEN.KOPRU.02",
        "Merdivenli yol, köprü veya korkuluk hasarı",
        "Damaged stairway street, bridge or railing",
        "FEN.YOL",
        (9, 90),
        "merdiven basamak korkuluk köprü kopru kırık tehlikeli parmaklık",
        requires_location=True,
    ),
    _group("FEN.AYD", "Aydınlatma", "Lighting"),
    _leaf(
        "FEN.AYD.01",
        "Sokak lambası arızası (Gediz Elektrik'e iletilir)",
        "Street light out (forwarded to the electricity distributor)",
        "FEN",
        (9, 45),
        "ışık isik lamba aydınlatma aydinlatma sokak lambası direk karanlık yanmıyor elektrik",
        requires_location=True,
    ),
    _leaf(
        "FEN.AYD.02",
        "Park / meydan aydınlatması arızası",
        "Lighting fault in a park or square",
        "PARK.BAKIM",
        (9, 45),
        "park meydan ışık isik lamba aydınlatma karanlık yanmıyor projektör",
        requires_location=True,
    ),
    # ------------------------------------------------------------------ SU: water & sewerage
    _group("SU", "Su ve Kanalizasyon (İZSU)", "Water and sewerage (İZSU)"),
    _group("SU.ARIZA", "Su Arızaları", "Water supply faults"),
    _leaf(
        "SU.ARIZA.01",
        "Su kesintisi",
        "Water outage",
        "IZSU.ARIZA",
        (1, 12),
        "su yok kesinti kesik akmıyor musluk susuz gelmiyor",
        unit=_CAL,
        priority="high",
        needs_approval=False,
        requires_location=True,
    ),
    _leaf(
        "SU.ARIZA.02",
        "Ana boru patlağı / şebeke arızası",
        "Burst water main",
        "IZSU.ARIZA",
        (1, 8),
        "boru patladı patlak şebeke ana su fışkırıyor sel basıyor",
        unit=_CAL,
        priority="urgent",
        needs_approval=False,
        requires_location=True,
    ),
    _leaf(
        "SU.ARIZA.03",
        "Sokakta / sayaç önünde su sızıntısı",
        "Water leak in the street or before the meter",
        "IZSU.ARIZA",
        (2, 24),
        "sızıntı sizinti su akıyor kaçak kacak sızdırıyor sayaç önü yol ıslak",
        unit=_CAL,
        priority="high",
        needs_approval=False,
        requires_location=True,
    ),
    _leaf(
        "SU.ARIZA.04",
        "Düşük su basıncı",
        "Low water pressure",
        "IZSU",
        (9, 45),
        "basınç basinc düşük az akıyor tazyik zayıf üst kat su çıkmıyor",
        requires_location=True,
    ),
    _leaf(
        "SU.ARIZA.05",
        "Bulanık / kirli su, su kalitesi",
        "Turbid or dirty tap water, water quality",
        "IZSU.ARIZA",
        (2, 24),
        "bulanık bulanik kirli çamurlu paslı kokulu su kalitesi içme suyu renkli",
        unit=_CAL,
        priority="high",
        requires_location=True,
    ),
    _leaf(
        "SU.ARIZA.06",
        "Kayıp / kırık rögar kapağı",
        "Missing or broken manhole cover",
        "IZSU.ARIZA",
        (1, 6),
        "rögar rogar kapak kapağı yok kırık açık çukur menhol logar tehlike",
        unit=_CAL,
        priority="urgent",
        needs_approval=False,
        requires_location=True,
    ),
    _group("SU.KANAL", "Kanalizasyon ve Yağmur Suyu", "Sewerage and storm water"),
    _leaf(
        "SU.KANAL.01",
        "Kanalizasyon taşması",
        "Sewer overflow",
        "IZSU.ARIZA",
        (1, 12),
        "kanalizasyon lağım lagim taştı taşma pis su foseptik rögar taşıyor",
        unit=_CAL,
        priority="urgent",
        needs_approval=False,
        requires_location=True,
    ),
    _leaf(
        "SU.KANAL.02",
        "Tıkalı yağmur suyu ızgarası / mazgal",
        "Blocked rain grate or gully",
        "IZSU",
        (9, 45),
        "ızgara izgara mazgal tıkalı tikali yağmur suyu gider su birikiyor",
        needs_approval=False,
        requires_location=True,
    ),
    _leaf(
        "SU.KANAL.03",
        "Yağmur sonrası su baskını",
        "Flooding after rain",
        "IZSU.ARIZA",
        (1, 12),
        "su baskını sel yağmur yagmur bodrum bastı göl oldu taşkın",
        unit=_CAL,
        priority="urgent",
        needs_approval=False,
        requires_location=True,
    ),
    _leaf(
        "SU.KANAL.04",
        "Kanalizasyon kokusu",
        "Sewer odour",
        "IZSU",
        (9, 90),
        "koku kokuyor lağım kokusu kanalizasyon pis rögar",
        requires_location=True,
    ),
    _leaf(
        "SU.KANAL.05",
        "Kanalizasyon bağlantısı talebi",
        "Sewer connection request",
        "IZSU.ABONE",
        (18, 135),
        "kanal bağlantısı bağlanti iştirak kanalizasyon hattı foseptik yeni bina",
        priority="low",
        requires_location=True,
    ),
    _leaf(
        "SU.KANAL.06",
        "Dere / yağmur suyu kanalı temizliği",
        "Stream or storm channel cleaning",
        "IZSU",
        (18, 135),
        "dere ıslah temizlik kanal sazlık çöp dolmuş taşkın riski",
        priority="low",
        requires_location=True,
    ),
    _group("SU.ABONE", "Abonelik, Sayaç ve Fatura", "Subscription, meters and bills"),
    _leaf(
        "SU.ABONE.01",
        "Su faturası itirazı / yüksek fatura",
        "Water bill objection or unexpectedly high bill",
        "IZSU.ABONE",
        (9, 135),
        "fatura yüksek yuksek itiraz borç tahakkuk fazla geldi su parası",
    ),
    _leaf(
        "SU.ABONE.02",
        "Sayaç okuma hatası / okunmayan sayaç",
        "Meter reading error or meter not read",
        "IZSU.ABONE",
        (9, 90),
        "sayaç sayac okuma okunmadı endeks tahmini fatura okuyucu",
    ),
    _leaf(
        "SU.ABONE.03",
        "Arızalı / donmuş sayaç değişimi",
        "Faulty or frozen water meter replacement",
        "IZSU.ABONE",
        (9, 90),
        "sayaç sayac arızalı bozuk dondu donmuş değişim kartlı dönmüyor",
        requires_location=True,
    ),
    _leaf(
        "SU.ABONE.04",
        "Abonelik açma / kapatma",
        "Opening or closing a water subscription",
        "IZSU.ABONE",
        (9, 45),
        "abonelik abone açma kapama kiracı taşınma depozito",
        priority="low",
    ),
    _leaf(
        "SU.ABONE.05",
        "İndirimli su tarifesi (engelli, gazi, şehit yakını)",
        "Discounted water tariff (disabled, veterans, martyrs' families)",
        "IZSU.ABONE",
        (9, 90),
        "indirim indirimli tarife engelli gazi şehit yakını emekli su indirimi",
    ),
    # ------------------------------------------------------------------ ULS: transport
    _group("ULS", "Ulaşım", "Transport"),
    _group("ULS.OTOBUS", "Otobüs (ESHOT)", "Buses (ESHOT)"),
    _leaf(
        "ULS.OTOBUS.01",
        "Otobüs gelmedi / gecikti",
        "Bus late or did not come",
        "ESHOT",
        (9, 45),
        "otobüs otobus gelmedi gecikti geç sefer iptal bekledim durak eshot",
    ),
    _leaf(
        "ULS.OTOBUS.02",
        "Otobüs şoförü davranışı şikâyeti",
        "Complaint about a bus driver's conduct",
        "ESHOT",
        (9, 90),
        "şoför sofor kaptan kaba davranış telefon hızlı sert fren saygısız",
    ),
    _leaf(
        "ULS.OTOBUS.03",
        "Otobüs durakta durmadı / yolcu almadı",
        "Bus did not stop or refused passengers",
        "ESHOT",
        (9, 45),
        "durmadı durakta almadı geçti gitti dolu yolcu",
    ),
    _leaf(
        "ULS.OTOBUS.04",
        "Yeni hat / sefer artırımı / güzergâh talebi",
        "New route, more trips or route change request",
        "ESHOT",
        (18, 135),
        "hat sefer güzergah güzergâh sayısı artırılsın yeni aktarma",
        priority="low",
    ),
    _leaf(
        "ULS.OTOBUS.05",
        "Durak talebi / durak yeri değişikliği",
        "Bus stop request or relocation",
        "ESHOT",
        (18, 135),
        "durak yeni taşınsın yeri değişsin cep",
        priority="low",
        requires_location=True,
    ),
    _leaf(
        "ULS.OTOBUS.06",
        "Hasarlı durak / durak bakımı",
        "Damaged bus shelter or stop maintenance",
        "ESHOT",
        (9, 90),
        "durak kırık cam oturak bank sundurma ekran tabela temizliği",
        requires_location=True,
    ),
    _leaf(
        "ULS.OTOBUS.07",
        "Otobüste klima, temizlik veya arıza",
        "Air conditioning, cleanliness or breakdown on a bus",
        "ESHOT",
        (9, 45),
        "klima kalorifer sıcak soğuk pis kirli bozuldu arıza otobüs yolda kaldı",
    ),
    _leaf(
        "ULS.OTOBUS.08",
        "Otobüste güvenlik sorunu, kaza veya taciz",
        "Safety incident, accident or harassment on a bus",
        "ESHOT.KONTROL",
        (1, 12),
        "kaza taciz kavga güvenlik tehlike yaralandım düştüm otobüste",
        unit=_CAL,
        priority="high",
    ),
    _group("ULS.KART", "İzmirim Kart", "İzmirim Kart (transit card)"),
    _leaf(
        "ULS.KART.01",
        "Kart dolum / bakiye yükleme sorunu",
        "Card top-up or balance problem",
        "ESHOT",
        (9, 45),
        "izmirim kart kent dolum bakiye yüklenmedi para yüklemedim kiosk",
    ),
    _leaf(
        "ULS.KART.02",
        "Kayıp / çalıntı kart, bakiye aktarımı",
        "Lost or stolen card, balance transfer",
        "ESHOT",
        (9, 45),
        "kayıp kayip çalıntı kart kaybettim bakiye aktarma iptal yeni",
    ),
    _leaf(
        "ULS.KART.03",
        "İndirimli / ücretsiz kart başvurusu (öğrenci, 65 yaş, engelli)",
        "Discounted or free card application (student, over 65, disabled)",
        "ESHOT",
        (9, 90),
        "öğrenci ogrenci indirimli ücretsiz 65 yaş engelli kart başvuru vize",
    ),
    _leaf(
        "ULS.KART.04",
        "Validatör arızası / fazla ücret kesildi",
        "Card reader fault or overcharged fare",
        "ESHOT",
        (9, 45),
        "validatör validator okutmadı fazla para kesti çift basım aktarma ücreti",
    ),
    _group("ULS.RAYLI", "Metro ve Tramvay", "Metro and tram"),
    _leaf(
        "ULS.RAYLI.01",
        "Metro şikâyeti",
        "Metro complaint",
        "METRO",
        (9, 45),
        "metro sefer kalabalık gecikme istasyon vagon klima temizlik",
    ),
    _leaf(
        "ULS.RAYLI.02",
        "Tramvay şikâyeti",
        "Tram complaint",
        "METRO",
        (9, 45),
        "tramvay karşıyaka tramvayı konak çiğli sefer gecikme",
    ),
    _leaf(
        "ULS.RAYLI.03",
        "İstasyon asansörü / yürüyen merdiven arızası",
        "Station lift or escalator out of order",
        "METRO",
        (4, 18),
        "asansör asansor yürüyen merdiven istasyon çalışmıyor arıza engelli",
        priority="high",
        needs_approval=False,
    ),
    _leaf(
        "ULS.RAYLI.04",
        "Raylı sistem inşaat çalışması şikâyeti",
        "Complaint about rail construction works",
        "RAYLI",
        (9, 90),
        "metro inşaatı tramvay şantiye toz gürültü yol kapandı",
        requires_location=True,
    ),
    _group("ULS.DENIZ", "Deniz Ulaşımı (İzdeniz)", "Ferries (İzdeniz)"),
    _leaf(
        "ULS.DENIZ.01",
        "Vapur / feribot şikâyeti",
        "Ferry complaint",
        "IZDENIZ",
        (9, 45),
        "vapur feribot izdeniz iskele sefer gecikme kaçırdım personel",
    ),
    _leaf(
        "ULS.DENIZ.02",
        "Vapur sefer saati / iskele talebi",
        "Ferry timetable or pier request",
        "IZDENIZ",
        (18, 135),
        "vapur sefer saati tarife iskele yeni sabah akşam",
        priority="low",
    ),
    _group("ULS.TRAFIK", "Trafik ve Yol Güvenliği", "Traffic and road safety"),
    _leaf(
        "ULS.TRAFIK.01",
        "Trafik ışığı (sinyalizasyon) arızası",
        "Traffic light fault",
        "ULASIM.TRAFIK",
        (2, 18),
        "trafik ışığı isigi lamba sinyalizasyon yanmıyor arıza kırmızı yeşil",
        priority="high",
        needs_approval=False,
        requires_location=True,
    ),
    _leaf(
        "ULS.TRAFIK.02",
        "Yol çizgisi / yaya geçidi boyası",
        "Road marking or zebra crossing paint",
        "ULASIM.TRAFIK",
        (18, 135),
        "yol çizgisi cizgi yaya geçidi boya silinmiş şerit zebra",
        priority="low",
        requires_location=True,
    ),
    _leaf(
        "ULS.TRAFIK.03",
        "Hız kesici (kasis) talebi",
        "Speed bump request",
        "ULASIM.TRAFIK",
        (18, 135),
        "kasis hız kesici hiz tümsek araçlar hızlı geçiyor okul önü",
        priority="low",
        requires_location=True,
    ),
    _leaf(
        "ULS.TRAFIK.04",
        "Eksik / hasarlı trafik levhası",
        "Missing or damaged traffic sign",
        "ULASIM.TRAFIK",
        (9, 45),
        "levha tabela trafik işareti yön levhası devrilmiş eksik",
        requires_location=True,
    ),
    _leaf(
        "ULS.TRAFIK.05",
        "Taksi / dolmuş / servis şikâyeti",
        "Taxi, minibus (dolmuş) or shuttle complaint",
        "ULASIM.TOPLU",
        (9, 90),
        "taksi dolmuş dolmus minibüs servis taksimetre fazla ücret plaka",
    ),
    # ------------------------------------------------------------------ PARK: parks & trees
    _group("PARK", "Park, Bahçe ve Ağaç", "Parks, gardens and trees"),
    _group("PARK.BAKIM", "Park ve Yeşil Alan Bakımı", "Park and green space maintenance"),
    _leaf(
        "PARK.BAKIM.01",
        "Park bakımı / çim biçme",
        "Park maintenance or grass cutting",
        "PARK.BAKIM",
        (9, 90),
        "park bakımsız çim biçme ot yabani yeşil alan bahçe",
        requires_location=True,
    ),
    _leaf(
        "PARK.BAKIM.02",
        "Kırık çocuk oyun grubu",
        "Broken playground equipment",
        "PARK.BAKIM",
        (4, 45),
        "oyun parkı çocuk salıncak kaydırak tahterevalli kırık kirik tehlikeli",
        priority="high",
        needs_approval=False,
        requires_location=True,
    ),
    _leaf(
        "PARK.BAKIM.03",
        "Sulama arızası / fıskiye su kaçağı",
        "Irrigation leak or broken sprinkler",
        "PARK.BAKIM",
        (9, 27),
        "sulama fıskiye fiskiye su akıyor boşa damla patlak",
        needs_approval=False,
        requires_location=True,
    ),
    _leaf(
        "PARK.BAKIM.04",
        "Kırık bank, spor aleti veya park mobilyası",
        "Broken bench, outdoor fitness equipment or park furniture",
        "PARK.BAKIM",
        (9, 90),
        "bank oturak spor aleti kamelya çöp kovası kırık kirik park",
        requires_location=True,
    ),
    _leaf(
        "PARK.BAKIM.05",
        "Yeni park / yeşil alan talebi",
        "Request for a new park or green space",
        "PARK",
        (18, 135),
        "yeni park yeşil alan boş arsa oyun alanı mahalleye",
        priority="low",
        requires_location=True,
    ),
    _group("PARK.AGAC", "Ağaç İşleri", "Trees"),
    _leaf(
        "PARK.AGAC.01",
        "Devrilen ağaç / kırılan dal (yolu kapatan)",
        "Fallen tree or branch blocking the way",
        "PARK.ACIL",
        (1, 6),
        "ağaç agac devrildi düştü dal kırıldı yol kapandı fırtına araç üstüne",
        unit=_CAL,
        priority="urgent",
        needs_approval=False,
        requires_location=True,
    ),
    _leaf(
        "PARK.AGAC.02",
        "Ağaç budama talebi",
        "Tree pruning request",
        "PARK.BAKIM",
        (18, 135),
        "budama ağaç agac dal kesilsin cama değiyor kablo gölge",
        priority="low",
        requires_location=True,
    ),
    _leaf(
        "PARK.AGAC.03",
        "Devrilme riski taşıyan ağaç",
        "Tree at risk of falling",
        "PARK.ACIL",
        (2, 24),
        "ağaç agac eğildi devrilecek çürük kuru tehlike yıkılacak",
        unit=_CAL,
        priority="high",
        requires_location=True,
    ),
    _leaf(
        "PARK.AGAC.04",
        "İzinsiz ağaç kesimi",
        "Unauthorised tree felling",
        "PARK.BAKIM",
        (9, 90),
        "ağaç kesimi izinsiz kesiyorlar kesildi katliamı",
        requires_location=True,
    ),
    _leaf(
        "PARK.AGAC.05",
        "Ağaçlandırma / fidan dikimi talebi",
        "Tree planting request",
        "PARK",
        (18, 135),
        "fidan ağaç dikimi ağaçlandırma agaclandirma dikilsin",
        priority="low",
        requires_location=True,
    ),
    _leaf(
        "PARK.AGAC.06",
        "Ağaç hastalığı / zararlı (çam kese böceği)",
        "Tree disease or pests (e.g. pine processionary moth)",
        "PARK.BAKIM",
        (9, 90),
        "çam kese böceği tırtıl hastalık zararlı böcek ilaçlama ağaç kurudu",
        requires_location=True,
    ),
    # ------------------------------------------------------------------ ATIK: waste & cleaning
    _group("ATIK", "Atık ve Temizlik", "Waste and cleaning"),
    _group("ATIK.COP", "Çöp ve Konteyner", "Household waste and containers"),
    _leaf(
        "ATIK.COP.01",
        "Alınmayan çöp",
        "Uncollected garbage",
        "ATIK.TEMIZLIK",
        (4, 18),
        "çöp cop alınmadı toplanmadı kamyonu gelmedi koku birikti",
        needs_approval=False,
        requires_location=True,
    ),
    _leaf(
        "ATIK.COP.02",
        "Konteyner talebi",
        "Garbage container request",
        "ATIK.TEMIZLIK",
        (9, 90),
        "konteyner çöp kutusu cop bidon yetersiz yeni",
        priority="low",
        requires_location=True,
    ),
    _leaf(
        "ATIK.COP.03",
        "Hasarlı / kırık konteyner",
        "Damaged or broken container",
        "ATIK.TEMIZLIK",
        (9, 45),
        "konteyner kırık kirik tekerlek kapak yandı hasarlı",
        requires_location=True,
    ),
    _leaf(
        "ATIK.COP.04",
        "Konteyner yıkama / çöp kokusu",
        "Container washing or garbage smell",
        "ATIK.TEMIZLIK",
        (9, 45),
        "konteyner yıkama yikama koku kokuyor sinek pis",
        requires_location=True,
    ),
    _group("ATIK.TEMIZLIK", "Cadde ve Sokak Temizliği", "Street cleaning"),
    _leaf(
        "ATIK.TEMIZLIK.01",
        "Mahalle sokağı temizliği",
        "Neighbourhood street sweeping",
        "ATIK.TEMIZLIK",
        (9, 45),
        "sokak süpürme supurme temizlik kirli pis yaprak çöp",
        requires_location=True,
    ),
    _leaf(
        "ATIK.TEMIZLIK.02",
        "Ana cadde / bulvar temizliği",
        "Main road or boulevard cleaning",
        "ATIK.TEMIZLIK",
        (9, 27),
        "cadde bulvar ana yol refüj süpürme yıkama temizlik",
        requires_location=True,
    ),
    _leaf(
        "ATIK.TEMIZLIK.03",
        "Moloz / inşaat atığı dökülmesi",
        "Dumped debris or construction waste",
        "ATIK",
        (9, 45),
        "moloz hafriyat inşaat atığı döküldü kaçak döküm tadilat artığı",
        requires_location=True,
    ),
    _leaf(
        "ATIK.TEMIZLIK.04",
        "Sahil / plaj temizliği",
        "Beach or shoreline cleaning",
        "ATIK.TEMIZLIK",
        (9, 45),
        "sahil plaj kordon kıyı deniz kenarı çöp temizlik",
        requires_location=True,
    ),
    _group("ATIK.GERI", "Geri Dönüşüm ve Özel Atıklar", "Recycling and special waste"),
    _leaf(
        "ATIK.GERI.01",
        "Geri dönüşüm kutusu talebi",
        "Recycling bin request",
        "ATIK",
        (18, 135),
        "geri dönüşüm donusum kutu cam kağıt plastik ambalaj",
        priority="low",
        requires_location=True,
    ),
    _leaf(
        "ATIK.GERI.02",
        "Hacimli atık / eski eşya alımı",
        "Bulky waste or old furniture pickup",
        "ATIK.TEMIZLIK",
        (9, 45),
        "eski eşya esya koltuk kanepe dolap yatak beyaz hacimli atık",
        requires_location=True,
    ),
    _leaf(
        "ATIK.GERI.03",
        "Atık yağ, pil ve elektronik atık toplama",
        "Used cooking oil, battery and e-waste collection",
        "ATIK",
        (9, 90),
        "atık yağ bitkisel pil elektronik kızartma yağı",
        priority="low",
    ),
    # ------------------------------------------------------------------ CEVRE: environment
    _group("CEVRE", "Çevre, Gürültü ve Kirlilik", "Environment, noise and pollution"),
    _group("CEVRE.GURULTU", "Gürültü", "Noise"),
    _leaf(
        "CEVRE.GURULTU.01",
        "Eğlence yeri / müzik gürültüsü (şu an)",
        "Noise from an entertainment venue (ongoing)",
        "ZABITA.NOBET",
        (1, 4),
        "gürültü gurultu müzik ses bar düğün salonu kafe gece uyuyamıyoruz",
        unit=_CAL,
        priority="high",
        needs_approval=False,
        requires_location=True,
    ),
    _leaf(
        "CEVRE.GURULTU.02",
        "İşyeri / atölye gürültüsü (sürekli)",
        "Persistent noise from a workplace or workshop",
        "CEVRE.DENETIM",
        (9, 135),
        "gürültü gurultu atölye fabrika jeneratör klima motoru makine sesi",
        requires_location=True,
    ),
    _leaf(
        "CEVRE.GURULTU.03",
        "İnşaatta izin saatleri dışında çalışma",
        "Construction work outside permitted hours",
        "ZABITA.NOBET",
        (2, 8),
        "inşaat şantiye gece çalışma gürültü beton pompası hafta sonu",
        unit=_CAL,
        priority="high",
        needs_approval=False,
        requires_location=True,
    ),
    _group("CEVRE.KIRLILIK", "Kirlilik", "Pollution"),
    _leaf(
        "CEVRE.KIRLILIK.01",
        "Hava kirliliği / baca dumanı",
        "Air pollution or chimney smoke",
        "CEVRE.DENETIM",
        (9, 90),
        "hava kirliliği duman baca kömür is toz egzoz",
        requires_location=True,
    ),
    _leaf(
        "CEVRE.KIRLILIK.02",
        "Kötü koku (sanayi, tesis)",
        "Bad odour from industry or a facility",
        "CEVRE.DENETIM",
        (9, 90),
        "koku kokuyor pis sanayi fabrika tesis çöplük gübre",
        requires_location=True,
    ),
    _leaf(
        "CEVRE.KIRLILIK.03",
        "Denize / dereye atık boşaltma",
        "Waste discharge into the sea or a stream",
        "CEVRE.DENETIM",
        (4, 27),
        "deşarj atık su dereye denize boşaltıyor kimyasal yağ kirlilik",
        priority="high",
        requires_location=True,
    ),
    _leaf(
        "CEVRE.KIRLILIK.04",
        "Açıkta atık / lastik yakma",
        "Open burning of waste or tyres",
        "CEVRE.DENETIM",
        (4, 27),
        "yakıyorlar lastik yakma kablo çöp duman",
        priority="high",
        requires_location=True,
    ),
    _leaf(
        "CEVRE.KIRLILIK.05",
        "Körfez kirliliği / deniz kokusu",
        "Pollution or odour in the Gulf of İzmir",
        "CEVRE.DENETIM",
        (9, 90),
        "körfez korfez deniz kokusu kirlilik balık ölümü müsilaj yosun",
    ),
    # ------------------------------------------------------------------ ZAB: zabıta
    _group("ZAB", "Zabıta", "Municipal police (zabıta)"),
    _leaf(
        "ZAB.01",
        "Seyyar satıcı",
        "Illegal street vendor",
        "ZABITA.OPERASYON",
        (4, 27),
        "seyyar satıcı satici işportacı tezgah izinsiz satış",
        requires_location=True,
    ),
    _leaf(
        "ZAB.02",
        "Kaldırım / yol işgali",
        "Occupation of the pavement or road",
        "ZABITA.OPERASYON",
        (9, 45),
        "işgal isgal kaldırım masa sandalye tezgah yaya geçemiyor teşhir",
        requires_location=True,
    ),
    _leaf(
        "ZAB.03",
        "Pazar yeri düzeni",
        "Order at a street market",
        "ZABITA",
        (9, 45),
        "pazar pazaryeri pazarcı tezgah fiyat gürültü sonrası",
        requires_location=True,
    ),
    _leaf(
        "ZAB.04",
        "Ruhsatsız işyeri",
        "Unlicensed business",
        "ZABITA",
        (9, 90),
        "ruhsatsız ruhsat izinsiz işyeri kaçak dükkan imalathane",
        requires_location=True,
    ),
    _leaf(
        "ZAB.05",
        "Gıda hijyeni / bozuk gıda satışı",
        "Food hygiene or sale of spoiled food",
        "ZABITA",
        (4, 45),
        "gıda gida hijyen bozuk küflü son kullanma tarihi lokanta fırın pis",
        priority="high",
        requires_location=True,
    ),
    _leaf(
        "ZAB.06",
        "Dilencilik",
        "Begging",
        "ZABITA.OPERASYON",
        (4, 27),
        "dilenci dilencilik çocuk ışıklarda para istiyor",
        requires_location=True,
    ),
    _leaf(
        "ZAB.07",
        "Fiyat etiketi / tartı hilesi",
        "Missing price tags or rigged scales",
        "ZABITA",
        (9, 45),
        "etiket fiyat tartı terazi eksik fahiş fiş vermiyor",
        requires_location=True,
    ),
    _leaf(
        "ZAB.08",
        "Terk edilmiş / hurda araç",
        "Abandoned or scrap vehicle",
        "ZABITA",
        (9, 90),
        "hurda araç araba terk edilmiş çekilsin aylardır duruyor",
        requires_location=True,
    ),
    _leaf(
        "ZAB.09",
        "İzinsiz afiş / ilan / pankart",
        "Unauthorised posters, flyers or banners",
        "ZABITA",
        (9, 45),
        "afiş afis ilan pankart el ilanı duvar yazısı izinsiz reklam",
        priority="low",
        requires_location=True,
    ),
    # ------------------------------------------------------------------ ITF: fire safety
    _group("ITF", "İtfaiye ve Yangın Güvenliği", "Fire brigade and fire safety"),
    _leaf(
        "ITF.01",
        "Yangın güvenliği denetimi talebi",
        "Fire safety inspection request",
        "ITFAIYE.ONLEME",
        (9, 135),
        "yangın yangin denetim tüp merdiveni uygunluk raporu itfaiye",
        requires_location=True,
    ),
    _leaf(
        "ITF.02",
        "Yangın riski (baca, kuru ot, biriken malzeme)",
        "Fire risk (chimney, dry grass, stored material)",
        "ITFAIYE",
        (1, 8),
        "yangın riski kuru ot baca tutuşabilir biriken eşya tüp duman",
        unit=_CAL,
        priority="urgent",
        needs_approval=False,
        requires_location=True,
    ),
    _leaf(
        "ITF.03",
        "Yıkılma tehlikesi olan bina",
        "Building at risk of collapse",
        "ITFAIYE",
        (1, 6),
        "yıkılacak yikilacak çatlak bina tehlike çöktü çökme riski metruk",
        unit=_CAL,
        priority="urgent",
        needs_approval=False,
        requires_location=True,
    ),
    _leaf(
        "ITF.04",
        "Baca temizliği talebi",
        "Chimney sweeping request",
        "ITFAIYE.ONLEME",
        (18, 135),
        "baca temizliği bacası tıkalı soba kurum",
        priority="low",
        requires_location=True,
    ),
    _leaf(
        "ITF.05",
        "Yangın eğitimi / tatbikat talebi",
        "Fire training or drill request",
        "ITFAIYE.ONLEME",
        (18, 135),
        "yangın eğitimi tatbikat okul site eğitim söndürme",
        priority="low",
    ),
    _leaf(
        "ITF.06",
        "Mahsur kalan hayvan kurtarma",
        "Rescue of a trapped animal",
        "ITFAIYE",
        (1, 4),
        "kedi ağaçta mahsur kaldı kuyuya düştü kurtarma sıkıştı",
        unit=_CAL,
        priority="high",
        needs_approval=False,
        requires_location=True,
        is_public=False,
    ),
    # ------------------------------------------------------------------ SOS: social services
    _group("SOS", "Sosyal Hizmetler", "Social services"),
    _group("SOS.YARDIM", "Sosyal Yardım", "Social aid"),
    _leaf(
        "SOS.YARDIM.01",
        "Sosyal yardım başvurusu",
        "Social aid application",
        "SOSYAL.YARDIM",
        (9, 135),
        "yardım yardim başvuru muhtaç ihtiyaç sahibi nakdi destek",
    ),
    _leaf(
        "SOS.YARDIM.02",
        "Gıda / erzak yardımı",
        "Food aid",
        "SOSYAL.YARDIM",
        (9, 90),
        "gıda gida erzak kumanya koli market kartı yiyecek",
    ),
    _leaf(
        "SOS.YARDIM.03",
        "Kömür / yakacak yardımı",
        "Coal or heating fuel aid",
        "SOSYAL.YARDIM",
        (9, 90),
        "kömür komur yakacak odun ısınma kış yardımı",
    ),
    _leaf(
        "SOS.YARDIM.04",
        "Yardım başvurusu sonucu",
        "Status of an aid application",
        "SOSYAL.YARDIM",
        (4, 18),
        "başvuru sonucu ne oldu çıktı mı sorgulama yardım durumu",
        priority="low",
        needs_approval=False,
    ),
    _leaf(
        "SOS.YARDIM.05",
        "Kent Lokantası",
        "Kent Lokantası (municipal low-cost restaurant)",
        "SOSPROJE",
        (9, 45),
        "kent lokantası lokanta ucuz yemek sıcak aşevi asevi",
        priority="low",
    ),
    _group("SOS.ENGELLI", "Engelli Hizmetleri", "Services for disabled people"),
    _leaf(
        "SOS.ENGELLI.01",
        "Engelli ulaşım aracı talebi",
        "Accessible transport request",
        "SOSYAL.ENGELLI",
        (9, 45),
        "engelli aracı ulaşım hastane nakil tekerlekli sandalye servis rampalı araç",
        requires_location=True,
    ),
    _leaf(
        "SOS.ENGELLI.02",
        "Tekerlekli sandalye, akülü araç, medikal malzeme",
        "Wheelchair, mobility scooter or medical equipment",
        "SOSYAL.ENGELLI",
        (9, 135),
        "tekerlekli sandalye akülü araç hasta yatağı havalı yatak işitme cihazı",
    ),
    _leaf(
        "SOS.ENGELLI.03",
        "Erişilebilirlik şikâyeti",
        "Accessibility complaint",
        "SOSYAL.ENGELLI",
        (9, 90),
        "erişilebilirlik erisilebilirlik engelli rampa asansör yok ulaşılamıyor",
        requires_location=True,
    ),
    _group("SOS.YASLI", "Yaşlı ve Evde Bakım", "Elderly and home care"),
    _leaf(
        "SOS.YASLI.01",
        "Yaşlılara evde bakım / temizlik desteği",
        "Home care or cleaning support for the elderly",
        "SOSYAL.YASLI",
        (9, 90),
        "yaşlı yasli evde bakım ev temizliği yalnız yaşıyor kişisel",
        requires_location=True,
    ),
    _leaf(
        "SOS.YASLI.02",
        "Evde sağlık hizmeti",
        "Home health care",
        "SAGLIK",
        (9, 90),
        "evde sağlık saglik hemşire pansuman iğne yatağa bağlı hasta",
        requires_location=True,
    ),
    _leaf(
        "SOS.YASLI.03",
        "Huzurevi / yaşlı yaşam merkezi başvurusu",
        "Nursing home or elderly centre application",
        "SOSYAL.YASLI",
        (9, 135),
        "huzurevi yaşlı evi bakımevi yaşam merkezi başvuru",
    ),
    _group("SOS.KORUMA", "Koruma ve Destek", "Protection and support"),
    _leaf(
        "SOS.KORUMA.01",
        "Şiddet gören kadın için destek",
        "Support for women facing violence",
        "SOSYAL",
        (2, 27),
        "şiddet siddet kadın dayak sığınma evi danışma koruma",
        priority="high",
        is_public=False,
    ),
    _leaf(
        "SOS.KORUMA.02",
        "Sokakta yaşayan / evsiz kişi",
        "Homeless person sleeping rough",
        "SOSYAL",
        (4, 27),
        "evsiz sokakta yatıyor kimsesiz soğukta barınma",
        priority="high",
        requires_location=True,
    ),
    # ------------------------------------------------------------------ MEZ: cemeteries
    _group("MEZ", "Mezarlık ve Cenaze Hizmetleri", "Cemeteries and funeral services"),
    _leaf(
        "MEZ.01",
        "Cenaze nakil aracı talebi",
        "Hearse or funeral transport request",
        "MEZARLIK.CENAZE",
        (1, 6),
        "cenaze aracı arabası nakil vefat ölüm morg defin",
        unit=_CAL,
        priority="urgent",
        needs_approval=False,
        requires_location=True,
        is_public=False,
    ),
    _leaf(
        "MEZ.02",
        "Taziye çadırı / cenaze hizmetleri talebi",
        "Condolence tent or funeral service request",
        "MEZARLIK.CENAZE",
        (2, 12),
        "taziye çadırı cadiri sandalye cenaze yıkama kefen lokma mevlit",
        unit=_CAL,
        priority="high",
        needs_approval=False,
        requires_location=True,
    ),
    _leaf(
        "MEZ.03",
        "Mezarlık bakımı / temizliği",
        "Cemetery maintenance or cleaning",
        "MEZARLIK",
        (9, 90),
        "mezarlık mezarlik bakımsız ot temizlik yol su musluk",
        requires_location=True,
    ),
    _leaf(
        "MEZ.04",
        "Mezar yeri tahsisi",
        "Grave plot allocation",
        "MEZARLIK",
        (9, 90),
        "mezar yeri tahsis aile mezarı kabir yer almak",
    ),
    _leaf(
        "MEZ.05",
        "Mezar yapım / onarım izni",
        "Permit to build or repair a grave",
        "MEZARLIK",
        (9, 90),
        "mezar yapımı onarım mermer taşı izin",
    ),
    _leaf(
        "MEZ.06",
        "Mezar yeri sorgulama",
        "Locating a grave",
        "MEZARLIK",
        (4, 18),
        "mezar nerede sorgulama ada parsel defin kaydı bulamıyorum",
        priority="low",
        needs_approval=False,
    ),
    # ------------------------------------------------------------------ HAYVAN: animals
    _group("HAYVAN", "Sokak Hayvanları, Veteriner ve İlaçlama", "Stray animals, vets and pests"),
    _group("HAYVAN.SOKAK", "Sokak Hayvanları", "Stray animals"),
    _leaf(
        "HAYVAN.SOKAK.01",
        "Sahipsiz köpek şikâyeti",
        "Stray dog complaint",
        "SAGLIK.VETERINER",
        (9, 45),
        "köpek kopek sokak köpeği başıboş saldırgan havlıyor sürü ısırdı",
        requires_location=True,
    ),
    _leaf(
        "HAYVAN.SOKAK.02",
        "Yaralı / hasta hayvan",
        "Injured or sick animal",
        "SAGLIK.VETERINER.ACIL",
        (1, 6),
        "yaralı yarali hasta kedi köpek araba çarptı kanıyor topallıyor",
        unit=_CAL,
        priority="urgent",
        needs_approval=False,
        requires_location=True,
    ),
    _leaf(
        "HAYVAN.SOKAK.03",
        "Barınaktan hayvan sahiplenme",
        "Adopting an animal from the shelter",
        "SAGLIK.VETERINER",
        (9, 45),
        "sahiplenme sahiplendirme barınak barinak yavru köpek kedi",
        priority="low",
    ),
    _leaf(
        "HAYVAN.SOKAK.04",
        "Kısırlaştırma talebi",
        "Neutering request",
        "SAGLIK.VETERINER",
        (9, 90),
        "kısırlaştırma kisirlastirma sokak kedisi kuduz aşı küpe",
        requires_location=True,
    ),
    _leaf(
        "HAYVAN.SOKAK.05",
        "Ölü hayvan kaldırılması",
        "Removal of a dead animal",
        "SAGLIK.VETERINER",
        (4, 18),
        "ölü olu hayvan leş kedi köpek ölmüş kaldırılsın",
        needs_approval=False,
        requires_location=True,
    ),
    _leaf(
        "HAYVAN.SOKAK.06",
        "Besleme odağı / mama kabı talebi",
        "Feeding station request for strays",
        "SAGLIK.VETERINER",
        (18, 135),
        "mama kabı besleme odağı su kulübe kedi evi",
        priority="low",
        requires_location=True,
    ),
    _group("HAYVAN.ILACLAMA", "İlaçlama", "Pest control"),
    _leaf(
        "HAYVAN.ILACLAMA.01",
        "Haşere ilaçlama (fare, hamamböceği)",
        "Pest control (rodents, cockroaches)",
        "SAGLIK.VEKTOR",
        (9, 45),
        "ilaçlama ilaclama fare sıçan hamamböceği haşere böcek pire kene",
        requires_location=True,
    ),
    _leaf(
        "HAYVAN.ILACLAMA.02",
        "Sivrisinek / karasinek ilaçlama",
        "Mosquito or fly spraying",
        "SAGLIK.VEKTOR",
        (9, 45),
        "sivrisinek sinek karasinek ilaçlama ilaclama larva bataklık",
        requires_location=True,
    ),
    # ------------------------------------------------------------------ IMAR: zoning
    _group("IMAR", "İmar ve Yapılaşma", "Zoning and construction"),
    _group("IMAR.PLAN", "İmar Planları", "Zoning plans"),
    _leaf(
        "IMAR.PLAN.01",
        "İmar durumu sorgulama",
        "Zoning status inquiry",
        "IMAR",
        (9, 45),
        "imar durumu ada parsel plan sorgulama yapılaşma emsal",
        priority="low",
        requires_location=True,
    ),
    _leaf(
        "IMAR.PLAN.02",
        "İmar planı itirazı / plan değişikliği talebi",
        "Objection to a zoning plan or plan change request",
        "IMAR",
        (18, 135),
        "plan itirazı askı değişikliği tadilat imar planı",
    ),
    _leaf(
        "IMAR.PLAN.03",
        "Kentsel dönüşüm bilgi talebi",
        "Urban regeneration information",
        "KENTSEL",
        (9, 90),
        "kentsel dönüşüm donusum riskli yapı hak sahipliği yıkım",
    ),
    _group("IMAR.YAPI", "Yapı Denetimi ve Ruhsat", "Building control and permits"),
    _leaf(
        "IMAR.YAPI.01",
        "Kaçak yapı şikâyeti",
        "Illegal construction complaint",
        "IMAR.YAPIKONTROL",
        (9, 135),
        "kaçak kacak yapı inşaat ruhsatsız kat çıkıyor izinsiz ek bina",
        requires_location=True,
    ),
    _leaf(
        "IMAR.YAPI.02",
        "Yapı ruhsatı / iskân sorgulama",
        "Building permit or occupancy permit inquiry",
        "IMAR",
        (9, 90),
        "ruhsat yapı ruhsatı iskan iskân oturma izni proje",
        requires_location=True,
    ),
    _leaf(
        "IMAR.YAPI.03",
        "Güvensiz inşaat alanı / iskele tehlikesi",
        "Unsafe construction site or scaffolding",
        "IMAR.YAPIKONTROL",
        (4, 27),
        "iskele şantiye güvenlik tehlike malzeme düşüyor çukur açık",
        priority="high",
        requires_location=True,
    ),
    _leaf(
        "IMAR.YAPI.04",
        "Metruk bina",
        "Derelict or abandoned building",
        "IMAR.YAPIKONTROL",
        (9, 135),
        "metruk boş bina harabe madde bağımlısı tehlike yıkılsın",
        requires_location=True,
    ),
    # ------------------------------------------------------------------ KULTUR: culture & sport
    _group("KULTUR", "Kültür, Sanat ve Spor", "Culture, arts and sport"),
    _group("KULTUR.SANAT", "Kültür ve Sanat", "Culture and arts"),
    _leaf(
        "KULTUR.SANAT.01",
        "Kültür-sanat etkinliği bilgisi",
        "Cultural event information",
        "KULTUR",
        (4, 18),
        "etkinlik konser tiyatro sergi festival program ne zaman",
        priority="low",
        needs_approval=False,
    ),
    _leaf(
        "KULTUR.SANAT.02",
        "Konser / tiyatro bilet sorunu",
        "Concert or theatre ticket problem",
        "KULTUR",
        (9, 45),
        "bilet iade tiyatro konser rezervasyon ödeme",
    ),
    _leaf(
        "KULTUR.SANAT.03",
        "Kütüphane hizmetleri",
        "Library services",
        "KULTUR",
        (9, 45),
        "kütüphane kutuphane kitap üyelik çalışma salonu",
        priority="low",
    ),
    _leaf(
        "KULTUR.SANAT.04",
        "Salon / etkinlik alanı tahsisi",
        "Hall or venue booking request",
        "KULTUR",
        (18, 90),
        "salon tahsis etkinlik alanı kiralama toplantı salonu sahne",
        priority="low",
    ),
    _group("KULTUR.SPOR", "Gençlik ve Spor", "Youth and sport"),
    _leaf(
        "KULTUR.SPOR.01",
        "Spor tesisi rezervasyonu",
        "Sports facility booking",
        "GENCLIK.TESIS",
        (9, 27),
        "spor salonu halı saha hali havuz tenis rezervasyon kiralama",
        priority="low",
    ),
    _leaf(
        "KULTUR.SPOR.02",
        "Spor kursu / yaz okulu kaydı",
        "Sports course or summer school registration",
        "GENCLIK",
        (9, 45),
        "spor kursu yüzme yaz okulu kayıt çocuk gençlik",
        priority="low",
    ),
    _leaf(
        "KULTUR.SPOR.03",
        "Spor tesisi bakım / hijyen şikâyeti",
        "Sports facility maintenance or hygiene complaint",
        "GENCLIK.TESIS",
        (9, 45),
        "havuz soyunma odası duş pis kirli bozuk spor tesisi",
        requires_location=True,
    ),
    # ------------------------------------------------------------------ BILGI: information
    _group("BILGI", "Bilgi Talepleri", "Information requests"),
    _leaf(
        "BILGI.01",
        "Çalışma saatleri, adres ve telefon bilgisi",
        "Opening hours, addresses and phone numbers",
        "BASIN.HIM",
        (2, 9),
        "telefon numara adres saat kaçta açık mesai çalışma saatleri",
        priority="low",
        needs_approval=False,
    ),
    _leaf(
        "BILGI.02",
        "Belediye hizmetleri hakkında genel bilgi",
        "General information about municipal services",
        "BASIN.HIM",
        (4, 18),
        "bilgi nasıl nereye başvuru hizmet belge evrak",
        priority="low",
        needs_approval=False,
    ),
    _leaf(
        "BILGI.03",
        "Başvuru / talep durumu sorgulama",
        "Status of an earlier request",
        "BASIN.HIM",
        (2, 9),
        "başvurum talebim şikayetim ne oldu durum takip numara",
        priority="low",
        needs_approval=False,
    ),
    # ------------------------------------------------------------------ KURUMSAL: corporate
    _group("KURUMSAL", "Kurumsal Hizmetler", "Corporate services"),
    _leaf(
        "KURUMSAL.01",
        "Web sitesi, e-Belediye veya mobil uygulama sorunu",
        "Website, e-services or mobile app problem",
        "BILGIISLEM",
        (9, 45),
        "web site internet e-belediye mobil uygulama giriş şifre hata ödeme",
    ),
    _leaf(
        "KURUMSAL.02",
        "Belediye taşınmazı kira / ecrimisil",
        "Municipal property rental or occupation charge",
        "EMLAK",
        (9, 135),
        "kira ecrimisil taşınmaz arsa dükkan belediye malı ihale",
    ),
    _leaf(
        "KURUMSAL.03",
        "Muhtar talepleri",
        "Requests from neighbourhood headmen (muhtars)",
        "MUHTAR",
        (9, 90),
        "muhtar muhtarlık mahalle talebi muhtarlar",
        is_public=False,
    ),
    _leaf(
        "KURUMSAL.04",
        "Çiftçi / üretici destekleri",
        "Support for farmers and producers",
        "TARIM",
        (9, 90),
        "çiftçi ciftci üretici fide fidan tohum hayvancılık kooperatif süt",
    ),
    _leaf(
        "KURUMSAL.05",
        "Belediye personeli davranışı şikâyeti",
        "Complaint about municipal staff conduct",
        "BASIN.HIM",
        (9, 135),
        "personel memur kaba davranış ilgisiz saygısız çalışan",
    ),
    _leaf(
        "KURUMSAL.06",
        "Belediye aracı / iş makinesi şikâyeti",
        "Complaint about a municipal vehicle or machine",
        "MAKINE",
        (9, 90),
        "belediye aracı iş makinesi kamyon hatalı park hızlı kullanım plaka",
    ),
    _leaf(
        "KURUMSAL.07",
        "Belediye inşaat çalışması şikâyeti",
        "Complaint about a municipal construction site",
        "YAPI",
        (9, 90),
        "belediye inşaatı şantiye bina yapımı çalışma toz gürültü",
        requires_location=True,
    ),
    # ------------------------------------------------------------------ TESEKKUR: thanks
    _group("TESEKKUR", "Teşekkür, Öneri ve Dilekler", "Thanks and suggestions"),
    _leaf(
        "TESEKKUR.01",
        "Teşekkür",
        "Thanks or compliment",
        "BASIN.HIM",
        (9, 45),
        "teşekkür tesekkur memnun sağolun tebrik güzel hizmet",
        priority="low",
        needs_approval=False,
    ),
    _leaf(
        "TESEKKUR.02",
        "Öneri / dilek",
        "Suggestion",
        "BASIN.HIM",
        (9, 135),
        "öneri oneri dilek fikir proje önerim istek",
        priority="low",
    ),
)


# --------------------------------------------------------------------------- routing rules


def _to_every_district(topic: str, note: str) -> tuple[RoutingRuleSeed, ...]:
    return tuple(RoutingRuleSeed(topic, d.code, f"ILCE.{d.code}", note) for d in DISTRICTS)


_BULKY_WASTE_DISTRICTS = (
    "BAYRAKLI",
    "BORNOVA",
    "BUCA",
    "CIGLI",
    "KARABAGLAR",
    "KARSIYAKA",
    "KONAK",
)

ROUTING_RULES: tuple[RoutingRuleSeed, ...] = (
    # Household waste collection and containers: district municipalities collect, the
    # metropolitan municipality transfers and disposes (Law 5216, art. 7/i).
    *_to_every_district(
        "ATIK.COP",
        "Evsel atık toplama ilçe belediyesinin görevidir (5216 s. Kanun md. 7/i).",
    ),
    # Neighbourhood streets are swept by the district; main arteries stay metropolitan.
    *_to_every_district(
        "ATIK.TEMIZLIK.01",
        "Mahalle ara sokakları ilçe belediyesince temizlenir; ana arterler Büyükşehir'dedir.",
    ),
    # Street markets (semt pazarları) are run by the district municipalities.
    *_to_every_district("ZAB.03", "Semt pazarlarının düzeni ilçe belediyesi zabıtasındadır."),
    # Building and occupancy permits are issued by the district municipality.
    *_to_every_district(
        "IMAR.YAPI.02",
        "Yapı ruhsatı ve iskân ilçe belediyesince verilir (3194 s. İmar Kanunu md. 21).",
    ),
    # Bulky-waste pickup is offered by these district municipalities' own crews.
    *(
        RoutingRuleSeed(
            "ATIK.GERI.02",
            code,
            f"ILCE.{code}",
            "Hacimli atık (eski eşya) alımını ilçe belediyesi ekipleri yapar.",
        )
        for code in _BULKY_WASTE_DISTRICTS
    ),
)


# --------------------------------------------------------------------------- demo users

DEMO_USERS: tuple[DemoUserSeed, ...] = (
    DemoUserSeed(
        username="operator",
        full_name="Ayşe Yılmaz",
        role="operator",
        department="BASIN.HIM",
        email="operator@izmir.example.org",
        phone="+905550000001",
        phone_extension="4001",
    ),
    DemoUserSeed(
        username="backoffice",
        full_name="Mehmet Kaya",
        role="back_office",
        department="BASIN.HIM",
        email="backoffice@izmir.example.org",
        phone="+905550000002",
    ),
    DemoUserSeed(
        username="fen.personel",
        full_name="Elif Demir",
        role="dept_staff",
        department="FEN.YOL",
        email="fen.personel@izmir.example.org",
        phone="+905550000003",
    ),
    DemoUserSeed(
        username="park.personel",
        full_name="Can Öztürk",
        role="dept_staff",
        department="PARK.BAKIM",
        email="park.personel@izmir.example.org",
        phone="+905550000004",
    ),
    DemoUserSeed(
        username="fen.mudur",
        full_name="Hüseyin Çelik",
        role="dept_manager",
        department="FEN.YOL",
        email="fen.mudur@izmir.example.org",
        phone="+905550000005",
    ),
    DemoUserSeed(
        username="fen.baskan",
        full_name="Gülşen Aydın",
        role="dept_manager",
        department="FEN",
        email="fen.baskan@izmir.example.org",
        phone="+905550000006",
        is_department_head=True,
    ),
    DemoUserSeed(
        username="saha",
        full_name="Mustafa Şahin",
        role="field_team",
        department="FEN.YOL",
        email="saha@izmir.example.org",
        phone="+905550000007",
    ),
    DemoUserSeed(
        username="yonetici",
        full_name="Zeynep Arslan",
        role="supervisor",
        department="BASIN.HIM",
        email="yonetici@izmir.example.org",
        phone="+905550000008",
    ),
    DemoUserSeed(
        username="admin",
        full_name="Sistem Yöneticisi",
        role="admin",
        department=None,
        email="admin@izmir.example.org",
    ),
)
