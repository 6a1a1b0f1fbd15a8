"""Admin services for the organisation: departments, topic codes with their SLA,
routing rules, and calendar overrides.

Every write checks its input first and raises :class:`himcrm.errors.ValidationError`
naming the field at fault, so a refused form leaves nothing half-written. The
caller (a view, a CLI command, a test) owns the transaction and commits.
"""

from himcrm.organisation.calendars import (
    Holiday,
    add_override,
    coming_holidays,
    list_calendars,
    parse_hours,
    remove_override,
)
from himcrm.organisation.departments import (
    DepartmentInput,
    create_department,
    department_tree,
    update_department,
)
from himcrm.organisation.routing_rules import (
    RouteTrial,
    RuleInput,
    create_rule,
    delete_rule,
    list_rules,
    set_rule_active,
    try_route,
)
from himcrm.organisation.topics import (
    LEGAL_CEILING_HOURS,
    TopicInput,
    TopicRow,
    create_topic,
    delete_topic,
    is_group,
    ticket_count,
    topic_tree,
    update_topic,
)

__all__ = [
    "LEGAL_CEILING_HOURS",
    "DepartmentInput",
    "Holiday",
    "RouteTrial",
    "RuleInput",
    "TopicInput",
    "TopicRow",
    "add_override",
    "coming_holidays",
    "create_department",
    "create_rule",
    "create_topic",
    "delete_rule",
    "delete_topic",
    "department_tree",
    "is_group",
    "list_calendars",
    "list_rules",
    "parse_hours",
    "remove_override",
    "set_rule_active",
    "ticket_count",
    "topic_tree",
    "try_route",
    "update_department",
    "update_topic",
]
