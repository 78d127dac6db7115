"""How many cases each fuzzing pass ran, and what they were answered, printed at the end of the run.

Loaded as a plugin by tests/conftest.py so the session that prints (with xdist: the controller, which loads no
conftest below tests/) sees every worker's reports; the figures come from tests/fuzz/conftest.py's tally.
"""

from __future__ import annotations

from collections import Counter, defaultdict

# The test functions of tests/fuzz/test_api.py, by the pass each one is.
PASSES = {
    "test_api_with_token": "token",
    "test_api_reads_without_credentials": "anonymous",
    "test_api_stateful": "stateful",
    "test_api_as_a_person": "person",
    "test_api_stateful_as_a_person": "person-stateful",
}
_totals: defaultdict[str, Counter[str]] = defaultdict(Counter)


def pytest_runtest_logreport(report) -> None:
    if report.when != "teardown":  # the tally is handed over when the test's fixtures are torn down
        return
    function = report.nodeid.split("::")[-1].split("[")[0]
    for name, value in report.user_properties:
        if name == "fuzz_cases":
            _totals[PASSES.get(function, function)].update(value)


def pytest_terminal_summary(terminalreporter) -> None:
    if not _totals:
        return
    terminalreporter.write_sep("-", "fuzz cases per pass")
    for name in [*PASSES.values(), *sorted(set(_totals) - set(PASSES.values()))]:
        tally = _totals.get(name)
        if tally:
            classes = ", ".join(f"{key} {tally[key]}" for key in sorted(tally) if key != "cases")
            terminalreporter.write_line(f"{name}: {tally['cases']} cases ({classes})")
