"""OFDM baseband signal generation, demodulation and upconversion phase compensation.

Implements TS 38.211 §5.3.1 and §5.4.

Sampling. The time-continuous signal of §5.3.1,

    s_l(t) = sum_k a_{k,l} exp(j 2 pi (k + k0 − N_grid^size N_sc^RB / 2) Δf
             (t − N_CP,l T_c − t_start,l)),   t_start,l <= t < t_start,l + (N_u + N_CP,l) T_c,

is sampled at fs = N_FFT · Δf, so that sample i of symbol l (counted from its start,
prefix included) is ``ifft(a)[(i − N_CP,l) mod N_FFT]`` with subcarrier k in FFT bin
``(k + k0 − n_sc / 2) mod N_FFT``: the grid is centred on DC (subcarrier n_sc/2 sits at
0 Hz when k0 = 0) and the prefix is a copy of the tail of the useful part. Symbol l's
prefix length follows its index within the subframe (see
:func:`nrlink.spec.ts38211.numerology.cp_lengths_samples`).

Scaling (an nrlink convention; the specification has none). The IFFT/FFT pair is
orthonormal: ``x = sqrt(1/N_FFT) sum_k a_k exp(...)``. Each useful symbol part
therefore carries the energy of its resource elements (Parseval), the mean sample power
is n_sc / N_FFT for unit-energy REs, and complex white noise of variance N0 per sample
becomes noise of variance N0 per resource element after :func:`ofdm_demodulate`, which
is the exact inverse of :func:`ofdm_modulate`.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

import numpy as np
import scipy.fft

from nrlink.errors import ConfigError, check_int
from nrlink.spec._checks import check_real
from nrlink.spec.ts38211.numerology import (
    N_GRID_SIZE_MAX,
    N_SC_RB,
    TC_PER_SECOND,
    check_cp,
    check_fft_size,
    check_mu,
    check_n_sc,
    check_n_size_grid,
    check_slot,
    cp_lengths_samples,
    cp_lengths_tc,
    symbol_starts_tc,
    symbols_per_slot,
)

__all__ = ["ofdm_demodulate", "ofdm_modulate", "phase_compensation", "subcarrier_offset_k0"]

_CLAUSE = "TS 38.211 §5.3.1"


def subcarrier_offset_k0(
    n_start_grid, n_size_grid, mu, *, n_start_grid_mu0=None, n_size_grid_mu0=None, mu0=None
) -> int:
    """Subcarrier offset k0^μ between a carrier and the largest-SCS carrier.

    Implements TS 38.211 §5.3.1:
    k0^μ = (N_grid^start,μ + N_grid^size,μ / 2) N_sc^RB
    − (N_grid^start,μ0 + N_grid^size,μ0 / 2) N_sc^RB 2^(μ0 − μ),
    where μ0 is the largest μ among the carriers of scs-SpecificCarrierList.

    Parameters
    ----------
    n_start_grid, n_size_grid : int
        N_grid^start,μ (>= 0) and N_grid^size,μ (1..275) of this carrier.
    mu : int
        Its subcarrier spacing configuration.
    n_start_grid_mu0, n_size_grid_mu0, mu0 : int, optional
        The same for the carrier with the largest μ0 >= μ. Omitted (all three): a single
        subcarrier spacing is configured, μ0 = μ and the carrier is its own reference,
        giving k0 = 0.

    Returns
    -------
    k0 : int

    Raises
    ------
    ConfigError
        For out-of-range values, μ0 < μ, or only some of the μ0 arguments given.

    Examples
    --------
    >>> subcarrier_offset_k0(0, 106, 0, n_start_grid_mu0=0, n_size_grid_mu0=51, mu0=1)
    24
    """
    mu = check_mu(mu)
    n_start_grid = check_int("n_start_grid", n_start_grid, "an integer >= 0", _CLAUSE, lo=0)
    n_size_grid = check_n_size_grid(n_size_grid, clause=_CLAUSE)
    given = [v is not None for v in (n_start_grid_mu0, n_size_grid_mu0, mu0)]
    if not any(given):
        return 0
    if not all(given):
        raise ConfigError(
            f"mu0={mu0!r} is not allowed with n_start_grid_mu0={n_start_grid_mu0!r}, "
            f"n_size_grid_mu0={n_size_grid_mu0!r}: give all three or none ({_CLAUSE})"
        )
    mu0 = check_int("mu0", mu0, f"an integer in {mu}..6 (mu0 >= mu)", _CLAUSE, lo=mu, hi=6)
    n_start0 = check_int("n_start_grid_mu0", n_start_grid_mu0, "an integer >= 0", _CLAUSE, lo=0)
    n_size0 = check_n_size_grid(n_size_grid_mu0, "n_size_grid_mu0", _CLAUSE)
    half = N_SC_RB // 2
    return (N_SC_RB * n_start_grid + half * n_size_grid) - (N_SC_RB * n_start0 + half * n_size0) * (
        1 << (mu0 - mu)
    )


def _check_f0(f0) -> float:
    return check_real(
        "phase_compensation_hz", f0, "a finite real frequency f0 in Hz", "TS 38.211 §5.4"
    )


@lru_cache(maxsize=1024)
def _phases(f0: float, mu: int, cp: str, slot: int) -> np.ndarray:
    """exp(−j2π f0 (t_start,l + N_CP,l T_c)) for the slot's symbols (exact phase mod 1)."""
    n_tc = symbol_starts_tc(mu, cp, slot=slot) + cp_lengths_tc(mu, cp, slot=slot)
    f = Fraction(f0)
    cycles = [float((f * int(n) / TC_PER_SECOND) % 1) for n in n_tc]
    out = np.exp(-2j * np.pi * np.array(cycles))
    out.setflags(write=False)
    return out


def phase_compensation(f0_hz, mu, cp="normal", *, slot=0) -> np.ndarray:
    """Per-symbol upconversion phase factors of one slot.

    Implements TS 38.211 §5.4: the signal upconverted to f0 is
    Re{s_l(t) exp(j2π f0 (t − t_start,l − N_CP,l T_c))}, t counted from the start of
    the subframe. A transmitter that mixes the baseband with a free-running oscillator
    exp(j2π f0 t) must therefore pre-multiply symbol l by
    exp(−j2π f0 (t_start,l + N_CP,l T_c)); these are the factors returned (a receiver
    multiplies by their conjugates).

    Parameters
    ----------
    f0_hz : float
        Upconversion frequency f0 in Hz.
    mu : int
        Subcarrier spacing configuration 0..6.
    cp : {"normal", "extended"}
        Cyclic prefix type.
    slot : int
        Slot number n_s,f^μ in the frame; its position in the subframe sets t_start,l.

    Returns
    -------
    phase : ndarray of complex128, shape ``(N_symb^slot,)``
        The phase is computed exactly (rational arithmetic) modulo one cycle, so it
        stays accurate for carrier frequencies of tens of GHz.

    Examples
    --------
    >>> bool(np.allclose(phase_compensation(0.0, 1, slot=3), 1.0))
    True
    """
    mu = check_mu(mu)
    cp = check_cp(cp, mu)
    slot = check_slot(slot, mu)
    return _phases(_check_f0(f0_hz), mu, cp, slot % (1 << mu)).copy()


def _check_k0_fits(k0, n_sc: int, fft_size: int) -> int:
    k0 = check_int("k0", k0, "an integer", _CLAUSE)
    half = n_sc // 2
    if k0 - half < -(fft_size // 2) or k0 + half > fft_size // 2:
        raise ConfigError(
            f"fft_size={fft_size} is not allowed for n_sc={n_sc} with k0={k0}: the "
            f"subcarrier frequencies (k + k0 − n_sc/2)Δf must lie in [−fft_size/2, "
            f"fft_size/2)Δf, so fft_size must be >= {n_sc + 2 * abs(k0)} ({_CLAUSE})"
        )
    return k0


class _Layout:
    """Index maps of one (μ, CP, FFT size, slot-in-subframe, n_sc, k0) configuration."""

    def __init__(self, mu, cp, fft_size, slot, n_sc, k0):
        self.n_cp = cp_lengths_samples(mu, cp, fft_size=fft_size, slot=slot)
        n_sym = self.n_cp.size
        self.n_sym = n_sym
        self.sym_len = self.n_cp + fft_size
        self.sym_start = np.concatenate(([0], np.cumsum(self.sym_len)[:-1]))
        self.n_samples = int(self.sym_len.sum())
        # Sample i of symbol l is useful sample (i − N_CP,l) mod N_FFT of that symbol.
        tx = np.empty(self.n_samples, dtype=np.intp)
        for l in range(n_sym):
            i = np.arange(self.sym_len[l])
            tx[self.sym_start[l] : self.sym_start[l] + self.sym_len[l]] = l * fft_size + (
                (i - self.n_cp[l]) % fft_size
            )
        self.tx_index = tx
        # Subcarrier k -> signed frequency m = k + k0 − n_sc/2 -> bin m mod N_FFT; two runs.
        self.m = np.arange(n_sc) + (k0 - n_sc // 2)
        k_split = min(max(n_sc // 2 - k0, 0), n_sc)  # first k with m >= 0
        self.runs = []
        if k_split > 0:
            b = fft_size + k0 - n_sc // 2
            self.runs.append((slice(0, k_split), slice(b, b + k_split)))
        if k_split < n_sc:
            b = k_split + k0 - n_sc // 2
            self.runs.append((slice(k_split, n_sc), slice(b, b + n_sc - k_split)))

    def window_index(self, fft_size: int, cp_fraction: float):
        """FFT-window sample indices (n_sym, N_FFT) and the per-symbol advance δ_l."""
        offset = np.floor(cp_fraction * self.n_cp).astype(np.int64)
        delta = self.n_cp - offset
        idx = (self.sym_start + offset)[:, None] + np.arange(fft_size)
        return idx, delta


@lru_cache(maxsize=256)
def _layout(mu, cp, fft_size, slot, n_sc, k0) -> _Layout:
    return _Layout(mu, cp, fft_size, slot, n_sc, k0)


@lru_cache(maxsize=256)
def _rx_maps(mu, cp, fft_size, slot, n_sc, k0, cp_fraction, f0):
    """Window indices and the (n_sym, n_sc) complex64 correction (or None)."""
    lay = _layout(mu, cp, fft_size, slot, n_sc, k0)
    idx, delta = lay.window_index(fft_size, cp_fraction)
    corr = None
    if np.any(delta):
        # An early window sees the useful part delayed by δ_l: undo exp(−j2π m δ_l / N).
        corr = np.exp(2j * np.pi * ((lay.m[None, :] * delta[:, None]) % fft_size) / fft_size)
    if f0 is not None:
        ph = np.conj(_phases(f0, mu, cp, slot))[:, None]
        corr = ph if corr is None else corr * ph
    if corr is not None:
        corr = np.ascontiguousarray(np.broadcast_to(corr, (lay.n_sym, n_sc)), np.complex64)
        corr.setflags(write=False)
    idx.setflags(write=False)
    return idx, corr


def _common(mu, cp, fft_size, slot, n_sc, k0, phase_compensation_hz):
    mu = check_mu(mu)
    cp = check_cp(cp, mu)
    fft_size = check_fft_size(fft_size, mu, cp)
    slot = check_slot(slot, mu) % (1 << mu)
    n_sc = check_n_sc(n_sc, max_rb=N_GRID_SIZE_MAX)
    k0 = _check_k0_fits(k0, n_sc, fft_size)
    f0 = None if phase_compensation_hz is None else _check_f0(phase_compensation_hz)
    return mu, cp, fft_size, slot, n_sc, k0, f0


def _as_complex64(a, name: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.number):
        raise ConfigError(
            f"{name} of dtype {arr.dtype} is not allowed: {name} must be numeric ({_CLAUSE})"
        )
    return arr.astype(np.complex64, copy=False)


def ofdm_modulate(
    grid,
    *,
    mu,
    cp="normal",
    fft_size,
    slot=0,
    k0=0,
    phase_compensation_hz=None,
    workers=None,
) -> np.ndarray:
    """OFDM-modulate one slot of a resource grid into time-domain samples.

    Implements TS 38.211 §5.3.1 (and the §5.4 phase term when
    ``phase_compensation_hz`` is given).

    Parameters
    ----------
    grid : array_like, shape ``(..., N_symb^slot, n_sc)``
        Resource elements a_{k,l}: subcarrier k = 0 is the lowest of the carrier,
        n_sc = 12 N_grid^size,μ; N_symb^slot = 14 (normal CP) or 12 (extended CP).
        Leading axes (batch, ports) are kept.
    mu : int
        Subcarrier spacing configuration 0..6.
    cp : {"normal", "extended"}
        Cyclic prefix type (extended only for μ = 2).
    fft_size : int
        FFT size N_FFT, sample rate N_FFT Δf; a multiple of 128 (normal CP) or 4
        (extended CP), large enough for n_sc (and k0).
    slot : int
        Slot number n_s,f^μ in the frame (0..10 · 2^μ − 1). Its position in the
        subframe decides which symbols get the longer prefix (symbol index
        l = 0 or 7 · 2^μ within the subframe) and the §5.4 phases.
    k0 : int
        Subcarrier offset k0^μ of §5.3.1 (see :func:`subcarrier_offset_k0`); subcarrier k
        is at frequency (k + k0 − n_sc/2) Δf.
    phase_compensation_hz : float, optional
        Upconversion frequency f0: symbol l is multiplied by
        exp(−j2π f0 (t_start,l + N_CP,l T_c)) (:func:`phase_compensation`), so that
        mixing the output with exp(j2π f0 t) yields the §5.4 signal. ``None``: no
        compensation (equivalently f0 = 0).
    workers : int, optional
        Threads for :func:`scipy.fft.ifft` (default one).

    Returns
    -------
    x : ndarray of complex64, shape ``(..., n_samples)``
        The slot's samples, each symbol preceded by its cyclic prefix. Scaling:
        orthonormal IFFT (see the module notes).

    Raises
    ------
    ConfigError
        For an invalid μ/CP pair, slot, FFT size (fractional prefixes or too small for
        n_sc and k0), grid shape or dtype, or f0.

    Examples
    --------
    >>> x = ofdm_modulate(np.ones((14, 12)), mu=0, fft_size=128)
    >>> x.shape, x.dtype
    ((1920,), dtype('complex64'))
    """
    a = _as_complex64(grid, "grid")
    if a.ndim < 2:
        raise ConfigError(
            f"grid of shape {a.shape} is not allowed: grid must have shape "
            f"(..., n_symbols, n_sc) ({_CLAUSE})"
        )
    mu, cp, fft_size, slot, n_sc, k0, f0 = _common(
        mu, cp, fft_size, slot, a.shape[-1], k0, phase_compensation_hz
    )
    n_sym = symbols_per_slot(cp)
    if a.shape[-2] != n_sym:
        raise ConfigError(
            f"n_symbols={a.shape[-2]} is not allowed: grid must have {n_sym} OFDM symbols "
            f"(one slot with {cp} CP) (TS 38.211 §4.3.2)"
        )
    lay = _layout(mu, cp, fft_size, slot, n_sc, k0)
    if f0 is not None:
        a = a * _phases(f0, mu, cp, slot).astype(np.complex64)[:, None]
    batch = a.shape[:-2]
    buf = np.zeros(batch + (n_sym, fft_size), dtype=np.complex64)
    for ks, bs in lay.runs:
        buf[..., bs] = a[..., ks]
    td = scipy.fft.ifft(buf, axis=-1, norm="ortho", overwrite_x=True, workers=workers)
    td = td.reshape(batch + (n_sym * fft_size,))
    return np.take(td, lay.tx_index, axis=-1)


def ofdm_demodulate(
    x,
    *,
    mu,
    cp="normal",
    fft_size,
    n_sc,
    slot=0,
    k0=0,
    cp_fraction=1.0,
    phase_compensation_hz=None,
    workers=None,
) -> np.ndarray:
    """OFDM-demodulate the samples of one slot into a resource grid.

    Implements the inverse of TS 38.211 §5.3.1 (and of the §5.4 phase compensation):
    removes the cyclic prefixes, FFTs each symbol and picks the n_sc subcarriers.
    ``ofdm_demodulate(ofdm_modulate(a, ...), ...) == a`` to float precision.

    Parameters
    ----------
    x : array_like, shape ``(..., n_samples)``
        Samples of one slot as produced by :func:`ofdm_modulate` with the same ``mu``,
        ``cp``, ``fft_size`` and ``slot``.
    mu, cp, fft_size, slot, k0, phase_compensation_hz, workers
        As for :func:`ofdm_modulate` (f0 here undoes the transmitter's factors:
        symbol l is multiplied by exp(+j2π f0 (t_start,l + N_CP,l T_c))).
    n_sc : int
        Number of subcarriers 12 N_grid^size,μ to return.
    cp_fraction : float
        Where the FFT window starts, as a fraction of each symbol's prefix in [0, 1]:
        1 (default) right after the prefix, 0 at its start. An early window
        (δ_l = N_CP,l − floor(cp_fraction N_CP,l) samples before the useful part)
        protects against timing errors; the resulting phase ramp
        exp(−j2π m δ_l / N_FFT) on subcarrier frequency index m is compensated.

    Returns
    -------
    grid : ndarray of complex64, shape ``(..., N_symb^slot, n_sc)``

    Raises
    ------
    ConfigError
        For invalid parameters (as :func:`ofdm_modulate`), a sample count that is not
        the slot length, or ``cp_fraction`` outside [0, 1].

    Examples
    --------
    >>> a = np.ones((14, 12), np.complex64)
    >>> x = ofdm_modulate(a, mu=0, fft_size=128)
    >>> bool(np.allclose(ofdm_demodulate(x, mu=0, fft_size=128, n_sc=12), a, atol=1e-5))
    True
    """
    y = _as_complex64(x, "x")
    mu, cp, fft_size, slot, n_sc, k0, f0 = _common(
        mu, cp, fft_size, slot, n_sc, k0, phase_compensation_hz
    )
    ok = isinstance(cp_fraction, int | float | np.integer | np.floating) and not isinstance(
        cp_fraction, bool
    )
    if not ok or not 0.0 <= float(cp_fraction) <= 1.0:
        raise ConfigError(
            f"cp_fraction={cp_fraction!r} is not allowed: cp_fraction must be in [0, 1] ({_CLAUSE})"
        )
    lay = _layout(mu, cp, fft_size, slot, n_sc, k0)
    if y.ndim < 1 or y.shape[-1] != lay.n_samples:
        got = y.shape[-1] if y.ndim else "a scalar"
        raise ConfigError(
            f"n_samples={got} is not allowed: x must have {lay.n_samples} samples on its "
            f"last axis (one slot, mu={mu}, {cp} CP, fft_size={fft_size}) ({_CLAUSE})"
        )
    idx, corr = _rx_maps(mu, cp, fft_size, slot, n_sc, k0, float(cp_fraction), f0)
    win = y[..., idx]  # (..., n_sym, N_FFT), a fresh array
    fd = scipy.fft.fft(win, axis=-1, norm="ortho", overwrite_x=True, workers=workers)
    out = np.empty(y.shape[:-1] + (lay.n_sym, n_sc), dtype=np.complex64)
    for ks, bs in lay.runs:
        out[..., ks] = fd[..., bs]
    if corr is not None:
        out *= corr
    return out
