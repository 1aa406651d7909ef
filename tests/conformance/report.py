"""Console report of the conformance suite: ``python -m tests.conformance.report``.

Prints PASS/FAIL per requirement id with its first mismatch, then the totals, and exits
non-zero on any unexpected outcome (a failure not listed in ``EXPECTED_FAILURES``, or a listed
one that now passes). Faster to read than pytest output when triaging engine bugs.

    python -m tests.conformance.report                 # all suites (nine core + plugin)
    python -m tests.conformance.report --suite callback 1-17 3-12
    python -m tests.conformance.report -v 4-18         # full report (history, logs) per failure
    python -m tests.conformance.report --history 7-13  # also print the history of passes
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

from tests.conformance import harness, requirements


def _select(ids: Mapping[str, object], wanted: Sequence[str], suites: Sequence[str]) -> list[str]:
    chosen = [rid for rid in ids if not wanted or rid in wanted]
    if suites:
        prefixes = {str(requirements.SUITES[s]) for s in suites}
        chosen = [rid for rid in chosen if rid.split("-")[0] in prefixes]
    unknown = [rid for rid in wanted if rid not in ids]
    if unknown:
        raise SystemExit(f"unknown requirement ids: {', '.join(unknown)}")
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.conformance.report", description=__doc__)
    parser.add_argument("ids", nargs="*", help="requirement ids (default: all)")
    parser.add_argument("--suite", action="append", default=[], choices=list(requirements.SUITES))
    parser.add_argument("--jobs", type=int, default=1, help="requirements run concurrently")
    parser.add_argument("--seed", type=int, default=None, help="seed for ${GEN_STR:n} values")
    parser.add_argument("-v", "--verbose", action="store_true", help="full report per failure")
    parser.add_argument("--history", action="store_true", help="print every actual history")
    args = parser.parse_args(argv)

    root = requirements.requirements_dir()
    if root is None:
        print(requirements.missing_reason(), file=sys.stderr)
        return 2
    ids = _select(requirements.discover(root), args.ids, args.suite)

    def run(requirement_id: str) -> harness.Verdict:
        return harness.run_requirement(requirement_id, root=root, seed=args.seed)

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        verdicts = list(pool.map(run, ids))

    totals: Counter[str] = Counter()
    unexpected = 0
    for verdict in verdicts:
        rid = verdict.requirement.id
        expected_to_fail = rid in harness.EXPECTED_FAILURES
        if verdict.passed:
            outcome = "XPASS" if expected_to_fail else "PASS"
        else:
            outcome = "XFAIL" if expected_to_fail else "FAIL"
        unexpected += outcome in {"FAIL", "XPASS"}
        totals[outcome] += 1
        optional = " (optional)" if verdict.requirement.optional else ""
        line = f"{outcome:5} {rid:6} {verdict.elapsed_s:5.2f}s  {verdict.requirement.description}"
        print(line[:140] + optional)
        if not verdict.passed:
            print(f"        -> {verdict.headline()}")
            if expected_to_fail:
                print(f"        (expected: {harness.EXPECTED_FAILURES[rid]})")
        if (args.verbose and not verdict.passed) or args.history:
            print("\n".join("        " + line for line in verdict.report().splitlines()))

    summary = ", ".join(f"{totals[k]} {k.lower()}" for k in ("PASS", "FAIL", "XFAIL", "XPASS"))
    print(f"\n{len(verdicts)} requirements: {summary}")
    failed = [
        v for v in verdicts if not v.passed and v.requirement.id not in harness.EXPECTED_FAILURES
    ]
    if failed:
        print("\nFirst mismatch per failure:")
        for verdict in failed:
            print(f"  {verdict.requirement.id}: {verdict.headline()}")
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
