"""``python -m bench [--quick]``: the benchmarks of the delivery engine, as JSON.

Absolute figures move about 2x between two runs on a shared machine; a ratio to a bare
yardstick measured in the same run, on the same machine, does not. So each measure with a
yardstick prints ``<name>``, ``<name>_baseline`` and ``<name>_ratio`` (1.0 = as fast as
the yardstick). Sending and webhooks measure their yardstick before and after and print
how far it drifted meanwhile (``<name>_baseline_drift``, after/before):

1. Engine throughput, unthrottled, next to as many bare ``requests.Session`` loops as the
   engine has worker processes.
2. Throttled at 80/s for 6,500 subscribers, judged by the simulator's own clock.
3. Fan-out of 100,000 and 1,000,000 subscribers next to a bare ``INSERT ... SELECT`` of
   the same rows: time and the worker's peak memory.
4. Status webhooks through gunicorn, one status per POST (and 50): rate and latency, next
   to a bare Django view that checks the signature and parses the JSON.

``--only webhooks_web`` measures the single-status path through ``web`` (the admin's full
middleware stack) instead of the ``webhooks`` process, for comparison.
5. The public archive page with 10,000 sent messages, next to its bare query.
"""

import argparse
import json
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
    benv.guard_exits()
    environment = benv.base_environment()
    benv.claim_redis(environment["REDIS_URL"])
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
            bare, fan = fanout(environment, count // scale)
            results[f"fanout_seconds_{label}"] = fan["seconds"]
            results[f"fanout_seconds_{label}_baseline"] = bare["seconds"]
            # Speed relative to the bare statement: 1.0 = as fast, 0.5 = twice as slow.
            results[f"fanout_seconds_{label}_ratio"] = round(bare["seconds"] / fan["seconds"], 2)
            results[f"worker_peak_rss_mb_{label}"] = fan["peak_rss_mb"]
        results["worker_peak_rss_mb_ratio"] = round(
            results["worker_peak_rss_mb_1m"] / results["worker_peak_rss_mb_100k"], 2
        )
    if "webhooks" in only:
        results.update(runs.webhooks(environment, 20_000 // scale))
        results.update(runs.webhooks(environment, 20_000 // scale, per_post=50))
    if "webhooks_web" in only:
        web = "titz_broadcast.wsgi:application"
        results.update(runs.webhooks(environment, 20_000 // scale, app=web))
    if "archive" in only:
        from . import archive

        results.update(archive.run(environment, 10_000 // scale))
    print(json.dumps(results, indent=2))


def fanout(environment, count):
    """The bare statement, then the product's fan-out, each in a fresh process like a
    worker; returns both reports (time and peak memory)."""
    outputs = [
        benv.run(
            f"fanout{''.join(flags)}-{count}",
            [sys.executable, "-m", "bench.fanout", str(count), *flags],
            environment,
            timeout=1800,
        )
        for flags in (["--prepare"], ["--bare"], [])
    ]
    return [json.loads(out.strip().splitlines()[-1]) for out in outputs[1:]]


if __name__ == "__main__":
    started = time.monotonic()
    main()
    print(f"(benchmarks took {time.monotonic() - started:.0f} s)", file=sys.stderr)
