"""SQLAlchemy models, one module per aggregate; import them from here."""

from himcrm.models.api import SCOPE_API, SCOPE_OPEN311, ApiClient, InboundMessage
from himcrm.models.base import Base, utcnow
from himcrm.models.call import Call, CallDirection, CallStatus
from himcrm.models.citizen import Citizen, ReplyChannel
from himcrm.models.holding import TicketHoldSegment
from himcrm.models.notification import Notification, NotificationChannel, NotificationStatus
from himcrm.models.org import (
    BusinessCalendar,
    Department,
    DepartmentKind,
    District,
    HolidayOverride,
)
from himcrm.models.privacy import AccessAudit, DestructionRecord
from himcrm.models.reference import REFERENCE_ROW, ReferenceVersion
from himcrm.models.reply import Reply, ReplyStatus, ReplyTemplate
from himcrm.models.report import StoredReport
from himcrm.models.ticket import (
    OPEN_STATUSES,
    Attachment,
    Channel,
    EventKind,
    Ticket,
    TicketEvent,
    TicketNumberCounter,
    TicketStatus,
    TicketType,
)
from himcrm.models.topic import Priority, RoutingRule, TopicCode
from himcrm.models.user import Role, User

__all__ = [
    "OPEN_STATUSES",
    "REFERENCE_ROW",
    "SCOPE_API",
    "SCOPE_OPEN311",
    "AccessAudit",
    "ApiClient",
    "Attachment",
    "Base",
    "BusinessCalendar",
    "Call",
    "CallDirection",
    "CallStatus",
    "Channel",
    "Citizen",
    "Department",
    "DepartmentKind",
    "DestructionRecord",
    "District",
    "EventKind",
    "HolidayOverride",
    "InboundMessage",
    "Notification",
    "NotificationChannel",
    "NotificationStatus",
    "Priority",
    "ReferenceVersion",
    "Reply",
    "ReplyChannel",
    "ReplyStatus",
    "ReplyTemplate",
    "Role",
    "RoutingRule",
    "StoredReport",
    "Ticket",
    "TicketEvent",
    "TicketHoldSegment",
    "TicketNumberCounter",
    "TicketStatus",
    "TicketType",
    "TopicCode",
    "User",
    "utcnow",
]
