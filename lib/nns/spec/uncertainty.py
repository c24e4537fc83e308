"""Uncertainty: confidence intervals of key figures and of their changes, and the funnel plot's control limits.

Thin wrappers over statsmodels and scipy, in the report's terms (shares between 0 and 1):

* :func:`wilson` — the 95 % Wilson score interval of a share (``proportion_confint(method="wilson")``);
* :func:`newcombe` — the 95 % interval of the difference of two independent shares, Newcombe's hybrid
  score method (``confint_proportions_2indep(method="newcomb")``);
* :func:`funnel_limits` — the funnel plot's control limits around the national share at ``n`` answers:
  exact binomial limits, interpolated between the integers as Spiegelhalter (2005, appendix A.1.1) does,
  so that the funnel is smooth, and widened by √φ when the förbund vary more than chance allows. Without
  widening, a share lies outside them exactly when the exact binomial test says so: below the lower 95 %
  limit when P(X ≤ x) < 2.5 %, above the upper one when P(X ≥ x) < 2.5 %;
* :func:`overdispersion` — that φ (Spiegelhalter 2005, section 5.1): the mean of the squared standardized
  Pearson residuals, winsorized at 10 % in each tail, applied when a χ² test says the data call for it.

Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional performance. *Statistics in Medicine*
24, 1185–1202. Newcombe, R. G. (1998). Interval estimation for the difference between independent proportions:
comparison of eleven methods. *Statistics in Medicine* 17, 873–890.

The intervals treat the answers as independent draws; they are not (the respondents are not a random sample,
and answers cluster within förbund and insatser). The method chapter says what that means for the reader.

>>> [round(x, 4) for x in wilson(8, 10)]
[0.4902, 0.9433]
>>> [round(x, 4) for x in newcombe(56, 70, 48, 80)]      # Newcombe (1998), table II, example (a)
[0.0524, 0.3339]
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

# scipy.stats and statsmodels are imported where they are used: together they take about a second and a half
# to import, which a command that only checks whether a report is up to date (an unchanged rebuild) never needs

__all__ = ["LEVEL", "COVERAGES", "WINSOR", "OVERDISPERSION_TEST", "wilson", "newcombe", "funnel_limits",
           "Dispersion", "overdispersion", "pearson_residuals", "phi_estimate"]

#: The confidence level of the intervals of key figures and of their changes.
LEVEL = 0.95
#: The funnel's two pairs of control limits: 95 % ("about 2 standard errors") and 99.8 % ("about 3").
COVERAGES = (0.95, 0.998)
#: The share of the standardized residuals winsorized in each tail before φ is estimated.
WINSOR = 0.1
#: The level of the χ² test that decides whether the funnel is widened for overdispersion.
OVERDISPERSION_TEST = 0.05


def wilson(count: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """The Wilson score interval of the share ``count`` / ``n``."""
    return _wilson(int(count), int(n), float(level))


# the same counts recur (the nation's key figures stand beside every förbund's): each interval is computed once
# per process
@lru_cache(maxsize=65536)
def _wilson(count: int, n: int, level: float) -> tuple[float, float]:
    from statsmodels.stats.proportion import proportion_confint  # noqa: PLC0415

    lo, hi = proportion_confint(count, n, alpha=1 - level, method="wilson")
    share = count / n
    # the closed form leaves rounding dust at the ends (5.6e-17 for none of seven): the share is inside
    return min(float(lo), share), max(float(hi), share)


def newcombe(count1: int, n1: int, count0: int, n0: int, level: float = LEVEL) -> tuple[float, float]:
    """The interval of the difference ``count1/n1 − count0/n0`` (Newcombe's hybrid score method)."""
    return _newcombe(int(count1), int(n1), int(count0), int(n0), float(level))


@lru_cache(maxsize=65536)
def _newcombe(count1: int, n1: int, count0: int, n0: int, level: float) -> tuple[float, float]:
    from statsmodels.stats.proportion import confint_proportions_2indep  # noqa: PLC0415

    lo, hi = confint_proportions_2indep(count1, n1, count0, n0, method="newcomb", compare="diff", alpha=1 - level)
    return float(lo), float(hi)


def _lower_share(q: float, n: np.ndarray, p0: float) -> np.ndarray:
    """The lower q-quantile of a binomial share at ``n``, interpolated between the integers (Spiegelhalter
    2005, A.1.1).

    r is the smallest count whose cumulative probability reaches q; the limit lies between (r − 1)/n and
    r/n, at the fraction of the step that q has not yet used. A count lies below it exactly when
    P(X ≤ count) < q.
    """
    from scipy import stats  # noqa: PLC0415

    r = stats.binom.ppf(q, n, p0)   # the smallest r with P(X ≤ r) ≥ q
    at_r = stats.binom.cdf(r, n, p0)
    below = stats.binom.cdf(r - 1, n, p0)
    alpha = (at_r - q) / (at_r - below)
    return (r - alpha) / n


def funnel_limits(p0: float, n, coverage: float, phi: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) control limits around the national share ``p0`` for förbund with ``n`` answers.

    Exact binomial limits (interpolated), then each limit's distance from ``p0`` multiplied by √``phi``
    (an overdispersed funnel is wider in proportion), kept between 0 and 1. ``n`` may be a number or an array.

    The upper limit is the lower limit of the share of the other answers (1 − p0), mirrored: each tail is
    interpolated in its own direction, so that both are exact tests and the funnel around 50 % is symmetric.

    >>> lo, hi = funnel_limits(0.5, 10, 0.95)               # worked by hand in tests/unit/test_uncertainty.py
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.1324, 0.8676)
    >>> lo, hi = funnel_limits(0.5, 10, 0.95, phi=4.0)      # twice as far from 50 %, cut at 0 and 1
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.0, 1.0)
    """
    n = np.asarray(n, dtype=float)
    tail = (1 - coverage) / 2
    lo = _lower_share(tail, n, p0)
    hi = 1 - _lower_share(tail, n, 1 - p0)
    widen = np.sqrt(max(phi, 1.0))
    return np.clip(p0 + widen * (lo - p0), 0, 1), np.clip(p0 + widen * (hi - p0), 0, 1)


def pearson_residuals(counts, ns, p0: float) -> np.ndarray:
    """The standardized Pearson residuals (z-scores) of the förbund's shares against the national share."""
    counts, ns = np.asarray(counts, dtype=float), np.asarray(ns, dtype=float)
    return (counts / ns - p0) / np.sqrt(p0 * (1 - p0) / ns)


@dataclass(frozen=True)
class Dispersion:
    """The overdispersion of a measure's förbund around the national share."""

    estimate: float       # φ̂: the mean squared winsorized z-score (1 when it cannot be estimated)
    units: int            # the förbund it was estimated from
    p_value: float        # the χ² test of no overdispersion (1 when it cannot be tested)

    @property
    def applied(self) -> bool:
        """Whether the data call for widening the funnel: φ̂ > 1 and the χ² test rejects at 5 %."""
        return self.estimate > 1 and self.p_value < OVERDISPERSION_TEST

    @property
    def phi(self) -> float:
        """The factor the funnel is widened by (in variance): φ̂ when applied, else 1."""
        return self.estimate if self.applied else 1.0


def overdispersion(counts, ns, p0: float, winsor: float = WINSOR) -> Dispersion:
    """φ̂ from the förbund's standardized Pearson residuals, winsorized at ``winsor`` in each tail.

    Under the funnel's own assumption (every förbund's share a binomial draw around ``p0``) each squared
    z-score has mean 1 whatever the förbund's number of answers, and I·φ̂ follows roughly a χ² distribution
    with I − 1 degrees of freedom (``p0`` is estimated from the same förbund); the test uses that.

    >>> d = overdispersion([30, 10, 45, 20], [40, 40, 60, 40], 105 / 180)
    >>> round(d.estimate, 2), d.units, d.applied
    (7.71, 4, True)
    >>> overdispersion([5], [10], 0.5).applied        # one förbund: nothing to compare
    False
    """
    ns = np.asarray(ns, dtype=float)
    keep = ns > 0
    units = int(keep.sum())
    if units < 2 or not 0 < p0 < 1:
        return Dispersion(1.0, units, 1.0)
    estimate = phi_estimate(pearson_residuals(np.asarray(counts, dtype=float)[keep], ns[keep], p0), winsor)
    from scipy import stats  # noqa: PLC0415

    p_value = float(stats.chi2.sf(units * estimate, units - 1))
    return Dispersion(estimate, units, p_value)


def phi_estimate(z, winsor: float = WINSOR) -> float:
    """φ̂: the mean of the squared z-scores after winsorizing ``winsor`` of them in each tail (the most extreme
    pulled in to the value of the last one kept, scipy's ``mstats.winsorize``)."""
    from scipy.stats import mstats  # noqa: PLC0415

    z = np.asarray(mstats.winsorize(np.asarray(z, dtype=float), limits=(winsor, winsor)))
    return float(np.mean(z ** 2))
