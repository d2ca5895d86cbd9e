"""`python -m bench`: the REST benchmark.

The Socket.IO fan-out one is `python -m bench.socket_fanout --clients 200`; the event log's
cost (throughput with and without it, a 1,000-event replay) is `python -m bench.event_log`.
"""

import sys

from bench.api import main

sys.exit(main())
