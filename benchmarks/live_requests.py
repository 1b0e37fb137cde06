"""Requests per plan and per apply of the live backends, and apply time against the GTM quota.

Runs on the local fake of the Google APIs (goalkeeper.testing.fake_google) with a simulated clock:
the backends' rate limiter sleeps on the same clock, so quota waits cost no real time.

    python benchmarks/live_requests.py
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from goalkeeper.backends.gtm_live import GTMLiveBackend
from goalkeeper.backends.ratelimit import SlidingWindowLimiter
from goalkeeper.goals.kinds import load_kinds
from goalkeeper.goals.load import load_goal_file
from goalkeeper.project import Project
from goalkeeper.testing.fake_google import FakeClock, FakeGoogle

SIZES = (10, 100, 1000)
GOALS = (2, 10, 40)


def goals(n: int) -> list[dict]:
    return [
        {"name": f"click_{i}", "kind": "link_click", "url_contains": f"/p{i}", "key_event": False} for i in range(n)
    ]


def project(fake, clock, seeded, goal_list, limiter, folder: Path) -> Project:
    path = folder / "goals.yaml"
    # JSON is YAML: a goal file written without a YAML library.
    path.write_text(
        json.dumps(
            {
                "target": {
                    "measurement_id": "G-ABC123XYZ",
                    "gtm": {"account": seeded.account_id, "container": seeded.container_id},
                },
                "goals": goal_list,
            }
        )
    )
    kinds = load_kinds(None)
    backend = GTMLiveBackend(fake.gtm_service(), seeded.account_id, seeded.container_id, limiter=limiter, clock=clock)
    return Project(load_goal_file(path, kinds), kinds, [backend])


def measure(size: int, n_goals: int, quota: bool) -> dict:
    clock = FakeClock()
    with FakeGoogle(clock=clock, quota=quota) as fake, tempfile.TemporaryDirectory() as folder:
        seeded = fake.seed_synthetic_container(size)
        limiter = SlidingWindowLimiter(clock=clock)
        p = project(fake, clock, seeded, goals(n_goals), limiter, Path(folder))
        start = fake.request_count
        plan = p.plan()
        plan_new = fake.request_count - start
        t0, start, wall = clock.now(), fake.request_count, time.perf_counter()
        p.apply(plan)
        apply_requests, apply_seconds = fake.request_count - start, clock.now() - t0
        wall = time.perf_counter() - wall
        start = fake.request_count
        again = project(fake, clock, seeded, goals(n_goals), limiter, Path(folder)).plan()
        assert again.empty
        plan_existing = fake.request_count - start
        return {
            "size": size,
            "goals": n_goals,
            "changes": len(plan.changes),
            "plan_new": plan_new,
            "plan_existing": plan_existing,
            "apply": apply_requests,
            "apply_s": apply_seconds,
            "refused": fake.quota.refused,
            "wall": wall,
        }


def main() -> None:
    print("Requests per plan and apply (GTM, quota off), by container size")
    print(f"{'entities':>8} {'plan (no ws)':>12} {'plan (ws)':>9} {'apply 2 goals':>13} {'changes':>7}")
    for size in SIZES:
        r = measure(size, 2, quota=False)
        print(f"{size:>8} {r['plan_new']:>12} {r['plan_existing']:>9} {r['apply']:>13} {r['changes']:>7}")
    print()
    print("Apply against the quota (25 requests / 100 s), simulated clock, 100-entity container")
    print(f"{'goals':>5} {'changes':>7} {'requests':>8} {'simulated s':>11} {'429s':>4} {'real s':>6}")
    for n in GOALS:
        r = measure(100, n, quota=True)
        print(f"{n:>5} {r['changes']:>7} {r['apply']:>8} {r['apply_s']:>11.0f} {r['refused']:>4} {r['wall']:>6.2f}")


if __name__ == "__main__":
    main()
