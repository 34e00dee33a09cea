"""Additive white Gaussian noise and nrlink's one SNR definition.

SNR (per resource element, per receive antenna). SNR = E_s / N0, where E_s is the
average received energy of a data resource element at one receive antenna and N0 the
complex noise variance per resource element, E|n|² = N0, as the SNR "per receive antenna
over the allocated bandwidth" of the performance requirements (TS 38.104 §8.1; Ê_s / N_oc
in TS 38.101-4 §3.2). For nrlink's unit-energy modulation symbols (TS 38.211 §5.1) sent on
one layer through a unit-power channel (Σ_p E|a_p|² = 1, TR 38.901 §7.7), E_s = 1 and
N0 = 10^(−SNR/10).

Time domain and grid agree. nrlink's OFDM is orthonormal
(:mod:`nrlink.spec.ts38211.ofdm`): white noise of variance N0 per time-domain sample
becomes noise of variance N0 per resource element after
:func:`~nrlink.spec.ts38211.ofdm.ofdm_demodulate`, so :func:`awgn` with the same
``noise_var`` may be applied to the waveform (at fs = N_FFT Δf) or to the received grid,
and the SNR above is the same. (The mean time-domain *signal* power is n_sc / N_FFT per
sample, not E_s: the SNR is defined on the grid, not per sample.)

E_b / N0. A resource element carries υ Q_m R information bits (υ layers, Q_m bits per
symbol, code rate R), hence E_s / N0 = (E_b / N0) · υ · Q_m · R, with E_s the energy of the
whole RE at the receive antenna (all layers together). Transmitters that give every
layer unit energy (precoder W = I) receive E_s = υ per RE through a unit-power channel:
pass ``signal_power=υ`` to :func:`noise_variance` in that case.
"""

from __future__ import annotations

import math

import numpy as np

from nrlink.errors import ConfigError, check_int
from nrlink.spec.ts38211.modulation import check_qm

__all__ = [
    "awgn",
    "ebno_db_from_snr",
    "noise_variance",
    "snr_db_from_ebno",
    "snr_db_from_esno",
]

_CLAUSE = "TS 38.104 §8.1"
_CLAUSE_RATE = "TS 38.214 §5.1.3.1"
_CLAUSE_LAYERS = "TS 38.211 §7.3.1.3"


def _real_db(name: str, value):
    """A finite real scalar or array of dB values, as float64 (scalar in, float out)."""
    arr = np.asarray(value)
    if arr.dtype == np.bool_ or arr.dtype.kind not in "iuf":
        raise ConfigError(f"{name}={value!r} is not allowed: {name} must be a finite real "
                          f"number or array in dB ({_CLAUSE})")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        bad = arr[~np.isfinite(arr)].ravel()[0]
        raise ConfigError(f"{name}={float(bad)!r} is not allowed: {name} must be finite (dB) "
                          f"({_CLAUSE})")
    return arr


def _out(arr: np.ndarray):
    return float(arr) if arr.ndim == 0 else arr


def noise_variance(snr_db, signal_power=1.0):
    """Noise variance N0 per resource element for a per-RE SNR.

    Implements the nrlink per-RE SNR (TS 38.104 §8.1, see the module notes):
    N0 = E_s · 10^(−SNR/10).

    Parameters
    ----------
    snr_db : float or array_like of float
        SNR = E_s / N0 in dB (finite).
    signal_power : float
        E_s, the average received energy of a data RE per receive antenna (> 0): 1 for
        unit-energy symbols on one layer through a unit-power channel.

    Returns
    -------
    noise_var : float or ndarray of float64
        N0 = E|n|², same shape as ``snr_db``.

    Raises
    ------
    ConfigError
        For a non-finite or non-real SNR, or a signal power that is not a finite real > 0.

    Examples
    --------
    >>> noise_variance(10.0), noise_variance(3.0, signal_power=2.0)
    (0.1, 1.0023744672545445)
    """
    snr = _real_db("snr_db", snr_db)
    ok = isinstance(signal_power, int | float | np.integer | np.floating) and not isinstance(
        signal_power, bool)
    if not ok or not math.isfinite(float(signal_power)) or float(signal_power) <= 0:
        raise ConfigError(f"signal_power={signal_power!r} is not allowed: signal_power must be "
                          f"a finite real > 0 (E_s per RE per receive antenna, {_CLAUSE})")
    return _out(float(signal_power) * 10.0 ** (-snr / 10.0))


def awgn(x, noise_var, *, rng) -> np.ndarray:
    """Add circularly-symmetric complex white Gaussian noise: y = x + n, n ~ CN(0, N0).

    Implements the AWGN of the nrlink per-RE SNR (TS 38.104 §8.1, see the module notes):
    the real and imaginary parts of n are independent N(0, N0/2), so E|n|² = N0 exactly
    (in distribution; no normalisation of the drawn samples).

    Parameters
    ----------
    x : array_like of complex
        Signal: a received resource grid, or time-domain samples (orthonormal OFDM: the
        same N0 per sample is N0 per RE after demodulation).
    noise_var : float or array_like of float
        N0 >= 0 (0: no noise), a scalar or an array that broadcasts to ``x.shape``
        (e.g. a per-RE or per-antenna variance).
    rng : numpy.random.Generator
        The source of randomness.

    Returns
    -------
    y : ndarray of complex64, shape of ``x``

    Raises
    ------
    ConfigError
        For a non-numeric ``x``, a ``noise_var`` that is not real, not finite, negative,
        NaN or does not broadcast to ``x.shape``, or an ``rng`` that is not a Generator.

    Examples
    --------
    >>> y = awgn(np.zeros(100_000), 0.5, rng=np.random.default_rng(1))
    >>> y.dtype, round(float(np.mean(np.abs(y) ** 2)), 2)
    (dtype('complex64'), 0.5)
    """
    xx = np.asarray(x)
    if xx.dtype == np.bool_ or not np.issubdtype(xx.dtype, np.number):
        raise ConfigError(f"x of dtype {xx.dtype} is not allowed: x must be numeric ({_CLAUSE})")
    nv = np.asarray(noise_var)
    if nv.dtype == np.bool_ or nv.dtype.kind not in "iuf":
        raise ConfigError(f"noise_var of dtype {nv.dtype} is not allowed: noise_var must be a "
                          f"real number or array, N0 = E|n|² >= 0 ({_CLAUSE})")
    bad = ~(np.isfinite(nv) & (nv >= 0))
    if np.any(bad):
        raise ConfigError(f"noise_var={float(nv[bad].ravel()[0])!r} is not allowed: noise_var "
                          f"must be finite and >= 0 (N0 = E|n|², {_CLAUSE})")
    try:
        full = np.broadcast_shapes(nv.shape, xx.shape)
    except ValueError:
        full = None
    if full != xx.shape:
        raise ConfigError(f"noise_var.shape={nv.shape} is not allowed: noise_var must broadcast "
                          f"to x.shape={xx.shape} ({_CLAUSE})")
    if not isinstance(rng, np.random.Generator):
        raise ConfigError(f"rng of type {type(rng).__name__} is not allowed: rng must be a "
                          f"numpy.random.Generator (e.g. numpy.random.default_rng(seed))")
    n = rng.standard_normal(xx.shape + (2,), dtype=np.float32).view(np.complex64)[..., 0]
    n *= np.sqrt(nv / 2.0).astype(np.float32)
    n += xx.astype(np.complex64, copy=False)
    return n


def _check_rate_args(qm, code_rate, layers) -> float:
    qm = check_qm(qm, "TS 38.211 §5.1")
    ok = isinstance(code_rate, int | float | np.integer | np.floating) and not isinstance(
        code_rate, bool)
    if not ok or not 0.0 < float(code_rate) <= 1.0:
        raise ConfigError(f"code_rate={code_rate!r} is not allowed: code_rate must be a real "
                          f"in (0, 1] (R, e.g. the target code rate / 1024, {_CLAUSE_RATE})")
    layers = check_int("layers", layers, "an integer in 1..8", _CLAUSE_LAYERS, lo=1, hi=8)
    return 10.0 * math.log10(layers * qm * float(code_rate))


def snr_db_from_ebno(ebno_db, *, qm, code_rate, layers=1):
    """Per-RE SNR E_s / N0 (dB) from E_b / N0 (dB).

    Implements the nrlink per-RE SNR (TS 38.104 §8.1, see the module notes):
    E_s / N0 = (E_b / N0) · υ · Q_m · R, E_s the energy of a whole RE (all υ layers).

    Parameters
    ----------
    ebno_db : float or array_like of float
        E_b / N0 in dB, E_b the received energy per information bit.
    qm : int
        Modulation order Q_m (1, 2, 4, 6, 8, 10; TS 38.211 §5.1).
    code_rate : float
        Code rate R in (0, 1] (information bits per coded bit).
    layers : int
        Number of layers υ, 1..8, carried by the RE.

    Returns
    -------
    snr_db : float or ndarray of float64

    Raises
    ------
    ConfigError
        For a non-finite E_b/N0, or an invalid Q_m, R or number of layers.

    Examples
    --------
    >>> round(snr_db_from_ebno(0.0, qm=4, code_rate=0.5, layers=2), 6)
    6.0206
    """
    offset = _check_rate_args(qm, code_rate, layers)
    return _out(_real_db("ebno_db", ebno_db) + offset)


def ebno_db_from_snr(snr_db, *, qm, code_rate, layers=1):
    """E_b / N0 (dB) from the per-RE SNR E_s / N0 (dB); the inverse of :func:`snr_db_from_ebno`.

    Implements the nrlink per-RE SNR (TS 38.104 §8.1, see the module notes):
    E_b / N0 = (E_s / N0) / (υ · Q_m · R).

    Parameters are those of :func:`snr_db_from_ebno`, with ``snr_db`` the per-RE SNR.

    Examples
    --------
    >>> round(ebno_db_from_snr(6.0206, qm=4, code_rate=0.5, layers=2), 4)
    0.0
    """
    offset = _check_rate_args(qm, code_rate, layers)
    return _out(_real_db("snr_db", snr_db) - offset)


def snr_db_from_esno(esno_db):
    """Per-RE SNR (dB) from E_s / N0 (dB): the identity.

    Implements the nrlink per-RE SNR (TS 38.104 §8.1, see the module notes): the SNR *is*
    E_s / N0 with E_s the received energy per RE and receive antenna and N0 the noise
    variance per RE, so nothing converts. (An E_s per time-domain sample would differ by
    n_sc / N_FFT; nrlink never uses it.)

    Examples
    --------
    >>> snr_db_from_esno(7.5)
    7.5
    """
    return _out(_real_db("esno_db", esno_db))
