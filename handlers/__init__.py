"""Thin channel adapters: an update becomes an `Inbound`, a list of `Reply` becomes messages."""
