"""`python -m bench`: the REST benchmark; the Socket.IO fan-out one is `python -m bench.socket_fanout`."""

import sys

from bench.api import main

sys.exit(main())
