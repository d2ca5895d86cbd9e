"""`python -m bench`: the REST benchmark.

The Socket.IO fan-out one is `python -m bench.socket_fanout --clients 200`.
"""

import sys

from bench.api import main

sys.exit(main())
