"""``python -m simulator --host 127.0.0.1 --port 8001``: run the fake Cloud API standalone.

Every config field is also a flag (``--rate-limit-share 0.05``); flags override the
environment, which overrides the defaults.
"""

import argparse
import dataclasses
import logging

from .config import SimulatorConfig
from .server import make_server


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--log-level", default="INFO")
    for f in dataclasses.fields(SimulatorConfig):
        parser.add_argument(f"--{f.name.replace('_', '-')}", dest=f.name, default=None)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    overrides = {
        f.name: getattr(args, f.name)
        for f in dataclasses.fields(SimulatorConfig)
        if getattr(args, f.name) is not None
    }
    config = SimulatorConfig.from_env().updated(overrides)
    server = make_server(config, args.host, args.port)
    logging.getLogger("simulator").info(
        "WhatsApp Cloud API simulator on http://%s:%d/ (webhooks to %s)",
        args.host,
        args.port,
        config.webhook_url or "nowhere",
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
