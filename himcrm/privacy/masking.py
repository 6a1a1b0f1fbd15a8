"""Which roles see a citizen's contact details in full."""

from __future__ import annotations

from himcrm.models import Role, User

#: Roles that contact citizens and so need the full phone number and e-mail.
CONTACT_ROLES = frozenset(
    {Role.OPERATOR, Role.BACK_OFFICE, Role.DEPT_STAFF, Role.DEPT_MANAGER, Role.FIELD_TEAM}
)


def may_see_contact(user: User) -> bool:
    return user.role in CONTACT_ROLES


def may_see_kimlik(user: User) -> bool:
    # Nobody reads the national id on screen; showing it in full needs the
    # audited "reveal" of issue 8.
    return False
