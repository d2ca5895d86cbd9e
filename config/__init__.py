"""Settings read from the environment, and the gunicorn configuration for production."""
