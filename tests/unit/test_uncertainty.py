"""The intervals and the funnel's limits: known answers from the literature, from scipy, and worked by hand."""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

import nnsreport as nr
from nns.spec import uncertainty as u

Z = stats.norm.ppf(0.975)


def wilson_by_hand(x: int, n: int) -> tuple[float, float]:
    """The Wilson score interval from its closed form (Wilson 1927), not from statsmodels."""
    p = x / n
    centre = (p + Z ** 2 / (2 * n)) / (1 + Z ** 2 / n)
    half = Z / (1 + Z ** 2 / n) * math.sqrt(p * (1 - p) / n + Z ** 2 / (4 * n ** 2))
    return centre - half, centre + half


@pytest.mark.parametrize("x, n, expected", [
    # Newcombe (1998a), Statistics in Medicine 17:857–872, table I, the score method
    (81, 263, (0.2553, 0.3662)),
    (15, 148, (0.0624, 0.1605)),
    (0, 20, (0.0, 0.1611)),
    (1, 29, (0.0061, 0.1718)),
    (29, 29, (0.8830, 1.0)),
])
def test_the_wilson_interval_gives_the_published_examples(x, n, expected):
    assert [round(v, 4) for v in u.wilson(x, n)] == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize("x, n", [(8, 10), (1, 7), (1263, 1629), (0, 5), (40, 40)])
def test_the_wilson_interval_equals_its_closed_form(x, n):
    assert u.wilson(x, n) == pytest.approx(wilson_by_hand(x, n), abs=1e-12)


@pytest.mark.parametrize("a, b, expected", [
    # Newcombe (1998b), Statistics in Medicine 17:873–890, table II, method 10 (hybrid score)
    ((56, 70), (48, 80), (0.0524, 0.3339)),
    ((9, 10), (3, 10), (0.1705, 0.8090)),
    ((5, 56), (0, 29), (-0.0381, 0.1926)),
    ((0, 10), (0, 20), (-0.1611, 0.2775)),
    ((0, 10), (0, 10), (-0.2775, 0.2775)),
    ((10, 10), (0, 20), (0.6791, 1.0)),
    ((10, 10), (0, 10), (0.6075, 1.0)),
])
def test_the_interval_of_a_change_gives_the_published_examples(a, b, expected):
    assert [round(v, 4) for v in u.newcombe(*a, *b)] == pytest.approx(expected, abs=1e-4)


def test_the_interval_of_a_change_is_newcombes_combination_of_two_wilson_intervals():
    """Worked by hand: 1 263 of 1 629 in the report year against 1 157 of 1 542 the year before."""
    (x1, n1), (x0, n0) = (1263, 1629), (1157, 1542)
    l1, u1 = wilson_by_hand(x1, n1)
    l0, u0 = wilson_by_hand(x0, n0)
    d = x1 / n1 - x0 / n0
    by_hand = (d - math.sqrt((x1 / n1 - l1) ** 2 + (u0 - x0 / n0) ** 2),
               d + math.sqrt((u1 - x1 / n1) ** 2 + (x0 / n0 - l0) ** 2))
    assert u.newcombe(x1, n1, x0, n0) == pytest.approx(by_hand, abs=1e-12)


def test_the_funnel_limits_worked_by_hand():
    """n = 10 around 50 %, 95 %: P(X ≤ 1) = 11/1024 < 2.5 % ≤ P(X ≤ 2) = 56/1024, so the lower limit lies between
    1/10 and 2/10, at the share of the step from 1 to 2 that 2.5 % has not used: (2 − (56/1024 − 1/40) /
    (45/1024)) / 10. The upper limit mirrors it."""
    q = Fraction(1, 40)
    alpha = (Fraction(56, 1024) - q) / Fraction(45, 1024)
    lower = (2 - alpha) / 10
    lo, hi = u.funnel_limits(0.5, 10, 0.95)
    assert float(lo) == pytest.approx(float(lower), abs=1e-12)          # 0.13244…
    assert float(hi) == pytest.approx(float(1 - lower), abs=1e-12)      # 0.86755…
    assert round(float(lower), 4) == 0.1324


@pytest.mark.parametrize("n", [5, 12, 20, 47, 136])
@pytest.mark.parametrize("p0", [0.16, 0.5, 0.78, 0.85])
@pytest.mark.parametrize("coverage", [0.95, 0.998])
def test_a_count_is_outside_the_limits_exactly_when_scipys_exact_test_says_so(n, p0, coverage):
    tail = (1 - coverage) / 2
    lo, hi = u.funnel_limits(p0, n, coverage)
    for x in range(n + 1):
        assert (x / n < lo) == (stats.binom.cdf(x, n, p0) < tail), (x, n, p0, coverage)
        assert (x / n > hi) == (stats.binom.sf(x - 1, n, p0) < tail), (x, n, p0, coverage)


def test_the_limits_narrow_as_the_answers_grow_and_the_outer_pair_holds_the_inner():
    n = np.arange(5, 400)
    lo95, hi95 = u.funnel_limits(0.7, n, 0.95)
    lo998, hi998 = u.funnel_limits(0.7, n, 0.998)
    assert (lo998 <= lo95).all() and (hi95 <= hi998).all()
    assert hi95[-1] - lo95[-1] < hi95[0] - lo95[0]
    assert lo95[-1] < 0.7 < hi95[-1]


@pytest.mark.parametrize("phi", [1.5, 2.0, 4.0])
def test_overdispersion_widens_each_limit_by_the_root_of_phi(phi):
    lo, hi = u.funnel_limits(0.6, 80, 0.998)
    wlo, whi = u.funnel_limits(0.6, 80, 0.998, phi)
    assert 0.6 - wlo == pytest.approx(math.sqrt(phi) * (0.6 - lo))
    assert whi - 0.6 == pytest.approx(math.sqrt(phi) * (hi - 0.6))


def test_phi_is_the_mean_square_of_the_winsorized_residuals_worked_by_hand():
    """Ten förbund, 10 % in each tail: the most extreme residual at each end is pulled in to the next one's."""
    z = np.array([-5.0, -1.0, -0.5, 0.0, 0.0, 0.0, 0.0, 0.5, 1.0, 6.0])
    # winsorized: [-1, -1, -0.5, 0, 0, 0, 0, 0.5, 1, 1] → (1 + 1 + 0.25 + 0.25 + 1 + 1) / 10
    assert u.phi_estimate(z) == pytest.approx(0.45)


def test_phi_from_counts_uses_the_standardized_pearson_residuals():
    counts, ns = [30, 10, 45, 20], [40, 40, 60, 40]
    p0 = sum(counts) / sum(ns)
    z = [(c / n - p0) / math.sqrt(p0 * (1 - p0) / n) for c, n in zip(counts, ns)]
    d = u.overdispersion(counts, ns, p0)
    assert d.estimate == pytest.approx(sum(v * v for v in z) / 4)     # four förbund: nothing to winsorize
    assert d.p_value == pytest.approx(stats.chi2.sf(4 * d.estimate, 3))
    assert d.applied and d.phi == d.estimate


def test_no_widening_when_the_förbund_vary_as_chance_allows():
    ns = [40, 60, 25, 80, 33, 51, 47, 90, 20, 64]
    counts = [round(0.7 * n) for n in ns]          # every förbund at the nation's share, give or take rounding
    d = u.overdispersion(counts, ns, sum(counts) / sum(ns))
    assert d.estimate < 1 and not d.applied and d.phi == 1.0


@pytest.mark.parametrize("share, expected", [(0.125, 13), (0.285, 29), (0.7849, 78), (0.995, 100), (0.0049, 0),
                                             (-0.025, -3), (-0.0249, -2), (0.0, 0)])
def test_intervals_print_in_whole_percent_half_away_from_zero(share, expected):
    assert nr.whole_percent(share) == expected


@given(st.integers(0, 1000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))).filter(lambda t: t[1] > 0))
def test_whole_percent_of_a_count_agrees_with_the_reports_percent(t):
    x, n = t
    assert nr.whole_percent(x / n) == nr.percent(x, n)
