"""`python -m bench`: the app against a bare baseline, path by path (`bench.versus`).

The event log's cost (throughput with and without it, a 1,000-event replay) is
`python -m bench.event_log`; `make bench` runs both. Older, narrower ones: `python -m bench.api`
(in-process REST latencies) and `python -m bench.socket_fanout --clients 200`.
"""

import sys

from bench.versus import main

sys.exit(main())
