"""Time-continuous Rayleigh fading with the classical (Jakes/Clarke) Doppler spectrum.

Implements the Doppler spectrum of the TR 38.901 §7.7.2 TDL models (classical spectrum,
TS 38.101-4 Annex B.2.2 / TS 38.104 Annex G.2.2: "classical Doppler spectrum") by a
**sum of sinusoids** with random arrival angles and phases:

    g(t) = (1/√M) Σ_{m=0}^{M-1} exp(j(2π f_D cos(α_m) t + φ_m)),

    α_m = 2π (m + u_m) / M,   u_m ~ U[0, 1),   φ_m ~ U[0, 2π),   all independent.

The angles are *stratified*: α_m is uniform inside the m-th of M equal sectors of the circle
(Zheng & Xiao's refinement of Clarke's model). Marginally, a randomly chosen α_m is uniform
on [0, 2π), so every ensemble property of i.i.d. uniform angles holds exactly, while each
realisation covers the Doppler spectrum evenly (less realisation-to-realisation spread of the
time-averaged statistics than with i.i.d. angles).

Properties (ensemble over α, φ, for any M ≥ 1):

* unit power, E|g(t)|² = 1, for every t;
* autocorrelation E[g(t + τ) g*(t)] = (1/2π) ∫ exp(j2π f_D cos α τ) dα = J0(2π f_D τ)
  (Clarke's classical spectrum S(f) ∝ 1/√(1 − (f/f_D)²), |f| < f_D), exactly, not only
  as M → ∞;
* circular symmetry, E[g(t + τ) g(t)] = 0;
* Gaussianity only as M → ∞ (central limit theorem): the fourth moment is
  E|g|⁴ = 2 − 1/M instead of 2 (M = 32: 1.6 % below Rayleigh);
* stationarity and continuity: the parameters are drawn once per realisation
  (:meth:`SumOfSinusoids.draw`) and :meth:`SumOfSinusoids.evaluate` is a pure function of
  the instants, so evaluating at any set of times -- the OFDM symbols of this slot, then of
  the next, or every sample of a waveform -- continues one and the same process;
* per realisation, the time-averaged power tends to 1 over long times whenever the M
  Doppler shifts f_D cos α_m are distinct (the cross terms average out; slowly for the
  near-equal shifts of mirrored angles α and 2π − α).

f_D = 0 gives a static (block-fading) realisation, a sum of M random unit phasors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from nrlink.errors import ConfigError, check_int

__all__ = ["SumOfSinusoids"]

_CLAUSE = "TR 38.901 §7.7.2, classical Doppler spectrum"

# Cody-Waite split of π/2 (hi + lo) for the argument reduction of _sincos.
_PIO2_HI = 1.5707963267948966
_PIO2_LO = 6.123233995736766e-17
_TWO_OVER_PI = 0.6366197723675814
# Taylor coefficients of sin(r)/r − 1 and cos(r) − 1 + r²/2 on |r| ≤ π/4 (truncation error
# below 1e-11, far under the float32 resolution of the output).
_S1, _S2, _S3, _S4, _S5 = -1 / 6, 1 / 120, -1 / 5040, 1 / 362880, -1 / 39916800
_C1, _C2, _C3, _C4, _C5 = 1 / 24, -1 / 720, 1 / 40320, -1 / 3628800, 1 / 479001600


@njit(cache=True, inline="always", fastmath=True)
def _sincos(x):
    """(sin x, cos x) by quadrant reduction and polynomials, branch-free so that it vectorises.

    Absolute error below 1e-11 (polynomial truncation) for |x| ≤ 1e3; the float64
    argument reduction adds about |x|·1e-16 beyond that (6e-11 at |x| = 1e6).
    """
    q = np.floor(x * _TWO_OVER_PI + 0.5)
    r = (x - q * _PIO2_HI) - q * _PIO2_LO
    r2 = r * r
    s = r + r * r2 * (_S1 + r2 * (_S2 + r2 * (_S3 + r2 * (_S4 + r2 * _S5))))
    c = 1.0 - 0.5 * r2 + r2 * r2 * (_C1 + r2 * (_C2 + r2 * (_C3 + r2 * (_C4 + r2 * _C5))))
    # quadrant q mod 4 = 0: (s, c); 1: (c, −s); 2: (−s, −c); 3: (−c, s)
    qi = np.int64(q)
    swap = np.float64(qi & 1)
    sign_s = 1.0 - 2.0 * np.float64((qi >> 1) & 1)
    sign_c = 1.0 - 2.0 * np.float64(((qi + 1) >> 1) & 1)
    return (s + swap * (c - s)) * sign_s, (c + swap * (s - c)) * sign_c


@njit(cache=True, fastmath=True)
def _sos_kernel(cos_alpha, phases, times, omega_d, scale, out):
    """out[p, i] = scale · Σ_m exp(j(ω_D cos α[p, m] t_i + φ[p, m])); no validation."""
    n_proc, n_sin = cos_alpha.shape
    n_times = times.shape[0]
    for p in range(n_proc):
        for i in range(n_times):
            w_t = omega_d * times[i]
            re = 0.0
            im = 0.0
            for m in range(n_sin):
                s, c = _sincos(w_t * cos_alpha[p, m] + phases[p, m])
                re += c
                im += s
            out[p, i] = complex(re * scale, im * scale)


@njit(cache=True, fastmath=True)
def _stratified_cos_kernel(u, out):
    """out[p, m] = cos(2π (m + u[p, m]) / M); no validation."""
    n_proc, n_sin = u.shape
    step = 2.0 * np.pi / n_sin
    for p in range(n_proc):
        for m in range(n_sin):
            out[p, m] = _sincos(step * (m + u[p, m]))[1]


@dataclass(frozen=True, slots=True, eq=False)
class SumOfSinusoids:
    """One realisation of independent unit-power Rayleigh fading processes.

    Implements the classical Doppler spectrum of TR 38.901 §7.7.2 by a sum of sinusoids
    (see the module docstring for the method and its statistical properties).

    Attributes
    ----------
    cos_alpha : numpy.ndarray of float64, shape (*shape, M)
        cos α_m of the stratified random arrival angles (the Doppler shift of sinusoid m is
        f_D cos α_m).
    phases : numpy.ndarray of float64, shape (*shape, M)
        The random initial phases φ_m in [0, 2π).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> sos = SumOfSinusoids.draw((2, 3), 16, rng)
    >>> sos.evaluate(np.arange(4) * 1e-3, doppler_hz=10.0).shape
    (2, 3, 4)
    """

    cos_alpha: np.ndarray
    phases: np.ndarray

    @classmethod
    def draw(cls, shape, num_sinusoids: int, rng) -> SumOfSinusoids:
        """Draw the angles and phases of ``prod(shape)`` independent processes.

        Implements the random parameters of the classical-spectrum sum of sinusoids
        (TR 38.901 §7.7.2): α_m = 2π(m + u_m)/M with u_m ~ U[0, 1), φ_m ~ U[0, 2π).

        Parameters
        ----------
        shape : int or tuple of int
            Shape of the array of independent processes (e.g. (batch, taps, antenna pairs)).
        num_sinusoids : int
            M, the number of sinusoids per process (≥ 1; 16..64 is usual).
        rng : numpy.random.Generator, int or None
            Random generator (or seed for :func:`numpy.random.default_rng`).
        """
        shape = (shape,) if isinstance(shape, int | np.integer) else tuple(shape)
        for s in shape:
            check_int("shape", s, "a tuple of integers ≥ 0", _CLAUSE, lo=0)
        m = check_int("num_sinusoids", num_sinusoids, "an integer ≥ 1", _CLAUSE, lo=1)
        rng = np.random.default_rng(rng)
        u = rng.random((2, *shape, m))  # u[0]: angle offsets u_m, u[1]: phases / 2π
        cos_alpha = np.empty(u.shape[1:])
        _stratified_cos_kernel(u[0].reshape(-1, m), cos_alpha.reshape(-1, m))
        return cls(cos_alpha, (2.0 * np.pi) * u[1])

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of the array of processes (without the sinusoid axis)."""
        return self.cos_alpha.shape[:-1]

    @property
    def num_sinusoids(self) -> int:
        """M, the number of sinusoids per process."""
        return self.cos_alpha.shape[-1]

    def evaluate(self, times, doppler_hz: float) -> np.ndarray:
        """The processes g(t) at the instants ``times`` for the maximum Doppler f_D.

        Implements g(t) = (1/√M) Σ_m exp(j(2π f_D cos α_m t + φ_m)) (TR 38.901 §7.7.2,
        classical Doppler spectrum). Deterministic: the same realisation evaluated at the
        same instants gives the same values, whatever other instants are evaluated with it.

        Parameters
        ----------
        times : array_like of float, shape (n_times,)
            Instants t in seconds (any order, finite).
        doppler_hz : float
            Maximum Doppler shift f_D ≥ 0 in Hz.

        Returns
        -------
        numpy.ndarray of complex64, shape (*shape, n_times)
        """
        t = np.asarray(times, dtype=np.float64)
        if t.ndim != 1 or not np.all(np.isfinite(t)):
            raise ConfigError(
                f"times.shape={t.shape} is not allowed: times must be a 1-D array of finite "
                f"instants in seconds ({_CLAUSE})"
            )
        f_d = _check_doppler(doppler_hz)
        m = self.num_sinusoids
        ca = np.ascontiguousarray(self.cos_alpha.reshape(-1, m))
        ph = np.ascontiguousarray(self.phases.reshape(-1, m))
        out = np.empty((ca.shape[0], t.size), dtype=np.complex64)
        _sos_kernel(ca, ph, np.ascontiguousarray(t), 2.0 * np.pi * f_d, 1.0 / math.sqrt(m), out)
        return out.reshape(*self.shape, t.size)


def _check_doppler(doppler_hz) -> float:
    """``doppler_hz`` as a float, or ConfigError if it is not a finite number ≥ 0."""
    ok = isinstance(doppler_hz, int | float | np.integer | np.floating) and not isinstance(
        doppler_hz, bool)
    if not ok or not math.isfinite(doppler_hz) or doppler_hz < 0:
        raise ConfigError(
            f"doppler_hz={doppler_hz!r} is not allowed: doppler_hz must be a finite maximum "
            f"Doppler shift ≥ 0 in Hz ({_CLAUSE})"
        )
    return float(doppler_hz)
