"""Stopping rules of a simulation campaign: binomial confidence intervals, when to stop.

Implements the Wilson score interval (Wilson, JASA 22, 1927) and the Clopper–Pearson
exact interval (Biometrika 26, 1934) for a binomial proportion, and the stopping rules of
one campaign point built on them.

A campaign point counts first-transmission transport-block (TB) errors: ``errors`` out
of ``tbs`` trials, gathered in *work units* (batches of TBs) that several workers may
simulate in any order. The point stops at the first unit index at which the cumulative
counts of units ``0..u`` satisfy the rule (:func:`first_stopping_unit`); units past that
index are discarded, so the result depends on the seeds of the units only, never on the
number of workers nor on the order in which the units finish.

Everything here is pure and deterministic (no randomness).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from nrlink.config._base import FromDictMixin
from nrlink.errors import ConfigError, check_int

__all__ = ["clustered_interval",
    "INTERVAL_METHODS",
    "STOP_REASONS",
    "StoppingRule",
    "binomial_interval",
    "first_stopping_unit",
    "units_needed_estimate",
]

INTERVAL_METHODS = ("wilson", "clopper-pearson")
"""The interval methods of :func:`binomial_interval`."""

STOP_REASONS = ("target_errors", "ci_width", "max_tbs")
"""The reasons of :meth:`StoppingRule.stop_reason`, in the order they are checked; the
code of :meth:`StoppingRule.stop_code` is 1 + the index in this tuple (0: keep going)."""

_CLAUSE = "nrlink.sim.stopping"
_MAX_COUNT = 2**53  # counts are exact in float64 up to here


# --------------------------------------------------------------------------- validation


def _is_real(value) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_)


def _check_open_unit(name: str, value, what: str) -> float:
    """A finite real strictly between 0 and 1, as a Python float."""
    if not _is_real(value) or not 0.0 < float(value) < 1.0:
        raise ConfigError(f"{name}={value!r} is not allowed: {name} must be a real number "
                          f"with 0 < {name} < 1 ({what}, {_CLAUSE})")
    return float(value)


def _check_method(name: str, value) -> str:
    if not isinstance(value, str) or value not in INTERVAL_METHODS:
        raise ConfigError(f"{name}={value!r} is not allowed: {name} must be one of "
                          f"{', '.join(repr(m) for m in INTERVAL_METHODS)} ({_CLAUSE})")
    return value


def _as_counts(name: str, value) -> np.ndarray:
    """``value`` as an int64 array of counts 0 ≤ x ≤ 2**53 (integer-valued floats too)."""
    allowed = f"{name} must be integer-valued with 0 ≤ {name} ≤ 2**53"
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        arr = np.asarray(None, dtype=object)
    if arr.dtype.kind not in "iuf":
        raise ConfigError(f"{name}={value!r} is not allowed: {allowed} (got dtype "
                          f"{arr.dtype}; {_CLAUSE})")
    with np.errstate(invalid="ignore"):
        bad = ~((arr >= 0) & (arr <= _MAX_COUNT))
        if arr.dtype.kind == "f":
            bad |= ~np.isfinite(arr) | (np.floor(arr) != arr)
    if bad.any():
        _raise_at(name, value, arr, bad, allowed)
    return arr.astype(np.int64)


def _raise_at(name: str, value, arr: np.ndarray, bad: np.ndarray, allowed: str):
    """Raise ConfigError for the first True entry of ``bad`` (arrays) or for ``value``."""
    if arr.ndim == 0:
        raise ConfigError(f"{name}={value!r} is not allowed: {allowed} ({_CLAUSE})")
    idx = tuple(int(i) for i in np.argwhere(bad)[0])
    raise ConfigError(f"{name}={arr[idx].item()!r} (at index {idx}) is not allowed: "
                      f"{allowed} ({_CLAUSE})")


def _check_pairs(k_name: str, k, n_name: str, n) -> tuple[np.ndarray, np.ndarray]:
    """Validate two count arrays, broadcast them and check k ≤ n."""
    kk, nn = _as_counts(k_name, k), _as_counts(n_name, n)
    try:
        kk, nn = np.broadcast_arrays(kk, nn)
    except ValueError:
        raise ConfigError(f"{k_name} (shape {kk.shape}) and {n_name} (shape {nn.shape}) are "
                          f"not allowed: they must broadcast together ({_CLAUSE})") from None
    bad = kk > nn
    if bad.any():
        i = tuple(int(j) for j in np.argwhere(bad)[0])
        where = f" (at index {i})" if kk.ndim else ""
        raise ConfigError(f"{k_name}={int(kk[i])} with {n_name}={int(nn[i])}{where} is not "
                          f"allowed: {k_name} must be ≤ {n_name} ({_CLAUSE})")
    return kk, nn


def _check_count(name: str, value) -> int:
    return check_int(name, value, f"an integer with 0 ≤ {name} ≤ 2**53", _CLAUSE,
                     lo=0, hi=_MAX_COUNT)


def _check_scalar_pair(errors, tbs) -> tuple[int, int]:
    e, t = _check_count("errors", errors), _check_count("tbs", tbs)
    if e > t:
        raise ConfigError(f"errors={e} with tbs={t} is not allowed: errors must be ≤ tbs "
                          f"({_CLAUSE})")
    return e, t


# --------------------------------------------------------------------------- intervals


def _interval(k: np.ndarray, n: np.ndarray, confidence: float,
              method: str) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided interval for validated int arrays ``k ≤ n`` (no validation here)."""
    kf = np.asarray(k, dtype=np.float64)
    nf = np.asarray(n, dtype=np.float64)
    zero, full = kf == 0, kf == nf  # n = 0 is both: (0, 1)
    alpha = 1.0 - confidence
    if method == "wilson":
        z = special.ndtri(1.0 - alpha / 2.0)
        z2 = z * z
        ns = np.where(nf == 0, 1.0, nf)
        centre = kf + z2 / 2.0
        half = z * np.sqrt(kf * (ns - kf) / ns + z2 / 4.0)
        denom = ns + z2
        lo, hi = (centre - half) / denom, (centre + half) / denom
    else:  # clopper-pearson; safe shape parameters where the edge case applies
        a_lo = np.where(zero, 1.0, kf)
        b_hi = np.where(full, 1.0, nf - kf)
        lo = stats.beta.ppf(alpha / 2.0, a_lo, nf - kf + 1.0)
        hi = stats.beta.ppf(1.0 - alpha / 2.0, kf + 1.0, b_hi)
    lo = np.where(zero, 0.0, lo)
    hi = np.where(full, 1.0, hi)
    return lo, hi


def binomial_interval(k, n, *, confidence: float = 0.95, method: str = "wilson"):
    """Two-sided confidence interval for a binomial proportion (k successes in n trials).

    Implements the Wilson score interval (Wilson 1927) and the Clopper–Pearson exact
    interval (Clopper & Pearson 1934).

    Parameters
    ----------
    k : int or array_like of int
        Number of successes (here: TB errors), integer-valued, 0 ≤ k ≤ n.
    n : int or array_like of int
        Number of trials (TBs), integer-valued, ≥ 0; broadcast against ``k``.
    confidence : float, default 0.95
        Confidence level c, 0 < c < 1 (the interval leaves (1 − c)/2 in each tail).
    method : {"wilson", "clopper-pearson"}, default "wilson"
        ``"wilson"``: the score interval, ``(k + z²/2 ± z·sqrt(k(n − k)/n + z²/4)) /
        (n + z²)`` with z the 1 − (1 − c)/2 normal quantile. ``"clopper-pearson"``: the
        exact interval from beta quantiles, ``lo = B⁻¹((1 − c)/2; k, n − k + 1)``,
        ``hi = B⁻¹(1 − (1 − c)/2; k + 1, n − k)``. Both give lo = 0 for k = 0 and
        hi = 1 for k = n exactly.

    Returns
    -------
    lo, hi : float or numpy.ndarray of float64
        The bounds, 0 ≤ lo ≤ k/n ≤ hi ≤ 1: Python floats when ``k`` and ``n`` are
        scalars, else arrays of the broadcast shape. n = 0 gives (0, 1).

    Raises
    ------
    ConfigError
        For a k or n that is not integer-valued in 0..2**53, k > n, shapes that do not
        broadcast, a confidence outside (0, 1) or an unknown method.

    Examples
    --------
    >>> lo, hi = binomial_interval(5, 10)
    >>> round(lo, 4), round(hi, 4)
    (0.2366, 0.7634)
    >>> lo, hi = binomial_interval(0, 10, method="clopper-pearson")
    >>> lo, round(hi, 4)
    (0.0, 0.3085)
    >>> lo, hi = binomial_interval([0, 3], [0, 3])
    >>> lo.round(4), hi
    (array([0.    , 0.4385]), array([1., 1.]))
    """
    c = _check_open_unit("confidence", confidence, "confidence level")
    m = _check_method("method", method)
    kk, nn = _check_pairs("k", k, "n", n)
    lo, hi = _interval(kk, nn, c, m)
    if np.ndim(lo) == 0:
        return float(lo), float(hi)
    return np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)


# --------------------------------------------------------------------------- the rule


@dataclass(frozen=True, slots=True, kw_only=True)
class StoppingRule(FromDictMixin):
    """When one campaign point (one SNR of a sweep) stops, and when a sweep stops early.

    Implements a sequential stopping rule on the first-transmission TB errors of a point
    (``errors`` out of ``tbs``), with the intervals of :func:`binomial_interval`.

    The point stops at the first of: ``target_errors`` errors counted, a relative
    confidence-interval width ≤ ``ci_rel_width``, ``max_tbs`` TBs simulated. The first
    two are checked only once ``tbs ≥ min_tbs``; ``max_tbs`` always bounds the run.
    Either or both of ``target_errors`` / ``ci_rel_width`` may be ``None`` (off).

    Parameters
    ----------
    target_errors : int or None, default 100
        Stop once this many TB errors are counted (≥ 1), or ``None``: off.
    max_tbs : int, default 100_000
        Stop after this many TBs (≥ 1), whatever the errors.
    min_tbs : int, default 0
        Never stop (on ``target_errors`` / ``ci_rel_width``) before this many TBs,
        0 ≤ min_tbs ≤ max_tbs.
    ci_rel_width : float or None, default None
        Stop once the full interval width (hi − lo) divided by the BLER estimate k/n is
        ≤ this value (> 0), or ``None``: off. Never satisfied while no error is counted.
    confidence : float, default 0.95
        Confidence level of the interval, 0 < confidence < 1.
    interval : {"wilson", "clopper-pearson"}, default "wilson"
        Interval method (see :func:`binomial_interval`).
    bler_floor : float or None, default None
        Once a point finishes with a BLER below this floor (0 < floor < 1), the
        remaining (higher-SNR) points of the sweep are skipped; ``None``: never.

    Examples
    --------
    >>> rule = StoppingRule(target_errors=100, max_tbs=10_000, bler_floor=1e-3)
    >>> rule.stop_reason(99, 5000), rule.stop_reason(100, 5000), rule.stop_reason(3, 10_000)
    (None, 'target_errors', 'max_tbs')
    >>> rule.below_floor(3, 10_000)
    True
    >>> rule = StoppingRule.from_dict({"target_errors": 1000, "ci_rel_width": 0.5})
    >>> rule.stop_reason(40, 400), rule.stop_reason(60, 600)
    (None, 'ci_width')
    """

    target_errors: int | None = 100
    max_tbs: int = 100_000
    min_tbs: int = 0
    ci_rel_width: float | None = None
    confidence: float = 0.95
    interval: str = "wilson"
    bler_floor: float | None = None

    def __post_init__(self) -> None:
        setattr_ = object.__setattr__  # normalise numpy scalars to Python numbers
        if self.target_errors is not None:
            setattr_(self, "target_errors", check_int(
                "target_errors", self.target_errors, "an integer ≥ 1 or None (off)", _CLAUSE,
                lo=1))
        max_tbs = check_int("max_tbs", self.max_tbs, "an integer ≥ 1", _CLAUSE, lo=1)
        setattr_(self, "max_tbs", max_tbs)
        setattr_(self, "min_tbs", check_int(
            "min_tbs", self.min_tbs, f"an integer with 0 ≤ min_tbs ≤ max_tbs = {max_tbs}",
            _CLAUSE, lo=0, hi=max_tbs))
        if self.ci_rel_width is not None:
            w = self.ci_rel_width
            if not _is_real(w) or not 0.0 < float(w) < math.inf:
                raise ConfigError(f"ci_rel_width={w!r} is not allowed: ci_rel_width must be "
                                  f"a finite real > 0 or None (off) ({_CLAUSE})")
            setattr_(self, "ci_rel_width", float(w))
        setattr_(self, "confidence",
                 _check_open_unit("confidence", self.confidence, "confidence level"))
        _check_method("interval", self.interval)
        if self.bler_floor is not None:
            setattr_(self, "bler_floor", _check_open_unit(
                "bler_floor", self.bler_floor, "BLER floor, or None (off)"))

    # ------------------------------------------------------------------ checks

    def _codes(self, e: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Stop codes of validated int64 arrays (no validation here)."""
        code = np.zeros(np.shape(e), dtype=np.int8)
        active = t >= self.min_tbs
        if self.target_errors is not None:
            code[active & (e >= self.target_errors)] = 1
        if self.ci_rel_width is not None:
            cand = active & (code == 0) & (e > 0)
            if cand.any():
                ec, tc = e[cand], t[cand]
                lo, hi = _interval(ec, tc, self.confidence, self.interval)
                rel = (hi - lo) / (ec / tc)
                sub = code[cand]
                sub[rel <= self.ci_rel_width] = 2
                code[cand] = sub
        code[(code == 0) & (t >= self.max_tbs)] = 3
        return code

    def stop_code(self, errors, tbs):
        """Vectorised stop check: 0 to keep going, else 1 + the index in STOP_REASONS.

        Implements the same rule as :meth:`stop_reason`, on arrays (broadcast).

        Parameters
        ----------
        errors, tbs : int or array_like of int
            Cumulative TB errors and TBs of a point, 0 ≤ errors ≤ tbs.

        Returns
        -------
        int or numpy.ndarray of int8
            The codes (an ``int`` for scalar inputs).

        Examples
        --------
        >>> StoppingRule(target_errors=10, max_tbs=1000).stop_code([3, 10, 3], [500, 500, 1000])
        array([0, 1, 3], dtype=int8)
        """
        e, t = _check_pairs("errors", errors, "tbs", tbs)
        code = self._codes(e, t)
        return int(code) if code.ndim == 0 else code

    def stop_reason(self, errors, tbs) -> str | None:
        """Why the point stops with these cumulative counts, or ``None`` to keep going.

        Implements the stopping rule of the class: the first that holds of
        ``"target_errors"`` (errors ≥ target_errors), ``"ci_width"`` ((hi − lo)/(k/n) ≤
        ci_rel_width, k > 0), both only when tbs ≥ min_tbs, then ``"max_tbs"``
        (tbs ≥ max_tbs).

        Parameters
        ----------
        errors : int
            Cumulative first-transmission TB errors of the point, 0 ≤ errors ≤ tbs.
        tbs : int
            Cumulative TBs of the point, ≥ 0.

        Returns
        -------
        str or None
            One of :data:`STOP_REASONS`, or ``None``.

        Raises
        ------
        ConfigError
            For counts that are not integers in 0..2**53, or errors > tbs.
        """
        e, t = _check_scalar_pair(errors, tbs)
        code = int(self._codes(np.int64(e), np.int64(t)))
        return STOP_REASONS[code - 1] if code else None

    def below_floor(self, errors, tbs) -> bool:
        """Whether a finished point's BLER is below ``bler_floor`` (skip the next SNRs).

        Implements the early end of a sweep: True when ``bler_floor`` is set, tbs > 0 and
        errors / tbs < bler_floor.

        Parameters
        ----------
        errors, tbs : int
            Final first-transmission TB errors and TBs of the point, 0 ≤ errors ≤ tbs.

        Returns
        -------
        bool

        Raises
        ------
        ConfigError
            For counts that are not integers in 0..2**53, or errors > tbs.
        """
        e, t = _check_scalar_pair(errors, tbs)
        return self.bler_floor is not None and t > 0 and e / t < self.bler_floor


# --------------------------------------------------------------------------- work units


def _check_rule(rule) -> StoppingRule:
    if not isinstance(rule, StoppingRule):
        raise ConfigError(f"rule={rule!r} is not allowed: rule must be a StoppingRule "
                          f"({_CLAUSE})")
    return rule


def _as_unit_counts(name: str, value) -> np.ndarray:
    arr = _as_counts(name, value)
    if arr.ndim != 1:
        raise ConfigError(f"{name} with shape {arr.shape} is not allowed: {name} must be a "
                          f"1-D array of per-unit counts in unit-index order ({_CLAUSE})")
    return arr


def first_stopping_unit(errors, tbs, rule: StoppingRule) -> int | None:
    """The first work unit at which a point stops, from per-unit counts in index order.

    Implements the worker-count-independent stopping of a campaign point: the smallest
    u such that the cumulative counts of units 0..u satisfy ``rule.stop_reason``; the
    units past u are discarded.

    Parameters
    ----------
    errors : array_like of int, shape (U,)
        First-transmission TB errors of each unit, in unit-index order (≥ 0).
    tbs : array_like of int, shape (U,)
        TBs of each unit (errors[u] ≤ tbs[u]).
    rule : StoppingRule
        The rule.

    Returns
    -------
    int or None
        The unit index, or ``None`` if the cumulative counts never satisfy the rule.

    Raises
    ------
    ConfigError
        For arrays that are not 1-D counts of the same length, errors[u] > tbs[u], or a
        ``rule`` that is not a :class:`StoppingRule`.

    Examples
    --------
    >>> rule = StoppingRule(target_errors=10, max_tbs=1000)
    >>> first_stopping_unit([2, 5, 4, 9], [100, 100, 100, 100], rule)
    2
    >>> first_stopping_unit([2, 5], [100, 100], rule) is None
    True
    """
    rule = _check_rule(rule)
    e = _as_unit_counts("errors", errors)
    t = _as_unit_counts("tbs", tbs)
    if e.shape != t.shape:
        raise ConfigError(f"errors (length {e.size}) and tbs (length {t.size}) are not "
                          f"allowed: they must have the same length ({_CLAUSE})")
    bad = e > t
    if bad.any():
        u = int(np.flatnonzero(bad)[0])
        raise ConfigError(f"errors={int(e[u])} with tbs={int(t[u])} (at unit {u}) is not "
                          f"allowed: errors must be ≤ tbs ({_CLAUSE})")
    ce, ct = np.cumsum(e), np.cumsum(t)
    if ct.size and ct[-1] > _MAX_COUNT:
        raise ConfigError(f"sum(tbs)={int(ct[-1])} is not allowed: the cumulative TBs must "
                          f"be ≤ 2**53 ({_CLAUSE})")
    hit = np.flatnonzero(rule._codes(ce, ct))
    return int(hit[0]) if hit.size else None


def units_needed_estimate(errors, tbs, tbs_per_unit, rule: StoppingRule) -> int:
    """How many more work units to dispatch for a running point (a heuristic).

    Implements the dispatch heuristic of a campaign: enough units to keep the workers
    busy without overshooting the stop far. From the BLER estimate p = errors/tbs
    ((errors + 1)/(tbs + 2) while errors = 0), the TBs still needed are the fewest of
    (target_errors − errors)/p, the TBs to reach a relative interval width
    ``ci_rel_width`` (normal approximation n ≥ 4 z²(1 − p)/(p w²)) and max_tbs − tbs,
    raised to min_tbs − tbs; then divided by ``tbs_per_unit``, rounded up.

    Parameters
    ----------
    errors, tbs : int
        Cumulative first-transmission TB errors and TBs of the point so far,
        0 ≤ errors ≤ tbs.
    tbs_per_unit : int
        TBs in one work unit, ≥ 1.
    rule : StoppingRule
        The rule of the point.

    Returns
    -------
    int
        At least 1, at most the units to reach max_tbs (or 1 when already there).

    Raises
    ------
    ConfigError
        For invalid counts, errors > tbs, tbs_per_unit < 1, or a ``rule`` that is not a
        :class:`StoppingRule`.

    Examples
    --------
    >>> rule = StoppingRule(target_errors=100, max_tbs=100_000)
    >>> units_needed_estimate(10, 1000, 100, rule)   # p = 1 %: 9000 TBs to go
    90
    >>> units_needed_estimate(0, 0, 100, rule)       # p = 1/2 assumed: 200 TBs
    2
    >>> units_needed_estimate(0, 99_998, 1000, rule)  # capped by max_tbs
    1
    """
    rule = _check_rule(rule)
    e, t = _check_scalar_pair(errors, tbs)
    per_unit = check_int("tbs_per_unit", tbs_per_unit, "an integer ≥ 1", _CLAUSE, lo=1)
    p = e / t if e > 0 else (e + 1) / (t + 2)
    remaining = max(rule.max_tbs - t, 0)
    need = float(remaining)
    if rule.target_errors is not None:
        need = min(need, max(rule.target_errors - e, 0) / p)
    if rule.ci_rel_width is not None:
        z = float(special.ndtri(0.5 + rule.confidence / 2.0))
        n_ci = 4.0 * z * z * (1.0 - p) / (p * rule.ci_rel_width**2)
        need = min(need, max(n_ci - t, 0.0))
    need = max(need, float(rule.min_tbs - t))
    cap = max(1, -(-remaining // per_unit))
    return max(1, min(math.ceil(need / per_unit), cap))


def clustered_interval(k, n, *, confidence: float = 0.95,
                       method: str = "wilson") -> tuple[float, float]:
    """Interval of the ratio ``Σk / Σn`` from independent clusters (work units).

    Outcomes inside a work unit can be correlated — its slots see one slowly fading channel,
    so at low Doppler a unit is nearly a single draw — and a binomial interval over all
    trials is then too narrow. Units are independent: the ratio estimator's between-unit
    variance ``Σ (k_u − R n_u)² / (m (m − 1) n̄²)`` (m units) gives a normal interval that
    stays honest. Returned: the union of it and the binomial interval (``method``) of the
    totals, which the two agree on when the outcomes are independent.

    Parameters
    ----------
    k, n : array_like of int, shape (m,)
        Successes (errors, deliveries, ...) and trials of each unit.

    Returns
    -------
    (lo, hi) : tuple of float
        (0, 1) when there are no trials.
    """
    from scipy.stats import norm

    k_u = np.asarray(k, dtype=np.float64).ravel()
    n_u = np.asarray(n, dtype=np.float64).ravel()
    if k_u.shape != n_u.shape:
        raise ConfigError(f"k and n have {k_u.size} and {n_u.size} units: one count of each "
                          "per unit (nrlink.sim.stopping)")
    tot = float(n_u.sum())
    if tot == 0:
        return 0.0, 1.0
    lo, hi = binomial_interval(int(k_u.sum()), int(tot), confidence=confidence, method=method)
    m = k_u.size
    if m < 2:
        return float(lo), float(hi)
    r = float(k_u.sum()) / tot
    se = math.sqrt(float(np.sum((k_u - r * n_u) ** 2)) / (m * (m - 1))) / (tot / m)
    half = float(norm.ppf(0.5 + confidence / 2)) * se
    return float(min(lo, max(0.0, r - half))), float(max(hi, min(1.0, r + half)))
