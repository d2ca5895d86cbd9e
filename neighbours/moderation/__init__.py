"""Moderation: reports, the review queue, decisions, suspensions and the audit log."""
