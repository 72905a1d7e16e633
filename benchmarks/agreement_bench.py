"""Benchmark: agreement statistics for 5 coders x 20,000 segments x 50 codes.

Synthetic, seeded data: code prevalences spread from 0.5% to 20% (log-uniform), each coder misses
a true code 15% of the time and adds a spurious one on 1% of the others, and each coder leaves
10% of segments unreviewed. Prints the time for every per-code statistic, for bootstrap intervals
with 1,000 resamples, and for the `krippendorff` package called once per code, side by side.
Each time is the best of several runs, as the machine may be busy with other work.

    python benchmarks/agreement_bench.py
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import numpy as np

from qualcode.agreement import code_agreement

CODERS, UNITS, CODES, RESAMPLES = 5, 20_000, 50, 1_000


def synthetic(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`present[coder, unit, code]` and `reviewed[coder, unit]` with realistic coding noise."""
    rng = np.random.default_rng(seed)
    prevalence = np.exp(rng.uniform(np.log(0.005), np.log(0.2), CODES))
    truth = rng.random((UNITS, CODES)) < prevalence
    missed = rng.random((CODERS, UNITS, CODES)) < 0.15
    spurious = rng.random((CODERS, UNITS, CODES)) < 0.01
    present = np.where(truth, ~missed, spurious)
    reviewed = rng.random((CODERS, UNITS)) >= 0.10
    return present, reviewed


def timed(run: Callable[[], object]) -> tuple[float, object]:
    """Seconds one call of `run` took, and its result."""
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def best_of(repeats: int, *runs: Callable[[], object]) -> list[tuple[float, object]]:
    """For each run, its fastest time over `repeats` rounds and its result. The runs take
    turns within each round, so that a busy spell slows them alike."""
    rounds = [[timed(run) for run in runs] for _ in range(repeats)]
    return [(min(r[i][0] for r in rounds), rounds[-1][i][1]) for i in range(len(runs))]


def main() -> int:
    present, reviewed = synthetic()
    print(f"{CODERS} coders x {UNITS:,} segments x {CODES} codes, 10% unreviewed per coder")

    def ours() -> list:
        return code_agreement(present, reviewed, resamples=0)

    try:
        import krippendorff
    except ImportError:
        krippendorff = None
    data = np.where(reviewed[:, :, None], present, np.nan)

    def theirs() -> list[float]:
        return [
            krippendorff.alpha(data[:, :, c], level_of_measurement="nominal") for c in range(CODES)
        ]

    runs = (ours, theirs) if krippendorff is not None else (ours,)
    (stats_s, results), *reference = best_of(5, *runs)
    print(f"all per-code statistics:            {stats_s:7.3f} s  (target < 1 s)")
    ((total_s, _),) = best_of(
        3, lambda: code_agreement(present, reviewed, resamples=RESAMPLES, seed=1)
    )
    print(f"statistics + {RESAMPLES:,}-resample intervals: {total_s:7.3f} s  (target < 5 s)")
    print(f"  of which bootstrap:               {total_s - stats_s:7.3f} s")
    if not reference:
        print("krippendorff is not installed (pip install krippendorff): no side-by-side figure")
        return 0
    ((theirs_s, alphas),) = reference
    print(f"krippendorff.alpha, once per code:  {theirs_s:7.3f} s  (alpha only)")
    print(f"speed ratio (theirs / ours):        {theirs_s / stats_s:7.1f} x  (target >= 5 x)")

    ours_alphas = np.array([r.krippendorff_alpha.value for r in results], dtype=float)
    worst = float(np.max(np.abs(ours_alphas - np.array(alphas))))
    verdict = "equal" if worst < 1e-9 else "DIFFERENT"
    print(f"alphas vs krippendorff: max |difference| = {worst:.2e} ({verdict} to 1e-9)")
    return 0 if worst < 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main())
