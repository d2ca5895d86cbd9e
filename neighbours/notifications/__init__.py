"""In-app notifications: typed, stored, pushed live to their user."""
