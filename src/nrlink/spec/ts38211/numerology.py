"""Numerologies, frame structure, cyclic-prefix lengths and FFT sizes.

Implements TS 38.211 §4.1, §4.2 (Table 4.2-1), §4.3 (Tables 4.3.2-1, 4.3.2-2) and the
cyclic-prefix lengths of §5.3.1.

Times are kept as exact integers in units of the basic time unit T_c (§4.1) and only
converted to samples for a chosen FFT size, where the conversion must be exact.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from nrlink.errors import ConfigError, check_int
from nrlink.spec._checks import check_choice

__all__ = [
    "CP_TYPES",
    "DELTA_F_MAX",
    "DELTA_F_REF",
    "KAPPA",
    "MU_VALUES",
    "N_F",
    "N_F_REF",
    "N_GRID_SIZE_MAX",
    "N_SC_RB",
    "N_START_GRID_MAX",
    "TC_PER_SECOND",
    "T_C",
    "T_F",
    "T_S",
    "T_SF",
    "check_cp",
    "check_fft_size",
    "check_mu",
    "check_n_sc",
    "check_n_size_grid",
    "check_n_start_grid",
    "check_n_symb_slot",
    "check_slot",
    "cp_lengths_samples",
    "cp_lengths_tc",
    "min_fft_size",
    "mu_from_scs",
    "n_u_tc",
    "sample_rate",
    "samples_per_slot",
    "scs_khz",
    "slots_per_frame",
    "slots_per_subframe",
    "symbol_starts_tc",
    "symbols_per_slot",
    "symbols_per_subframe",
]

#: Δf_max = 480 kHz (TS 38.211 §4.1).
DELTA_F_MAX = 480e3
#: N_f = 4096 (TS 38.211 §4.1).
N_F = 4096
#: Basic time unit T_c = 1 / (Δf_max · N_f) ≈ 0.509 ns (TS 38.211 §4.1).
T_C = 1.0 / (DELTA_F_MAX * N_F)
#: 1 / T_c = Δf_max · N_f as an exact integer: T_c units per second (TS 38.211 §4.1).
TC_PER_SECOND = 480_000 * N_F
#: Δf_ref = 15 kHz (TS 38.211 §4.1).
DELTA_F_REF = 15e3
#: N_f,ref = 2048 (TS 38.211 §4.1).
N_F_REF = 2048
#: LTE time unit T_s = 1 / (Δf_ref · N_f,ref) (TS 38.211 §4.1).
T_S = 1.0 / (DELTA_F_REF * N_F_REF)
#: κ = T_s / T_c = 64 (TS 38.211 §4.1).
KAPPA = 64
#: Frame duration T_f = (Δf_max N_f / 100) · T_c = 10 ms (TS 38.211 §4.3.1).
T_F = 10e-3
#: Subframe duration T_sf = (Δf_max N_f / 1000) · T_c = 1 ms (TS 38.211 §4.3.1).
T_SF = 1e-3
#: Subcarriers per resource block N_sc^RB (TS 38.211 §4.4.4.1).
N_SC_RB = 12
#: Largest carrier bandwidth N_grid^size,μ in resource blocks (TS 38.211 §4.4.2 with
#: carrierBandwidth INTEGER (1..maxNrofPhysicalResourceBlocks = 275) of TS 38.331).
N_GRID_SIZE_MAX = 275
#: Largest N_grid^start,μ (offsetToCarrier INTEGER (0..2199), TS 38.331; TS 38.211 §4.4.2).
N_START_GRID_MAX = 2199
#: Subcarrier spacing configurations μ of TS 38.211 Table 4.2-1 (Rel-17: 0..6).
MU_VALUES: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
#: Cyclic prefix types of TS 38.211 Table 4.2-1.
CP_TYPES: tuple[str, ...] = ("normal", "extended")

_CLAUSE_MU = "TS 38.211 §4.2 Table 4.2-1"
_CLAUSE_GRID = "TS 38.211 §4.4.2"
_CLAUSE_SIZE = "TS 38.211 §4.4.2, TS 38.331 carrierBandwidth"
_CLAUSE_START = "TS 38.211 §4.4.2, TS 38.331 offsetToCarrier"


def check_mu(mu) -> int:
    """Validate a subcarrier spacing configuration μ and return it as ``int``.

    Implements TS 38.211 §4.2 (Table 4.2-1).

    Raises
    ------
    ConfigError
        If ``mu`` is not an integer in 0..6.
    """
    return check_int("mu", mu, "an integer in 0..6", _CLAUSE_MU, lo=0, hi=6)


def check_cp(cp, mu=None) -> str:
    """Validate a cyclic prefix type (optionally against μ) and return it.

    Implements TS 38.211 §4.2 (Table 4.2-1): normal CP for every μ, extended CP only
    for μ = 2.

    Parameters
    ----------
    cp : str
        ``"normal"`` or ``"extended"``.
    mu : int, optional
        Subcarrier spacing configuration; when given, ``"extended"`` requires μ = 2.

    Raises
    ------
    ConfigError
        If ``cp`` is not one of the two types, or extended CP is asked for μ ≠ 2.
    """
    cp = check_choice("cp", cp, CP_TYPES, _CLAUSE_MU)
    if mu is not None:
        mu = check_mu(mu)
        if cp == "extended" and mu != 2:
            raise ConfigError(
                f"cp='extended' is not allowed with mu={mu}: extended cyclic prefix exists "
                f"only for mu=2 ({_CLAUSE_MU})"
            )
    return cp


def scs_khz(mu) -> int:
    """Subcarrier spacing Δf = 2^μ · 15 kHz, in kHz.

    Implements TS 38.211 §4.2 (Table 4.2-1).

    Examples
    --------
    >>> scs_khz(1)
    30
    """
    return 15 << check_mu(mu)


def mu_from_scs(scs_khz) -> int:
    """Subcarrier spacing configuration μ for a subcarrier spacing in kHz.

    Implements TS 38.211 §4.2 (Table 4.2-1).

    Raises
    ------
    ConfigError
        If ``scs_khz`` is not one of 15, 30, 60, 120, 240, 480, 960.

    Examples
    --------
    >>> mu_from_scs(120)
    3
    """
    allowed = {15 << m: m for m in MU_VALUES}
    ok = isinstance(scs_khz, int | float | np.integer | np.floating) and not isinstance(
        scs_khz, bool
    )
    if ok and float(scs_khz) in allowed:
        return allowed[int(scs_khz)]
    raise ConfigError(
        f"scs_khz={scs_khz!r} is not allowed: scs_khz must be one of "
        f"15, 30, 60, 120, 240, 480, 960 ({_CLAUSE_MU})"
    )


def symbols_per_slot(cp="normal") -> int:
    """Number of OFDM symbols per slot N_symb^slot: 14 (normal CP) or 12 (extended CP).

    Implements TS 38.211 §4.3.2 (Tables 4.3.2-1 and 4.3.2-2).
    """
    return 14 if check_cp(cp) == "normal" else 12


def slots_per_subframe(mu) -> int:
    """Number of slots per subframe N_slot^subframe,μ = 2^μ.

    Implements TS 38.211 §4.3.2 (Tables 4.3.2-1 and 4.3.2-2).
    """
    return 1 << check_mu(mu)


def slots_per_frame(mu) -> int:
    """Number of slots per frame N_slot^frame,μ = 10 · 2^μ.

    Implements TS 38.211 §4.3.2 (Tables 4.3.2-1 and 4.3.2-2).
    """
    return 10 << check_mu(mu)


def symbols_per_subframe(mu, cp="normal") -> int:
    """Number of OFDM symbols per subframe N_symb^subframe,μ = N_symb^slot · 2^μ.

    Implements TS 38.211 §4.3.2 (Tables 4.3.2-1 and 4.3.2-2).
    """
    cp = check_cp(cp, mu)
    return symbols_per_slot(cp) * slots_per_subframe(mu)


def check_n_size_grid(n_size_grid, name: str = "n_size_grid", clause: str = _CLAUSE_SIZE) -> int:
    """Validate a size in resource blocks (1..275): carrier, BWP or allocation.

    Implements TS 38.211 §4.4.2 (N_grid^size,μ from carrierBandwidth, 1..275, TS 38.331).

    ``name`` and ``clause`` are those of the parameter checked (e.g. ``"n_prb"``).
    """
    allowed = f"an integer in 1..{N_GRID_SIZE_MAX}"
    return check_int(name, n_size_grid, allowed, clause, lo=1, hi=N_GRID_SIZE_MAX)


def check_n_start_grid(n_start_grid) -> int:
    """Validate a carrier start N_grid^start,μ in common resource blocks (0..2199).

    Implements TS 38.211 §4.4.2 (N_grid^start,μ from offsetToCarrier, 0..2199, TS 38.331).
    """
    allowed = f"an integer in 0..{N_START_GRID_MAX}"
    return check_int("n_start_grid", n_start_grid, allowed, _CLAUSE_START, lo=0,
                     hi=N_START_GRID_MAX)


def check_n_sc(n_sc, clause: str = _CLAUSE_GRID, *, max_rb: int | None = None) -> int:
    """Validate a number of subcarriers: a positive multiple of N_sc^RB = 12.

    Implements TS 38.211 §4.4.2 / §4.4.4.1 (N_grid^size,μ N_sc^RB subcarriers).

    With ``max_rb`` (e.g. :data:`N_GRID_SIZE_MAX`) at most ``12 max_rb`` subcarriers.
    """
    if max_rb is None:
        allowed, hi = "a positive multiple of 12", None
    else:
        hi = N_SC_RB * max_rb
        allowed = f"a multiple of 12 in 12..{hi} (N_grid^size N_sc^RB)"
    n_sc = check_int("n_sc", n_sc, allowed, clause, lo=N_SC_RB, hi=hi)
    if n_sc % N_SC_RB:
        raise ConfigError(f"n_sc={n_sc} is not allowed: n_sc must be {allowed} ({clause})")
    return n_sc


def check_n_symb_slot(n_symb_slot, clause: str = "TS 38.211 §4.3.2") -> int:
    """Validate a number of symbols per slot N_symb^slot: 14 (normal CP) or 12 (extended).

    Implements TS 38.211 §4.3.2 (Tables 4.3.2-1 and 4.3.2-2).
    """
    return check_int("n_symb_slot", n_symb_slot, "one of 12, 14", clause, choices=(12, 14))


def n_u_tc(mu) -> int:
    """Useful OFDM symbol length N_u^μ = 2048 κ 2^−μ, in units of T_c.

    Implements TS 38.211 §5.3.1.
    """
    return (2048 * KAPPA) >> check_mu(mu)


@cache
def _cp_subframe_tc(mu: int, cp: str) -> tuple[int, ...]:
    """N_CP,l^μ in T_c for l = 0..N_symb^subframe,μ − 1 (validated arguments)."""
    n_sym = (14 if cp == "normal" else 12) << mu
    if cp == "extended":
        return ((512 * KAPPA) >> mu,) * n_sym
    short = (144 * KAPPA) >> mu
    long_ = short + 16 * KAPPA
    return tuple(long_ if l in (0, 7 << mu) else short for l in range(n_sym))


def cp_lengths_tc(mu, cp="normal", *, slot=None) -> np.ndarray:
    """Cyclic prefix lengths N_CP,l^μ in units of T_c.

    Implements TS 38.211 §5.3.1.

    N_CP,l^μ = 512 κ 2^−μ for extended CP; for normal CP it is 144 κ 2^−μ + 16 κ when
    l = 0 or l = 7 · 2^μ and 144 κ 2^−μ otherwise, with l the OFDM symbol index *within
    the subframe* (the longer prefix recurs every 0.5 ms).

    Parameters
    ----------
    mu : int
        Subcarrier spacing configuration 0..6.
    cp : {"normal", "extended"}
        Cyclic prefix type (extended only for μ = 2).
    slot : int, optional
        Slot number n_s,f^μ in the frame (0..10 · 2^μ − 1): return the lengths of that
        slot's symbols. ``None`` returns the lengths of all symbols of a subframe.

    Returns
    -------
    n_cp : ndarray of int64
        One length per symbol.
    """
    mu = check_mu(mu)
    cp = check_cp(cp, mu)
    n = np.array(_cp_subframe_tc(mu, cp), dtype=np.int64)
    return _of_slot(n, mu, cp, slot)


def symbol_starts_tc(mu, cp="normal", *, slot=None) -> np.ndarray:
    """Start times t_start,l^μ of the OFDM symbols within the subframe, in units of T_c.

    Implements TS 38.211 §5.3.1: t_start,0^μ = 0 and
    t_start,l^μ = t_start,l−1^μ + (N_u^μ + N_CP,l−1^μ) T_c.

    Parameters are those of :func:`cp_lengths_tc`; with ``slot`` the values are those of
    that slot's symbols, still counted from the start of the subframe.
    """
    mu = check_mu(mu)
    cp = check_cp(cp, mu)
    n_cp = np.array(_cp_subframe_tc(mu, cp), dtype=np.int64)
    t = np.concatenate(([0], np.cumsum(n_cp + n_u_tc(mu))[:-1]))
    return _of_slot(t, mu, cp, slot)


def _of_slot(per_symbol: np.ndarray, mu: int, cp: str, slot) -> np.ndarray:
    """The values of ``slot``'s symbols from per-subframe values (all of them for None)."""
    if slot is None:
        return per_symbol
    i = check_slot(slot, mu) % (1 << mu)
    n_slot = symbols_per_slot(cp)
    return per_symbol[i * n_slot : (i + 1) * n_slot]


def check_slot(slot, mu) -> int:
    """Validate a slot number n_s,f^μ in the frame (0..10 · 2^μ − 1) and return it.

    Implements TS 38.211 §4.3.2 (Tables 4.3.2-1 and 4.3.2-2).
    """
    mu = check_mu(mu)
    n = 10 << mu
    return check_int(
        "slot",
        slot,
        f"an integer in 0..{n - 1} (slots per frame for mu={mu})",
        "TS 38.211 §4.3.2",
        lo=0,
        hi=n - 1,
    )


def check_fft_size(fft_size, mu, cp="normal") -> int:
    """Validate an FFT size: the cyclic prefixes must be whole samples at fs = N_FFT · Δf.

    Implements TS 38.211 §5.3.1: a length N in T_c lasts N · N_FFT / N_u^μ samples, so
    N_FFT must make 144 κ 2^−μ · N_FFT / N_u^μ = 9 N_FFT / 128 and 16 κ N_FFT / N_u^μ
    (normal CP) or N_FFT / 4 (extended CP) integers: N_FFT a multiple of 128 (normal)
    or 4 (extended).
    """
    mu = check_mu(mu)
    cp = check_cp(cp, mu)
    fft_size = check_int("fft_size", fft_size, "a positive integer", "TS 38.211 §5.3.1", lo=1)
    n_u = n_u_tc(mu)
    for n_cp in set(_cp_subframe_tc(mu, cp)):
        if (n_cp * fft_size) % n_u:
            step = 128 if cp == "normal" else 4
            raise ConfigError(
                f"fft_size={fft_size} is not allowed: the cyclic prefix of {n_cp} T_c would "
                f"last {n_cp * fft_size / n_u} samples; fft_size must be a multiple of {step} "
                f"for {cp} CP (TS 38.211 §5.3.1)"
            )
    return fft_size


def cp_lengths_samples(mu, cp="normal", *, fft_size, slot=None) -> np.ndarray:
    """Cyclic prefix lengths in samples at the sample rate fs = N_FFT · Δf.

    Implements TS 38.211 §5.3.1: N_CP,l^μ T_c lasts N_CP,l^μ · N_FFT / (2048 κ 2^−μ)
    samples (exact integer arithmetic; see :func:`cp_lengths_tc` for the rule).

    Parameters
    ----------
    mu : int
        Subcarrier spacing configuration 0..6.
    cp : {"normal", "extended"}
        Cyclic prefix type.
    fft_size : int
        FFT size N_FFT; a multiple of 128 (normal CP) or 4 (extended CP), otherwise the
        prefixes are not whole samples.
    slot : int, optional
        Slot number in the frame; ``None`` gives all symbols of a subframe.

    Returns
    -------
    n_cp : ndarray of int64
        One length per symbol.

    Raises
    ------
    ConfigError
        For an invalid μ, CP type, slot or an FFT size giving fractional prefixes.

    Examples
    --------
    >>> cp_lengths_samples(1, fft_size=4096, slot=1)[:2]
    array([352, 288])
    >>> int(cp_lengths_samples(0, fft_size=2048).sum() + 14 * 2048)
    30720
    """
    fft_size = check_fft_size(fft_size, mu, cp)
    return cp_lengths_tc(mu, cp, slot=slot) * fft_size // n_u_tc(mu)


def samples_per_slot(mu, cp="normal", *, fft_size, slot=0) -> int:
    """Number of samples of one slot at fs = N_FFT · Δf (prefixes included).

    Implements TS 38.211 §5.3.1 (the slot length depends on whether it holds a symbol
    with the longer prefix).

    Examples
    --------
    >>> samples_per_slot(1, fft_size=4096, slot=0), samples_per_slot(1, fft_size=4096, slot=1)
    (61440, 61440)
    """
    n_cp = cp_lengths_samples(mu, cp, fft_size=fft_size, slot=slot)
    return int(n_cp.sum()) + n_cp.size * int(fft_size)


def sample_rate(mu, fft_size) -> float:
    """Sample rate fs = N_FFT · Δf in Hz.

    Implements TS 38.211 §5.3.1 (sampling of the baseband signal at N_FFT points per
    useful symbol length 1/Δf).

    Examples
    --------
    >>> sample_rate(0, 2048)
    30720000.0
    """
    fft_size = check_int("fft_size", fft_size, "a positive integer", "TS 38.211 §5.3.1", lo=1)
    return float(fft_size * scs_khz(mu) * 1000)


def min_fft_size(n_sc, *, max_occupancy: float = 0.85) -> int:
    """Smallest power-of-two FFT size for ``n_sc`` occupied subcarriers.

    Implements the FFT-size choice for TS 38.211 §5.3.1 sampling (an implementation
    choice; the specification fixes no FFT size).

    Returns the smallest power of two N_FFT >= max(128, n_sc / max_occupancy). The
    occupancy bound keeps a guard band (0.85 gives the customary sizes: 4096 for
    273 PRB at 30 kHz, 2048 for 106 PRB at 15 kHz, 1024 for 51 PRB at 30 kHz); the
    floor of 128 makes every normal-CP length a whole number of samples.

    Parameters
    ----------
    n_sc : int
        Number of occupied subcarriers (12 · N_grid^size,μ), >= 1.
    max_occupancy : float
        Largest allowed ratio n_sc / N_FFT, in (0, 1].

    Raises
    ------
    ConfigError
        If ``n_sc`` < 1 or ``max_occupancy`` is outside (0, 1].

    Examples
    --------
    >>> min_fft_size(273 * 12), min_fft_size(106 * 12), min_fft_size(12)
    (4096, 2048, 128)
    """
    n_sc = check_int("n_sc", n_sc, "a positive integer", "TS 38.211 §5.3.1", lo=1)
    occ = float(max_occupancy) if isinstance(max_occupancy, int | float | np.floating) else -1.0
    if not 0.0 < occ <= 1.0:
        raise ConfigError(
            f"max_occupancy={max_occupancy!r} is not allowed: max_occupancy must be in (0, 1] "
            f"(TS 38.211 §5.3.1)"
        )
    need = max(128.0, n_sc / occ)
    n = 128
    while n < need:
        n *= 2
    return n
