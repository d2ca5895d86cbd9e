"""Neighbourhoods: discovery near a point, join policies, invites, roles, membership."""
