"""Intake channels: the ways citizens' requests reach the intake service."""
