"""`python -m neighbours --port 5000`: the development server, with Socket.IO in-process."""

from __future__ import annotations

import argparse
import os

from neighbours import create_app
from neighbours.extensions import socketio


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the neighbours development server.")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    args = parser.parse_args()

    app = create_app()
    print(f"neighbours: serving on http://{args.host}:{args.port} (API docs: /api/docs)")
    socketio.run(app, host=args.host, port=args.port, allow_unsafe_werkzeug=True)


if __name__ == "__main__":
    main()
