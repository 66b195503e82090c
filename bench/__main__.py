"""``python -m bench [--quick]``: the four benchmarks of the delivery engine, as JSON.

1. Engine throughput, unthrottled, next to a bare ``requests.Session`` loop.
2. Throttled at 80/s for 6,500 subscribers, judged by the simulator's own clock.
3. Fan-out of 100,000 and 1,000,000 subscribers: time and the worker's peak memory.
4. Status webhooks through gunicorn, one status per POST (and 50): rate and latency.
5. The public archive page with 10,000 sent messages, next to its bare query.
"""

import argparse
import json
import subprocess
import sys
import time

from . import env as benv


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    parser.add_argument(
        "--only",
        default="throughput,throttled,fanout,webhooks,archive",
        help="comma-separated subset of the benchmarks (for profiling one of them)",
    )
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    scale = 10 if args.quick else 1
    environment = benv.base_environment()
    benv.ensure_database(environment)
    benv.setup_django(environment)
    from . import runs

    results = {"quick": args.quick}
    if "throughput" in only:
        results.update(runs.throughput(environment, 20_000 // scale))
    if "throttled" in only:
        results.update(runs.throttled(environment, 6_500 // scale))
    if "fanout" in only:
        for label, count in (("100k", 100_000), ("1m", 1_000_000)):
            fan = fanout(environment, count // scale)
            results[f"fanout_seconds_{label}"] = fan["seconds"]
            results[f"worker_peak_rss_mb_{label}"] = fan["peak_rss_mb"]
    if "webhooks" in only:
        results.update(runs.webhooks(environment, 20_000 // scale))
        results.update(runs.webhooks(environment, 20_000 // scale, per_post=50))
    if "archive" in only:
        from . import archive

        results.update(archive.run(environment, 10_000 // scale))
    print(json.dumps(results, indent=2))


def fanout(environment, count):
    """Run one fan-out in a fresh process, like a worker, and read its peak memory."""
    outputs = [
        subprocess.run(
            [sys.executable, "-m", "bench.fanout", str(count), *flags],
            cwd=benv.ROOT,
            env=environment,
            capture_output=True,
            text=True,
            check=True,
            timeout=1800,
        )
        for flags in (["--prepare"], [])
    ]
    return json.loads(outputs[-1].stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    started = time.monotonic()
    main()
    print(f"(benchmarks took {time.monotonic() - started:.0f} s)", file=sys.stderr)
