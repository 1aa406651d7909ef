"""The bounded part of the chaos suite that CI runs: one round on `perdure dev` and one
on `perdure server` with two workers, each with faults striking for 30 s (SIGKILLs of
every process kind, a database lock past the busy timeout, a full disk when a tmpfs can
be mounted, clock jumps), then every invariant. Longer runs: `./scripts/chaos`."""

from __future__ import annotations

import os

from tests.chaos.suite import Options, Report, run


def test_a_mixed_workload_under_faults_loses_nothing_and_does_nothing_twice() -> None:
    seed = int(os.environ.get("PERDURE_CHAOS_SEED", "20261203"))
    options = Options(minutes=1.0, seed=seed, topology="both", round_seconds=30.0)
    shown: list[str] = []

    def keep(report: Report) -> None:
        shown.append(report.render())

    report = run(options, on_report=keep)
    print(shown[0])
    assert report.accepted > 0 and sum(report.faults.values()) > 0, shown[0]
    assert not report.violations, shown[0]
    assert not report.incidents, shown[0]
    assert len(report.settle_times) == 2, shown[0]
