"""The chaos suite: a mixed workload on real Perdure processes while faults are
injected at random moments, then the invariants (tests/chaos/invariants.py).

    python -m tests.chaos.suite [--minutes N] [--seed S] [--topology dev|server|both]

A run is a series of rounds. In each, the workload starts executions while faults
strike one after another: SIGKILL of `perdure dev`, `perdure server`, `perdure worker`
and handler processes, a 15 s exclusive lock on the database, a full disk, and clock
jumps. Then the faults stop, crashed processes are restarted, and every accepted
execution must settle within the settle bound; the time that took is the round's
recovery time. At the end the processes stop and the invariants are checked. The
exit code is 0 only when there was no violation.

Everything is bounded: rounds, requests, restarts and waits all have deadlines, and
every process started here is stopped (SIGTERM, then SIGKILL) before the run ends.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.chaos import invariants
from tests.chaos.database import ChaosDatabase, PostgresDatabase, SqliteDatabase
from tests.chaos.faults import LOCK_SECONDS, ClockControl, SmallDisk
from tests.chaos.invariants import Findings
from tests.chaos.processes import (
    Environment,
    PerdureProcess,
    dev_process,
    free_port,
    server_process,
    worker_process,
)
from tests.chaos.workload import Driver, Workload

TOPOLOGIES = ("dev", "server", "both")
WORKERS = 2


@dataclass
class Options:
    minutes: float = 1.0
    seed: int = 1
    topology: str = "both"
    round_seconds: float = 45.0  # faults per round; then the round settles
    settle_seconds: float = 120.0  # bound on recovery after a round's last fault
    rate: float = 2.0  # executions started per second while faults strike
    lock_seconds: float = LOCK_SECONDS
    use_tmpfs: bool = True
    postgres: str | None = None  # a server's admin URL: run on a fresh database there
    folder: Path | None = None  # keep the run's files here (default: a temp dir)


@dataclass
class Report:
    options: Options
    folder: Path
    faults: Counter[str] = field(default_factory=Counter)
    unavailable: dict[str, str] = field(default_factory=dict)
    incidents: list[str] = field(default_factory=list)  # unexpected exits, failed restarts
    settle_times: list[float] = field(default_factory=list)
    forward_jumps: list[float] = field(default_factory=list)  # per settled round, seconds
    accepted: int = 0
    start_refusals: int = 0
    findings: Findings = field(default_factory=Findings)
    elapsed: float = 0.0

    @property
    def violations(self) -> list[invariants.Violation]:
        return self.findings.violations

    @property
    def worst_settle(self) -> float | None:
        return max(self.settle_times) if self.settle_times else None

    def render(self) -> str:
        o = self.options
        worst = self.worst_settle
        lines = [
            f"Perdure chaos run: seed {o.seed}, topology {o.topology}, "
            f"{'PostgreSQL' if o.postgres else 'SQLite'}, "
            f"{len(self.settle_times)} round(s) in {self.elapsed:.0f} s ({self.folder})",
            f"  executions     {self.accepted} accepted, {self.findings.executions} stored "
            f"(children included), {self.findings.events} events; "
            + ", ".join(f"{k} {v}" for k, v in sorted(self.findings.statuses.items())),
            f"  start refusals {self.start_refusals} (sent again until accepted)",
            "  faults         "
            + (", ".join(f"{k} {v}" for k, v in sorted(self.faults.items())) or "none"),
        ]
        for kind, why in sorted(self.unavailable.items()):
            lines.append(f"  not injected   {kind}: {why}")
        settle = ", ".join(f"{t:.1f}" for t in self.settle_times) or "-"
        lines.append(
            "  recovery       worst "
            + (f"{worst:.1f} s" if worst is not None else "-")
            + f" from the last fault to all settled (rounds: {settle})"
        )
        beyond = [
            max(0.0, t - j) for t, j in zip(self.settle_times, self.forward_jumps, strict=True)
        ]
        if beyond:
            lines.append(
                f"                 worst {max(beyond):.1f} s beyond the round's largest "
                "forward clock jump (a wait begun while the clock ran ahead is due that "
                "much later)"
            )
        lines.append(f"  violations     {len(self.violations)}")
        lines.extend(f"    {v}" for v in self.violations[:50])
        if self.findings.failures:
            lines.append(f"  ended unsuccessfully ({len(self.findings.failures)}):")
            lines.extend(f"    {f}" for f in self.findings.failures[:20])
        if self.incidents:
            lines.append(f"  incidents      {len(self.incidents)}")
            lines.extend(f"    {i}" for i in self.incidents[:20])
        return "\n".join(lines)


class Runtime:
    """The Perdure processes of one topology over one database and port."""

    def __init__(self, environment: Environment, db: str, port: int, topology: str) -> None:
        self.topology = topology
        self.url = f"http://127.0.0.1:{port}"
        self.processes: list[PerdureProcess] = []
        if topology == "dev":
            self.processes.append(dev_process(environment, db, port))
        else:
            self.processes.append(server_process(environment, db, port))
            for i in range(WORKERS):
                self.processes.append(worker_process(environment, self.url, i))

    def by_role(self, role: str) -> list[PerdureProcess]:
        return [p for p in self.processes if p.name.split("-")[0] == role]

    def start(self) -> None:
        for process in self.processes:
            process.start()

    def stop(self) -> list[str]:
        """Stop gracefully, workers first; what did not exit cleanly."""
        problems = []
        for process in reversed(self.processes):
            code = process.stop()
            if code not in (0, None):
                problems.append(f"{process.name} exited {code} on SIGTERM:\n{process.tail(15)}")
        return problems


class ChaosRun:
    def __init__(self, options: Options, folder: Path) -> None:
        self.options = options
        self.rng = random.Random(options.seed)
        self.report = Report(options, folder)
        self.folder = folder
        self.record = folder / "record.log"
        self.clock = ClockControl(folder / "clock-offset")
        self.environment = Environment(folder, self.record, self.clock.path)
        self.disk: SmallDisk | None = None
        self.db: ChaosDatabase = SqliteDatabase(folder / "chaos.db")
        self.port = free_port()
        self.forward_jump = 0.0  # seconds, the largest clock jump forward this round

    # -- setup ------------------------------------------------------------------------

    def _database(self, stack: ExitStack) -> ChaosDatabase:
        if self.options.postgres is not None:
            pg = PostgresDatabase(self.options.postgres, self.options.seed)
            pg.create()
            stack.callback(pg.drop)
            self.report.unavailable["disk_full"] = "not injected on PostgreSQL"
            return pg
        self.report.unavailable["pg_disconnect"] = "SQLite has no connections to drop"
        if self.options.use_tmpfs:
            disk = SmallDisk(size_mb=64)
            try:
                disk.mount()
            except OSError as exc:
                disk.close()
                self.report.unavailable["disk_full"] = str(exc)
            else:
                stack.callback(disk.close)
                self.disk = disk
                return SqliteDatabase(disk.path / "chaos.db")
        else:
            self.report.unavailable["disk_full"] = "--no-tmpfs"
        return SqliteDatabase(self.folder / "chaos.db")

    def run(self) -> Report:
        began = time.monotonic()
        rounds = max(1, round(self.options.minutes * 60 / self.options.round_seconds))
        topologies = self._topologies(rounds)
        with ExitStack() as stack:
            db = self._database(stack)
            self.db = db
            prefix = f"s{self.options.seed}"
            workload = Workload(self.url_for(), self.record, self.rng, prefix=prefix)
            stack.callback(workload.close)
            try:
                for index, topology in enumerate(topologies):
                    if not self._round(index, topology, workload):
                        break
            finally:
                self.report.accepted = len(workload.accepted)
                self.report.start_refusals = workload.refused
            self.report.findings = invariants.check(db, workload.snapshot(), self.record)
        self.report.elapsed = time.monotonic() - began
        return self.report

    def url_for(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _topologies(self, rounds: int) -> list[str]:
        if self.options.topology != "both":
            return [self.options.topology] * rounds
        return ["dev" if i % 2 == 0 else "server" for i in range(max(rounds, 2))]

    # -- one round --------------------------------------------------------------------

    def _round(self, index: int, topology: str, workload: Workload) -> bool:
        """Faults for `round_seconds`, then settle; False if the round did not settle."""
        runtime = Runtime(self.environment, self.db.url, self.port, topology)
        self.forward_jump = 0.0
        driver = Driver(workload, self.options.rate, cap=10_000)
        try:
            runtime.start()
            driver.start()
            last_fault = self._strike(runtime, time.monotonic() + self.options.round_seconds)
            driver.starting.clear()
            settled = self._settle(runtime, workload, last_fault)
        finally:
            driver.stop()
            self.report.incidents.extend(f"round {index}: {p}" for p in runtime.stop())
        return settled

    def _strike(self, runtime: Runtime, until: float) -> float:
        """Inject faults one after another until `until`; when the last one ended."""
        last_end = time.monotonic()
        while time.monotonic() < until:
            self._pause(self.rng.uniform(1.0, 4.0), runtime)
            kinds = self._kinds(runtime)
            kind = self.rng.choice(kinds)
            self._inject(kind, runtime)
            self.report.faults[kind] += 1
            last_end = time.monotonic()
        return last_end

    def _kinds(self, runtime: Runtime) -> list[str]:
        kinds = ["db_lock", "clock_jump"]
        if self.disk is not None:
            kinds.append("disk_full")
        if self.db.kind == "postgres":
            kinds.append("pg_disconnect")
        if runtime.topology == "dev":
            kinds += ["kill_dev", "kill_dev"]
        else:
            kinds += ["kill_server", "kill_worker", "kill_worker"]
        if any(p.descendants() for p in runtime.processes):
            kinds.append("kill_handler")
        else:
            self.report.unavailable.setdefault(
                "kill_handler", "no handler processes (handlers run inside the perdure process)"
            )
        return kinds

    def _inject(self, kind: str, runtime: Runtime) -> None:
        if kind.startswith("kill_") and kind != "kill_handler":
            victim = self.rng.choice(runtime.by_role(kind.removeprefix("kill_")))
            victim.kill()
            self._pause(self.rng.uniform(0.0, 2.0), runtime, restart=False)
            self._restart(victim)
        elif kind == "kill_handler":
            pids = [pid for p in runtime.processes for pid in p.descendants()]
            if pids:
                _sigkill(self.rng.choice(pids))
        elif kind == "db_lock":
            with self.db.locked(self.options.lock_seconds):
                self._pause(self.options.lock_seconds, runtime, restart=False)
        elif kind == "pg_disconnect":
            self.db.drop_connections()
            self._pause(self.rng.uniform(0.5, 2.0), runtime, restart=False)
        elif kind == "disk_full":
            assert self.disk is not None
            with self.disk.full():
                self._pause(self.rng.uniform(3.0, 8.0), runtime, restart=False)
        elif kind == "clock_jump":
            offset = self.rng.choice([1, 1, -1]) * self.rng.randint(30, 120) * 1000
            # A wait begun while the clock runs ahead is due that much later once it is
            # back: the round's settle bound grows by the largest jump forward.
            self.forward_jump = max(self.forward_jump, offset / 1000)
            with self.clock.jumped(offset):
                self._pause(self.rng.uniform(3.0, 8.0), runtime, restart=False)

    def _pause(self, seconds: float, runtime: Runtime, *, restart: bool = True) -> None:
        """Sleep, noticing processes that died on their own (an incident: a fault must
        not kill a process) and, if `restart`, starting them again."""
        deadline = time.monotonic() + seconds
        while True:
            for process in runtime.processes:
                if process.proc is not None and not process.alive() and restart:
                    self.report.incidents.append(
                        f"{process.name} exited {process.proc.returncode} by itself:\n"
                        f"{process.tail(15)}"
                    )
                    self._restart(process)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            time.sleep(min(0.25, remaining))

    def _restart(self, process: PerdureProcess, attempts: int = 5) -> None:
        for attempt in range(1, attempts + 1):
            try:
                process.start()
                return
            except RuntimeError as exc:
                process.kill()
                self.report.incidents.append(f"restart {attempt} of {process.name} failed: {exc}")
                time.sleep(2.0)

    def _settle(self, runtime: Runtime, workload: Workload, last_fault: float) -> bool:
        deadline = last_fault + self.options.settle_seconds + self.forward_jump
        while True:
            self._pause(0.0, runtime)
            workload.send_starts()
            workload.answer_callbacks()
            left = invariants.unsettled(self.db, workload.snapshot())
            if not left and not workload.unsent:
                self.report.settle_times.append(time.monotonic() - last_fault)
                self.report.forward_jumps.append(self.forward_jump)
                return True
            if time.monotonic() > deadline:
                self.report.incidents.append(
                    f"{len(left)} execution(s) not settled {deadline - last_fault:.0f} s "
                    f"after the last fault:\n"
                    + "\n".join(invariants.describe(self.db, arn) for arn in left[:3])
                )
                return False
            time.sleep(0.2)


def _sigkill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@contextmanager
def _run_folder(options: Options) -> Iterator[Path]:
    if options.folder is not None:
        options.folder.mkdir(parents=True, exist_ok=True)
        yield options.folder
        return
    with tempfile.TemporaryDirectory(prefix="perdure-chaos-") as tmp:
        yield Path(tmp)


def run(options: Options, on_report: Callable[[Report], None] | None = None) -> Report:
    with _run_folder(options) as folder:
        report = ChaosRun(options, folder).run()
        if on_report is not None:
            on_report(report)  # while the run's files still exist
        return report


def parse(argv: Sequence[str]) -> Options:
    p = argparse.ArgumentParser(prog="scripts/chaos", description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=2.0, help="length of the run (default 2)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    p.add_argument("--topology", choices=TOPOLOGIES, default="both")
    p.add_argument("--round-seconds", type=float, default=45.0, help="faults per round")
    p.add_argument("--settle-seconds", type=float, default=120.0, help="recovery bound")
    p.add_argument("--rate", type=float, default=2.0, help="executions started per second")
    p.add_argument("--no-tmpfs", action="store_true", help="no full-disk faults")
    p.add_argument(
        "--postgres",
        metavar="URL",
        help="run on a fresh database on this PostgreSQL server (admin URL, e.g. "
        "postgresql://postgres@127.0.0.1:5432/postgres) instead of SQLite",
    )
    p.add_argument("--keep", type=Path, default=None, help="keep the run's files in this folder")
    args = p.parse_args(argv)
    if args.minutes <= 0 or args.round_seconds <= 0 or args.rate <= 0:
        p.error("--minutes, --round-seconds and --rate must be positive")
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 10**6)
    return Options(
        minutes=args.minutes,
        seed=seed,
        topology=args.topology,
        round_seconds=args.round_seconds,
        settle_seconds=args.settle_seconds,
        rate=args.rate,
        use_tmpfs=not args.no_tmpfs,
        postgres=args.postgres,
        folder=args.keep,
    )


def main(argv: Sequence[str] | None = None) -> int:
    options = parse(sys.argv[1:] if argv is None else argv)
    print(f"chaos: seed {options.seed}, {options.minutes:g} min, topology {options.topology}")
    report = run(options)
    print(report.render())
    return 1 if report.violations else 0


if __name__ == "__main__":
    sys.exit(main())
