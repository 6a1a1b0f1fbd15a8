"""Notifications: the outbox, gateways and templates (sending: issue 4)."""
