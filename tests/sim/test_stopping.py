"""Binomial confidence intervals and the stopping rules of a campaign point."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from nrlink.errors import ConfigError
from nrlink.sim.stopping import (
    INTERVAL_METHODS,
    STOP_REASONS,
    StoppingRule,
    binomial_interval,
    first_stopping_unit,
    units_needed_estimate,
)

Z95 = 1.959963984540054  # the 0.975 normal quantile


# ----------------------------------------------------------------------------- helpers


@st.composite
def counts(draw, max_n=10_000):
    n = draw(st.integers(0, max_n))
    k = draw(st.integers(0, n))
    return k, n


@st.composite
def rules(draw):
    max_tbs = draw(st.integers(1, 3000))
    return StoppingRule(
        target_errors=draw(st.none() | st.integers(1, 60)),
        max_tbs=max_tbs,
        min_tbs=draw(st.integers(0, max_tbs)),
        ci_rel_width=draw(st.none() | st.floats(0.05, 3.0)),
        confidence=draw(st.sampled_from([0.5, 0.9, 0.95, 0.99])),
        interval=draw(st.sampled_from(INTERVAL_METHODS)),
        bler_floor=draw(st.none() | st.floats(1e-4, 0.5)),
    )


@st.composite
def unit_counts(draw):
    size = draw(st.integers(0, 40))
    tbs = np.array(draw(st.lists(st.integers(0, 200), min_size=size, max_size=size)),
                   dtype=np.int64)
    p = draw(st.floats(0.0, 1.0))
    frac = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=size, max_size=size)))
    errors = np.minimum(np.floor(tbs * np.minimum(1.0, 2 * p * frac)), tbs).astype(np.int64)
    return errors, tbs


def ref_stop_reason(rule: StoppingRule, errors: int, tbs: int):
    """Slow, obviously-correct twin of ``StoppingRule.stop_reason``."""
    if tbs >= rule.min_tbs:
        if rule.target_errors is not None and errors >= rule.target_errors:
            return "target_errors"
        if rule.ci_rel_width is not None and errors > 0:
            lo, hi = binomial_interval(errors, tbs, confidence=rule.confidence,
                                       method=rule.interval)
            if (hi - lo) / (errors / tbs) <= rule.ci_rel_width:
                return "ci_width"
    if tbs >= rule.max_tbs:
        return "max_tbs"
    return None


def ref_first_stopping_unit(errors, tbs, rule: StoppingRule):
    """Slow twin of ``first_stopping_unit``: a Python loop over the units."""
    e = t = 0
    for u, (eu, tu) in enumerate(zip(errors, tbs, strict=True)):
        e, t = e + int(eu), t + int(tu)
        if rule.stop_reason(e, t) is not None:
            return u
    return None


# ----------------------------------------------------------------------------- intervals


def test_wilson_closed_form():
    z2 = Z95**2
    # k = 0: lo = 0, hi = z²/(n + z²)
    lo, hi = binomial_interval(0, 10)
    assert lo == 0.0
    assert hi == pytest.approx(z2 / (10 + z2), rel=1e-14)
    # k = 5, n = 10: centre 1/2, half-width z·sqrt(p(1-p)/n + z²/(4n²)) / (1 + z²/n)
    half = Z95 * math.sqrt(0.25 / 10 + z2 / 400) / (1 + z2 / 10)
    lo, hi = binomial_interval(5, 10)
    assert lo == pytest.approx(0.5 - half, rel=1e-14)
    assert hi == pytest.approx(0.5 + half, rel=1e-14)
    # general k: (k + z²/2 ± z sqrt(k(n-k)/n + z²/4)) / (n + z²), at 90 %
    z = stats.norm.ppf(0.95)
    k, n = 7, 40
    r = z * math.sqrt(k * (n - k) / n + z * z / 4)
    lo, hi = binomial_interval(k, n, confidence=0.9)
    assert (lo, hi) == pytest.approx(((k + z * z / 2 - r) / (n + z * z),
                                      (k + z * z / 2 + r) / (n + z * z)), rel=1e-13)


@pytest.mark.parametrize("confidence", [0.5, 0.9, 0.95, 0.99])
@pytest.mark.parametrize("k,n", [(0, 1), (1, 1), (0, 10), (3, 10), (10, 10), (1, 1000),
                                 (999, 1000), (500, 1000), (37, 123_456)])
def test_clopper_pearson_matches_binomtest(k, n, confidence):
    ref = stats.binomtest(k, n).proportion_ci(confidence_level=confidence, method="exact")
    lo, hi = binomial_interval(k, n, confidence=confidence, method="clopper-pearson")
    # binomtest finds the bounds by root finding (≈ 1e-10 relative); beta quantiles are
    # exact to rounding: check both against it and against the defining tail equations
    assert lo == pytest.approx(ref.low, rel=1e-8, abs=1e-300)
    assert hi == pytest.approx(ref.high, rel=1e-8)
    alpha = (1 - confidence) / 2
    if k > 0:
        assert stats.binom.sf(k - 1, n, lo) == pytest.approx(alpha, rel=1e-11)
    if k < n:
        assert stats.binom.cdf(k, n, hi) == pytest.approx(alpha, rel=1e-11)


def test_wilson_matches_binomtest():
    for k, n in [(0, 10), (5, 10), (17, 200)]:
        ref = stats.binomtest(k, n).proportion_ci(method="wilson")
        assert binomial_interval(k, n) == pytest.approx((ref.low, ref.high), rel=1e-12)


@pytest.mark.parametrize("method", INTERVAL_METHODS)
def test_edges_and_types(method):
    assert binomial_interval(0, 0, method=method) == (0.0, 1.0)
    lo, hi = binomial_interval(np.int32(4), 4.0, method=method)  # integer-valued float
    assert type(lo) is float and type(hi) is float and hi == 1.0 and 0 < lo < 1
    lo, hi = binomial_interval([[0], [2]], [2, 5, 7], method=method)  # broadcast (2, 3)
    assert lo.shape == hi.shape == (2, 3) and lo.dtype == hi.dtype == np.float64
    assert np.all(lo[0] == 0.0)
    for i, k in enumerate([0, 2]):
        for j, n in enumerate([2, 5, 7]):
            assert (lo[i, j], hi[i, j]) == binomial_interval(k, n, method=method)


@settings(max_examples=200, deadline=None)
@given(kn=counts(), c=st.floats(0.01, 0.999), method=st.sampled_from(INTERVAL_METHODS))
def test_interval_properties(kn, c, method):
    k, n = kn
    lo, hi = binomial_interval(k, n, confidence=c, method=method)
    p = k / n if n else 0.5
    assert 0.0 <= lo <= hi <= 1.0
    if n:
        assert lo <= p <= hi
        assert (lo == 0.0) == (k == 0) and (hi == 1.0) == (k == n)
        # symmetry: swapping successes and failures mirrors the interval
        lo2, hi2 = binomial_interval(n - k, n, confidence=c, method=method)
        assert lo == pytest.approx(1 - hi2, abs=1e-12) and hi == pytest.approx(1 - lo2,
                                                                             abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(kn=counts(), c1=st.floats(0.05, 0.99), c2=st.floats(0.05, 0.99),
       method=st.sampled_from(INTERVAL_METHODS))
def test_interval_nested_in_confidence_and_monotone_in_k(kn, c1, c2, method):
    k, n = kn
    c1, c2 = min(c1, c2), max(c1, c2)
    lo1, hi1 = binomial_interval(k, n, confidence=c1, method=method)
    lo2, hi2 = binomial_interval(k, n, confidence=c2, method=method)
    assert lo2 <= lo1 + 1e-12 and hi1 <= hi2 + 1e-12
    if k < n:
        lo3, hi3 = binomial_interval(k + 1, n, confidence=c1, method=method)
        assert lo1 <= lo3 and hi1 <= hi3


@settings(max_examples=150, deadline=None)
@given(kn=counts(max_n=10**9), c=st.floats(0.5, 0.999))
def test_clopper_pearson_contains_wilson_point_estimate(kn, c):
    k, n = kn
    z = stats.norm.ppf(0.5 + c / 2)
    centre = (k + z * z / 2) / (n + z * z)  # Wilson's point estimate
    lo, hi = binomial_interval(k, n, confidence=c, method="clopper-pearson")
    assert lo <= centre <= hi


@settings(max_examples=50, deadline=None)
@given(k=st.lists(st.integers(0, 500), min_size=1, max_size=30), extra=st.integers(0, 500),
       method=st.sampled_from(INTERVAL_METHODS))
def test_vectorised_matches_scalar(k, extra, method):
    k = np.array(k)
    n = k + extra
    lo, hi = binomial_interval(k, n, method=method)
    for i in range(k.size):
        assert (lo[i], hi[i]) == binomial_interval(int(k[i]), int(n[i]), method=method)


# --- validation: one test per branch


def test_interval_rejects_negative_count():
    with pytest.raises(ConfigError, match=r"k=-1 is not allowed.*0 ≤ k ≤ 2\*\*53"):
        binomial_interval(-1, 10)


def test_interval_rejects_non_integer_in_array():
    with pytest.raises(ConfigError, match=r"n=2\.5 \(at index \(1,\)\)"):
        binomial_interval([1, 1], [2, 2.5])


def test_interval_rejects_non_finite_or_huge():
    with pytest.raises(ConfigError, match="n=nan"):
        binomial_interval(1, float("nan"))
    with pytest.raises(ConfigError, match="n="):
        binomial_interval(1, 2**60)


def test_interval_rejects_non_numeric():
    with pytest.raises(ConfigError, match="k='3'.*dtype"):
        binomial_interval("3", 10)
    with pytest.raises(ConfigError, match="k=True"):
        binomial_interval(True, 10)


def test_interval_rejects_k_above_n():
    with pytest.raises(ConfigError, match="k=11 with n=10 is not allowed: k must be ≤ n"):
        binomial_interval(11, 10)
    with pytest.raises(ConfigError, match=r"k=3 with n=2 \(at index \(1,\)\)"):
        binomial_interval([1, 3], [2, 2])


def test_interval_rejects_shapes_that_do_not_broadcast():
    with pytest.raises(ConfigError, match="must broadcast"):
        binomial_interval([1, 2], [3, 4, 5])


@pytest.mark.parametrize("c", [0, 1, 1.5, -0.1, float("nan"), True, "0.95"])
def test_interval_rejects_confidence(c):
    with pytest.raises(ConfigError, match="confidence=.*0 < confidence < 1"):
        binomial_interval(1, 10, confidence=c)


def test_interval_rejects_method():
    with pytest.raises(ConfigError, match="method='normal'.*'wilson', 'clopper-pearson'"):
        binomial_interval(1, 10, method="normal")


# ----------------------------------------------------------------------------- the rule


def test_rule_defaults_round_trip_and_normalisation():
    rule = StoppingRule()
    assert (rule.target_errors, rule.max_tbs, rule.min_tbs, rule.ci_rel_width,
            rule.confidence, rule.interval, rule.bler_floor) == (
                100, 100_000, 0, None, 0.95, "wilson", None)
    rule = StoppingRule(target_errors=np.int64(7), max_tbs=np.int32(900), ci_rel_width=1,
                        confidence=np.float32(0.5), bler_floor=np.float64(1e-3))
    assert type(rule.target_errors) is int and type(rule.max_tbs) is int
    assert type(rule.ci_rel_width) is float and type(rule.confidence) is float
    assert StoppingRule.from_dict(rule.to_dict()) == rule
    assert rule.replace(min_tbs=10).min_tbs == 10
    assert StoppingRule(target_errors=None, ci_rel_width=None).stop_reason(5, 99_999) is None


@pytest.mark.parametrize("kwargs,match", [
    ({"target_errors": 0}, r"target_errors=0 .*≥ 1 or None"),
    ({"target_errors": 2.0}, r"target_errors=2\.0"),
    ({"max_tbs": 0}, r"max_tbs=0 .*≥ 1"),
    ({"min_tbs": -1}, r"min_tbs=-1 .*0 ≤ min_tbs ≤ max_tbs"),
    ({"min_tbs": 11, "max_tbs": 10}, r"min_tbs=11 .*max_tbs = 10"),
    ({"ci_rel_width": 0.0}, r"ci_rel_width=0\.0 .*> 0"),
    ({"ci_rel_width": float("inf")}, r"ci_rel_width=inf"),
    ({"ci_rel_width": "0.1"}, r"ci_rel_width='0\.1'"),
    ({"confidence": 1.0}, r"confidence=1\.0 .*0 < confidence < 1"),
    ({"interval": "agresti"}, r"interval='agresti' .*'wilson', 'clopper-pearson'"),
    ({"bler_floor": 0.0}, r"bler_floor=0\.0 .*0 < bler_floor < 1"),
    ({"bler_floor": 1.0}, r"bler_floor=1\.0"),
])
def test_rule_validation(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        StoppingRule(**kwargs)


def test_rule_from_dict_rejects_unknown_key():
    with pytest.raises(ConfigError, match="max_tb: unknown key.*did you mean 'max_tbs'"):
        StoppingRule.from_dict({"max_tb": 10})


def test_stop_reason_each_reason():
    rule = StoppingRule(target_errors=100, max_tbs=10_000, ci_rel_width=0.4)
    assert rule.stop_reason(0, 0) is None
    assert StoppingRule(target_errors=100, max_tbs=10_000).stop_reason(99, 9999) is None
    assert rule.stop_reason(100, 5000) == "target_errors"
    # relative width 0.4 needs ≈ 4z²/0.16 ≈ 96 errors at a low BLER
    assert rule.stop_reason(98, 9000) == "ci_width"
    assert rule.stop_reason(50, 9000) is None
    assert rule.stop_reason(0, 10_000) == "max_tbs"
    # tie order: target_errors, then ci_width, then max_tbs
    assert rule.stop_reason(100, 10_000) == "target_errors"
    assert rule.stop_reason(98, 10_000) == "ci_width"
    # ci_width is never satisfied with no error, even at a tiny width
    wide = StoppingRule(target_errors=None, ci_rel_width=1e6, max_tbs=100)
    assert wide.stop_reason(0, 99) is None and wide.stop_reason(1, 99) == "ci_width"
    assert STOP_REASONS == ("target_errors", "ci_width", "max_tbs")


def test_stop_reason_min_tbs():
    rule = StoppingRule(target_errors=10, ci_rel_width=10.0, min_tbs=500, max_tbs=1000)
    assert rule.stop_reason(20, 499) is None
    assert rule.stop_reason(20, 500) == "target_errors"
    assert rule.stop_reason(5, 500) == "ci_width"
    assert rule.replace(min_tbs=1000).stop_reason(0, 1000) == "max_tbs"


def test_stop_reason_validation():
    rule = StoppingRule()
    with pytest.raises(ConfigError, match="errors=11 with tbs=10"):
        rule.stop_reason(11, 10)
    with pytest.raises(ConfigError, match="errors=-1"):
        rule.stop_reason(-1, 10)
    with pytest.raises(ConfigError, match=r"tbs=10\.0"):
        rule.stop_reason(1, 10.0)
    with pytest.raises(ConfigError, match="errors=5 with tbs=4"):
        rule.below_floor(5, 4)
    with pytest.raises(ConfigError, match="must broadcast"):
        rule.stop_code([1, 2], [3, 4, 5])
    with pytest.raises(ConfigError, match=r"errors=4 with tbs=3 \(at index \(0,\)\)"):
        rule.stop_code([4], [3])


@settings(max_examples=100, deadline=None)
@given(rule=rules(), pairs=st.lists(counts(max_n=4000), min_size=1, max_size=20))
def test_stop_code_matches_reference(rule, pairs):
    e = np.array([k for k, _ in pairs])
    t = np.array([n for _, n in pairs])
    codes = rule.stop_code(e, t)
    assert codes.dtype == np.int8
    for i, (k, n) in enumerate(pairs):
        ref = ref_stop_reason(rule, k, n)
        assert rule.stop_reason(k, n) == ref
        assert codes[i] == (0 if ref is None else 1 + STOP_REASONS.index(ref))
        assert rule.stop_code(k, n) == codes[i]


def test_below_floor():
    rule = StoppingRule(bler_floor=1e-3)
    assert rule.below_floor(0, 1000)
    assert rule.below_floor(9, 10_000)
    assert not rule.below_floor(10, 10_000)  # equal to the floor: not below
    assert not rule.below_floor(0, 0)
    assert not StoppingRule().below_floor(0, 10_000)


# ----------------------------------------------------------------------------- work units


@settings(max_examples=150, deadline=None)
@given(rule=rules(), uc=unit_counts())
def test_first_stopping_unit_matches_loop(rule, uc):
    errors, tbs = uc
    assert first_stopping_unit(errors, tbs, rule) == ref_first_stopping_unit(errors, tbs,
                                                                             rule)


def test_first_stopping_unit_examples():
    rule = StoppingRule(target_errors=10, max_tbs=1000)
    assert first_stopping_unit([], [], rule) is None
    assert first_stopping_unit([10], [10], rule) == 0
    assert first_stopping_unit([0] * 12, [100] * 12, rule) == 9  # max_tbs at 1000
    # the units past the stopping one never change the answer (any worker count)
    e, t = [3, 3, 3, 3, 9, 0], [50] * 6
    assert first_stopping_unit(e, t, rule) == 3
    assert first_stopping_unit(e[:4], t[:4], rule) == 3


def test_first_stopping_unit_validation():
    rule = StoppingRule()
    with pytest.raises(ConfigError, match="rule=.*must be a StoppingRule"):
        first_stopping_unit([1], [2], {"target_errors": 1})
    with pytest.raises(ConfigError, match=r"errors with shape \(1, 2\).*1-D"):
        first_stopping_unit([[1, 2]], [1, 2], rule)
    with pytest.raises(ConfigError, match="same length"):
        first_stopping_unit([1, 2], [3, 4, 5], rule)
    with pytest.raises(ConfigError, match=r"errors=5 with tbs=4 \(at unit 1\)"):
        first_stopping_unit([1, 5], [4, 4], rule)
    with pytest.raises(ConfigError, match=r"tbs=-4 \(at index \(1,\)\)"):
        first_stopping_unit([1, 0], [4, -4], rule)
    with pytest.raises(ConfigError, match=r"sum\(tbs\)="):
        first_stopping_unit([0, 0], [2**53, 2**53], rule)


def test_units_needed_estimate_examples():
    rule = StoppingRule(target_errors=100, max_tbs=100_000)
    assert units_needed_estimate(10, 1000, 100, rule) == 90
    assert units_needed_estimate(0, 0, 100, rule) == 2  # p = 1/2 assumed
    assert units_needed_estimate(0, 998, 100, rule) == 991  # p = 1/1000: capped by max_tbs
    assert units_needed_estimate(0, 99_998, 1000, rule) == 1  # capped by max_tbs
    assert units_needed_estimate(0, 100_000, 1000, rule) == 1  # at least 1
    assert units_needed_estimate(200, 1000, 100, rule) == 1  # target already met
    # min_tbs raises the estimate
    assert units_needed_estimate(200, 1000, 100, rule.replace(min_tbs=5000)) == 40
    # off: only max_tbs bounds; a CI target gives n ≈ 4z²(1 - p)/(p w²)
    off = StoppingRule(target_errors=None, max_tbs=10_000)
    assert units_needed_estimate(5, 100, 100, off) == 99
    ci = off.replace(ci_rel_width=0.5)
    n_ci = 4 * Z95**2 * 0.95 / (0.05 * 0.25)
    assert units_needed_estimate(5, 100, 100, ci) == math.ceil((n_ci - 100) / 100)


@settings(max_examples=150, deadline=None)
@given(rule=rules(), kn=counts(max_n=5000), per_unit=st.integers(1, 500))
def test_units_needed_estimate_bounds(rule, kn, per_unit):
    e, t = kn
    u = units_needed_estimate(e, t, per_unit, rule)
    assert type(u) is int
    assert 1 <= u <= max(1, math.ceil(max(rule.max_tbs - t, 0) / per_unit))


def test_units_needed_estimate_validation():
    rule = StoppingRule()
    with pytest.raises(ConfigError, match="tbs_per_unit=0"):
        units_needed_estimate(0, 0, 0, rule)
    with pytest.raises(ConfigError, match="rule=None"):
        units_needed_estimate(0, 0, 10, None)
    with pytest.raises(ConfigError, match="errors=3 with tbs=2"):
        units_needed_estimate(3, 2, 10, rule)


# ----------------------------------------------------------------------------- coverage


def simulate_point(rule, p, trials, unit, rng):
    """Final (errors, tbs) of ``trials`` independent points with true BLER ``p``.

    Each round draws one unit of ``unit`` Bernoulli(p) TBs (as one binomial count) for
    every point still running, then applies ``rule.stop_code``; vectorised over points.
    """
    e = np.zeros(trials, dtype=np.int64)
    t = np.zeros(trials, dtype=np.int64)
    active = np.arange(trials)
    while active.size:
        draw = np.minimum(unit, rule.max_tbs - t[active])
        e[active] += rng.binomial(draw, p)
        t[active] += draw
        active = active[rule.stop_code(e[active], t[active]) == 0]
    return e, t


def coverage(rule, p, trials, seed, unit=50):
    e, t = simulate_point(rule, p, trials, unit, np.random.default_rng(seed))
    lo, hi = binomial_interval(e, t, confidence=rule.confidence, method=rule.interval)
    return float(np.mean((lo <= p) & (p <= hi))), e, t


RULE_KINDS = {
    "target_errors": {"target_errors": 50, "max_tbs": 50_000},
    "ci_width": {"target_errors": None, "ci_rel_width": 0.3, "max_tbs": 50_000},
}


@pytest.mark.parametrize("kind", list(RULE_KINDS))
@pytest.mark.parametrize("method", INTERVAL_METHODS)
@pytest.mark.parametrize("p", [0.01, 0.1, 0.5])
def test_coverage_sequential(kind, method, p):
    """Empirical coverage at the stop ≥ c − 3 standard errors (2000 points)."""
    trials, c = 2000, 0.95
    rule = StoppingRule(interval=method, confidence=c, **RULE_KINDS[kind])
    cov, e, t = coverage(rule, p, trials, seed=20240611)
    reasons = rule.stop_code(e, t)
    assert np.all(reasons == 1 + STOP_REASONS.index(kind))  # stopped by the rule, not cap
    assert cov >= c - 3 * math.sqrt(c * (1 - c) / trials), cov


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(RULE_KINDS))
@pytest.mark.parametrize("method", INTERVAL_METHODS)
@pytest.mark.parametrize("p", [0.01, 0.1, 0.5])
def test_coverage_sequential_long(kind, method, p):
    """As above with 20 000 points and 100 target errors (relative width 0.3).

    Clopper–Pearson under target_errors stopping must reach c − 3 SE; Wilson (not
    conservative: its coverage oscillates around c) and the data-dependent width rule
    (sequential stopping bias) are allowed 1 % more.
    """
    trials, c = 20_000, 0.95
    kw = dict(RULE_KINDS[kind])
    if kind == "target_errors":
        kw["target_errors"] = 100
    rule = StoppingRule(interval=method, confidence=c, **kw)
    cov, _, _ = coverage(rule, p, trials, seed=7)
    slack = 0.0 if (method, kind) == ("clopper-pearson", "target_errors") else 0.01
    assert cov >= c - 3 * math.sqrt(c * (1 - c) / trials) - slack, cov


def test_clustered_interval_widens_for_correlated_units():
    """Independent trials: close to the binomial interval. All-or-nothing units (a channel
    frozen over each unit): much wider than the binomial interval of the totals."""
    from nrlink.sim.stopping import clustered_interval

    rng = np.random.default_rng(11)
    n = np.full(50, 32)
    k = rng.binomial(32, 0.2, 50)
    lo, hi = clustered_interval(k, n)
    blo, bhi = binomial_interval(int(k.sum()), int(n.sum()))
    assert lo <= blo and hi >= bhi and (hi - lo) < 1.5 * (bhi - blo)
    frozen = 32 * (rng.random(50) < 0.2)
    lo, hi = clustered_interval(frozen, n)
    blo, bhi = binomial_interval(int(frozen.sum()), int(n.sum()))
    assert (hi - lo) > 3 * (bhi - blo)
    assert clustered_interval([], []) == (0.0, 1.0)
    assert clustered_interval([3], [10]) == pytest.approx(binomial_interval(3, 10))
    with pytest.raises(ConfigError, match="one count of each per unit"):
        clustered_interval([1, 2], [3])
