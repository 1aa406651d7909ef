"""The bounded part of the chaos suite that CI runs: one round on `perdure dev` and one
on `perdure server` with two workers, each with faults striking for 30 s (SIGKILLs of
every process kind, a database lock past the busy timeout, a full disk when a tmpfs can
be mounted, clock jumps), then every invariant; on SQLite, and again on PostgreSQL
(where every connection is also dropped at random moments, as a server restart does).
Longer runs: `./scripts/chaos [--postgres URL]`."""

from __future__ import annotations

import os

from tests.chaos.suite import Options, Report, run
from tests.postgres_databases import server_url


def test_a_mixed_workload_under_faults_loses_nothing_and_does_nothing_twice() -> None:
    check(Options(minutes=1.0, seed=SEED, topology="both", round_seconds=30.0))


def test_the_same_on_postgresql() -> None:
    admin = server_url()
    check(Options(minutes=1.0, seed=SEED, topology="both", round_seconds=30.0, postgres=admin))


SEED = int(os.environ.get("PERDURE_CHAOS_SEED", "20261203"))


def check(options: Options) -> None:
    shown: list[str] = []

    def keep(report: Report) -> None:
        shown.append(report.render())

    report = run(options, on_report=keep)
    print(shown[0])
    assert report.accepted > 0 and sum(report.faults.values()) > 0, shown[0]
    assert not report.violations, shown[0]
    assert not report.incidents, shown[0]
    assert len(report.settle_times) == 2, shown[0]
