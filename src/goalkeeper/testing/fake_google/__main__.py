"""Run the fake as a subprocess: ``python -m goalkeeper.testing.fake_google [--port N] [--no-quota]
[--export FILE ...] [--ga4-snapshot FILE ...] [--synthetic N]``. Prints ``URL <url>`` then one line per
seeded container (``CONTAINER <workspace path> <public id>``) and serves until interrupted."""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence

from .server import FakeGoogle


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m goalkeeper.testing.fake_google")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--no-quota", action="store_true")
    ap.add_argument("--quota-mode", choices=("429", "403"), default="429")
    ap.add_argument("--export", action="append", default=[])
    ap.add_argument("--ga4-snapshot", action="append", default=[])
    ap.add_argument("--synthetic", type=int, action="append", default=[])
    args = ap.parse_args(argv)
    fake = FakeGoogle(quota=not args.no_quota, quota_mode=args.quota_mode, port=args.port).start()
    print("URL", fake.url, flush=True)
    for path in args.export:
        s = fake.seed_container_export(path)
        print("CONTAINER", s.workspace_path, s.public_id, flush=True)
    for i, n in enumerate(args.synthetic):
        s = fake.seed_synthetic_container(n, container_id=str(90000001 + i), public_id=f"GTM-SYN{i:04d}")
        print("CONTAINER", s.workspace_path, s.public_id, flush=True)
    for path in args.ga4_snapshot:
        print("PROPERTY", fake.seed_ga4_snapshot(path), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
