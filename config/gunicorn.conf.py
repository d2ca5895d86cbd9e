"""Production gunicorn settings: `gunicorn -c config/gunicorn.conf.py wsgi:app`.

One gevent worker per process (Socket.IO needs sticky sessions, so scale out with more
processes or hosts behind a sticky proxy, all joined by Redis). `-b` on the command line
overrides `bind` here.
"""

import os

# Socket.IO must know its async mode before the app is imported.
os.environ.setdefault("SOCKETIO_ASYNC_MODE", "gevent")

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# The gevent worker, answering the errors gunicorn raises itself (414, 431, 400) as JSON.
worker_class = "config.gunicorn_worker.JsonErrorGeventWorker"
workers = 1
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "2000"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 20
keepalive = 5
accesslog = "-"
# The access log never shows a calendar feed's secret (its URL is its credential).
logger_class = "config.gunicorn_logging.RedactingLogger"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# gunicorn's control socket defaults to one path per user (~/.gunicorn/gunicorn.ctl), which
# several processes on one host (as in production here: one worker per process) would share.
# Off unless GUNICORN_CONTROL_SOCKET names a path of this process's own.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "gunicorn.ctl")
control_socket_disable = "GUNICORN_CONTROL_SOCKET" not in os.environ
