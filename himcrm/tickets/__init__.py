"""Tickets: life cycle (state machine), intake, routing, numbering."""
