"""Requests and quota time of plan and apply against a live GTM container, side by side: goalkeeper
(bulk_update), goalkeeper writing one request per change (its path where GTM refuses bulk_update),
and the model of a Terraform provider (one GET per managed entity to plan, one request per change).

Runs on the local fake of the Google APIs (goalkeeper.testing.fake_google) with its GTM quota on
(25 requests per 100 s) and a simulated clock: the backends' rate limiter sleeps on that clock, so
quota waits cost no real time and are reported in simulated seconds. The containers are synthetic
(``seed_synthetic_container``); every goal is a ``link_click`` goal.

    python benchmarks/live_requests.py [--quick]
"""

from __future__ import annotations

import json
import sys
import tempfile
import tracemalloc
from pathlib import Path

from goalkeeper.backends.gtm_live import GTMLiveBackend
from goalkeeper.backends.ratelimit import SlidingWindowLimiter
from goalkeeper.goals.kinds import load_kinds
from goalkeeper.goals.load import load_goal_file
from goalkeeper.project import Project
from goalkeeper.testing.fake_google import FakeClock, FakeGoogle

SIZES = (10, 100, 1000, 5000)
GOALS = (1, 10, 40, 200)
KINDS = load_kinds(None)


def goals(n: int) -> list[dict]:
    return [
        {"name": f"click_{i}", "kind": "link_click", "url_contains": f"/p{i}", "key_event": False} for i in range(n)
    ]


def project(fake, clock, seeded, goal_list, limiter, folder: Path, bulk: bool) -> Project:
    path = folder / "goals.yaml"
    target = {"measurement_id": "G-ABC123XYZ", "gtm": {"account": seeded.account_id, "container": seeded.container_id}}
    path.write_text(json.dumps({"target": target, "goals": goal_list}))  # JSON is YAML
    backend = GTMLiveBackend(
        fake.gtm_service(), seeded.account_id, seeded.container_id, limiter=limiter, clock=clock, bulk=bulk
    )
    return Project(load_goal_file(path, KINDS), KINDS, [backend])


def measure(size: int, n_goals: int, bulk: bool) -> dict:
    """One container of ``size`` entities: the first apply of ``n_goals`` goals (plan, then apply,
    as `goalkeeper apply` runs them), a plan once they are applied, and adding one more goal."""
    clock = FakeClock()
    with FakeGoogle(clock=clock, quota=True) as fake, tempfile.TemporaryDirectory() as tmp:
        seeded = fake.seed_synthetic_container(size)
        limiter = SlidingWindowLimiter(clock=clock)

        def make(goal_list):
            return project(fake, clock, seeded, goal_list, limiter, Path(tmp), bulk)

        start, t0 = fake.request_count, clock.now()
        first = make(goals(n_goals))
        plan = first.plan()
        planned = fake.request_count - start
        first.apply(plan)
        applied, seconds = fake.request_count - start - planned, clock.now() - t0

        start = fake.request_count
        tracemalloc.start()
        assert make(goals(n_goals)).plan().empty
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        steady = fake.request_count - start

        start = fake.request_count
        more = make(goals(n_goals + 1))
        added = more.plan()
        more.apply(added)
        add_one = fake.request_count - start
        return {
            "changes": len(plan.changes),
            "managed": len(plan.changes),  # what the goals put in the container, managed afterwards
            "plan": planned,
            "apply": applied,
            "seconds": seconds,
            "refused": fake.quota.refused,
            "steady": steady,
            "add_one": add_one,
            "add_changes": len(added.changes),
            "peak_mb": peak / 1e6,
        }


def quota_seconds(requests: int) -> float:
    """Simulated time ``requests`` back-to-back requests take under the quota (25 per 100 s)."""
    clock = FakeClock()
    limiter = SlidingWindowLimiter(clock=clock)
    start = clock.now()
    for _ in range(requests):
        limiter.acquire()
    return clock.now() - start


def terraform(changes: int, managed_before: int) -> dict:
    """The Terraform-provider model: a refresh GETs every managed entity (plus one request to find
    the workspace), then one request per change."""
    plan = 1 + managed_before
    return {"plan": plan, "apply": changes, "seconds": quota_seconds(plan + changes)}


def main() -> None:
    sizes, counts = (SIZES[:2], GOALS[:2]) if "--quick" in sys.argv else (SIZES, GOALS)
    print("First apply of N goals (plan + apply, as `goalkeeper apply` runs them): GTM requests, and")
    print("simulated seconds the quota (25 requests / 100 s) makes the run take")
    print()
    print(
        "| entities | goals | changes | goalkeeper plan | apply | quota s "
        "| one per change: plan | apply | quota s | Terraform model: plan | apply | quota s |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    steady_rows, add_rows, memory = [], [], {}
    for size in sizes:
        for n in counts:
            bulk, each = measure(size, n, True), measure(size, n, False)
            model = terraform(bulk["changes"], 0)
            print(
                f"| {size:,} | {n} | {bulk['changes']} | {bulk['plan']} | {bulk['apply']} | {bulk['seconds']:.0f} "
                f"| {each['plan']} | {each['apply']} | {each['seconds']:.0f} "
                f"| {model['plan']} | {model['apply']} | {model['seconds']:.0f} |",
                flush=True,
            )
            steady_rows.append((size, n, bulk["steady"], each["steady"], terraform(0, bulk["managed"])["plan"]))
            add_model = terraform(bulk["add_changes"], bulk["managed"])
            add_rows.append((size, n, bulk["add_one"], each["add_one"], add_model["plan"] + add_model["apply"]))
            memory[size] = max(memory.get(size, 0.0), bulk["peak_mb"])
            assert bulk["refused"] == 0 and each["refused"] == 0, "the limiter let the quota refuse a request"
    print()
    print("Plan once the goals are applied (a drift check in CI): GTM requests")
    print()
    print("| entities | goals | goalkeeper | one per change | Terraform model |")
    print("|---:|---:|---:|---:|---:|")
    for size, n, mine, each, model_plan in steady_rows:
        print(f"| {size:,} | {n} | {mine} | {each} | {model_plan} |")
    print()
    print("Adding one goal to a container that holds N goals already (plan + apply): GTM requests")
    print()
    print("| entities | goals before | goalkeeper | one per change | Terraform model |")
    print("|---:|---:|---:|---:|---:|")
    for size, n, mine, each, model in add_rows:
        print(f"| {size:,} | {n} | {mine} | {each} | {model} |")
    print()
    print("Peak memory of a plan (tracemalloc; the fake's server thread is counted too), by container size")
    print()
    print("| entities | peak MB |")
    print("|---:|---:|")
    for size, peak in memory.items():
        print(f"| {size:,} | {peak:.1f} |")


if __name__ == "__main__":
    main()
