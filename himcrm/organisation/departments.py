"""Departments (birim): a tree of units plus affiliates, district municipalities and
other public bodies."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from himcrm.errors import ValidationError, parse_choice
from himcrm.models import (
    BusinessCalendar,
    Department,
    DepartmentKind,
    District,
    RoutingRule,
    TopicCode,
)
from himcrm.organisation import inputs
from himcrm.text import tr_sort_key


@dataclass(frozen=True, slots=True)
class DepartmentInput:
    """A department as entered on the admin form; codes, not ids."""

    code: str
    name: str
    kind: str
    parent_code: str = ""
    calendar_code: str = ""  # empty: the parent's calendar, else the default one
    district_code: str = ""  # district municipalities only
    email: str = ""
    is_active: bool = True


@dataclass(frozen=True, slots=True)
class _Checked:
    code: str
    name: str
    kind: DepartmentKind
    parent: Department | None
    calendar: BusinessCalendar | None
    district: District | None
    email: str | None


#: Top-level order: the municipality's own units first, then affiliates, then the rest.
_KIND_ORDER = {kind: i for i, kind in enumerate(DepartmentKind)}


def department_tree(session: Session) -> list[tuple[Department, int]]:
    """Every department in tree order (parents before children) with its depth.

    Top level by kind (directorates, affiliates, district municipalities, other
    bodies), then by name in Turkish alphabetical order.
    """
    rows = sorted(
        session.scalars(sa.select(Department)).all(),
        key=lambda d: (_KIND_ORDER[d.kind], tr_sort_key(d.name)),
    )
    children: dict[int | None, list[Department]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    ordered: list[tuple[Department, int]] = []
    seen: set[int] = set()

    def walk(parent_id: int | None, depth: int) -> None:
        for row in children.get(parent_id, []):
            if row.id in seen:  # defensive: a cycle written behind our back
                continue
            seen.add(row.id)
            ordered.append((row, depth))
            walk(row.id, depth + 1)

    walk(None, 0)
    return ordered


def _ancestor_ids(session: Session, department_id: int) -> list[int]:
    parents = dict(session.execute(sa.select(Department.id, Department.parent_id)).tuples().all())
    chain: list[int] = []
    current: int | None = department_id
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return chain


def _check(session: Session, data: DepartmentInput, existing: Department | None) -> _Checked:
    code = inputs.code(data.code)
    clash = session.scalar(sa.select(Department).where(Department.code == code))
    if clash is not None and clash is not existing:
        raise ValidationError(_l("Bu kodla bir birim zaten var."), field="code")
    name = inputs.text(data.name, "name", max_len=200, required=_l("Birim adı gerekli."))
    kind = parse_choice(DepartmentKind, data.kind, field="kind", message=_l("Birim türü seçin."))
    parent = inputs.by_code(
        session, Department, data.parent_code, "parent", _l("Bilinmeyen üst birim.")
    )
    # The new parent must not be the department itself or one of its descendants.
    if (
        parent is not None
        and existing is not None
        and existing.id in _ancestor_ids(session, parent.id)
    ):
        raise ValidationError(
            _l("Bir birim kendisinin ya da kendi alt biriminin altına taşınamaz."),
            field="parent",
        )
    calendar = inputs.by_code(
        session,
        BusinessCalendar,
        data.calendar_code,
        "calendar",
        _l("Bilinmeyen takvim."),
        upper=False,
    )
    district = inputs.by_code(
        session, District, data.district_code, "district", _l("Bilinmeyen ilçe.")
    )
    if kind is DepartmentKind.DISTRICT_MUNICIPALITY and district is None:
        raise ValidationError(_l("İlçe belediyesi için ilçe seçilmeli."), field="district")
    if kind is not DepartmentKind.DISTRICT_MUNICIPALITY and district is not None:
        raise ValidationError(_l("İlçe yalnızca ilçe belediyeleri için seçilir."), field="district")
    if district is not None:
        other = session.scalar(
            sa.select(Department).where(
                Department.district_id == district.id,
                Department.kind == DepartmentKind.DISTRICT_MUNICIPALITY,
            )
        )
        if other is not None and other is not existing:
            raise ValidationError(
                _l("Bu ilçenin belediyesi zaten kayıtlı: %(name)s", name=other.name),
                field="district",
            )
    return _Checked(code, name, kind, parent, calendar, district, inputs.email(data.email))


def _still_in_use(session: Session, department: Department) -> bool:
    """Active topics or routing rules send tickets to this department."""
    topic = session.scalar(
        sa.select(TopicCode.id).where(
            TopicCode.department_id == department.id, TopicCode.is_active.is_(True)
        )
    )
    rule = session.scalar(
        sa.select(RoutingRule.id).where(
            RoutingRule.department_id == department.id, RoutingRule.is_active.is_(True)
        )
    )
    return topic is not None or rule is not None


def _apply(department: Department, checked: _Checked, is_active: bool) -> None:
    department.code = checked.code
    department.name = checked.name
    department.kind = checked.kind
    department.parent = checked.parent
    department.calendar = checked.calendar
    department.district = checked.district
    department.email = checked.email
    department.is_active = is_active


def create_department(session: Session, data: DepartmentInput) -> Department:
    checked = _check(session, data, None)
    department = Department(code=checked.code, name=checked.name, kind=checked.kind)
    _apply(department, checked, data.is_active)
    session.add(department)
    session.flush()
    return department


def update_department(
    session: Session, department: Department, data: DepartmentInput
) -> Department:
    checked = _check(session, data, department)
    if department.is_active and not data.is_active and _still_in_use(session, department):
        raise ValidationError(
            _l(
                "Etkin konu kodları ya da yönlendirme kuralları bu birimi gösteriyor; "
                "önce onları başka birime bağlayın."
            ),
            field="is_active",
        )
    _apply(department, checked, data.is_active)
    session.flush()
    return department
