"""Accounts: registration, login sessions, profiles with dietary needs, blocking."""
