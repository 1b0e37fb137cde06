"""A live apply hit by a fault at any request, then run again, converges: nothing twice, nothing
unowned touched, nothing left to do (see tests/backends/fault_matrix.py).

Every request position of each scenario's apply, with each fault: a dropped connection, a 503, a
429, and an answer that comes after the client's timeout (the work done all the same). The GTM and
GA4 scenario's dropped connections and 503s are in test_gtm_live.py; GA4's writes of every kind
get all four here.
"""

from __future__ import annotations

import pytest

from .fault_matrix import FAULTS, REQUESTS, SCENARIOS, case, requests_of

COLUMNS = {
    "gtm+ga4 fresh": ("429", "timeout"),
    "gtm+ga4 change": ("429", "timeout"),
    "ga4 fresh": FAULTS,
    "ga4 change": FAULTS,
}
CELLS = [(s, f, n) for s in SCENARIOS for f in COLUMNS[s] for n in range(1, REQUESTS[s] + 1)]


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_scenario_request_counts(scenario):
    assert requests_of(scenario) == REQUESTS[scenario]


@pytest.mark.parametrize("scenario,fault,position", CELLS)
def test_an_apply_interrupted_at_any_request_converges_when_run_again(scenario, fault, position):
    outcome = case(scenario, fault, position)
    assert outcome.injected, "the fault hit a request"
    assert not outcome.problems, (outcome.reported, outcome.problems)
