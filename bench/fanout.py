"""Child process of the fan-out benchmark: ``python -m bench.fanout COUNT`` prints JSON.

Subscribers are copied in first (not measured); then one broadcast's deliveries are created
the way the worker's tick creates them, and the process reports its peak RSS, which must
not depend on COUNT.
"""

import json
import resource
import sys
import time


def main(count):
    from . import env as benv

    benv.setup_django(benv.base_environment())
    from django.utils import timezone

    from announcements.engine import fanout
    from announcements.engine.testing import approved_announcement

    from . import data

    data.reset()
    data.copy_subscribers(count, reachable=False)
    announcement = approved_announcement()
    started = time.perf_counter()
    created = fanout.create_deliveries(announcement, timezone.now())
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps({"count": created, "seconds": round(seconds, 2), "peak_rss_mb": round(peak, 1)})
    )


if __name__ == "__main__":
    main(int(sys.argv[1]))
