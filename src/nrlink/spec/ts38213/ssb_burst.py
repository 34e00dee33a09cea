"""SS/PBCH block bursts: candidate block positions in a half frame, L_max and ī_SSB.

Implements TS 38.213 §4.1 (Cases A-E, operation without shared spectrum channel access)
and the ī_SSB of TS 38.211 §7.4.1.4.1.

Release followed: TS 38.213 Rel-16/17 text for FR1 and FR2-1, without shared spectrum
channel access: Case C on unpaired spectrum switches from n = 0, 1 to n = 0..3 at
1.88 GHz (f < 1.88 GHz: n = 0, 1; f ≥ 1.88 GHz: n = 0..3; Rel-15 used 2.4 GHz); the
other cases switch at 3 GHz (f ≤ 3 GHz: the short pattern). Shared spectrum access
(NR-U, L̄_max = 10 / 20) and the FR2-2 Cases F and G are not implemented.

Symbol indices are counted in the subcarrier spacing of the case from the first OFDM
symbol (index 0) of the half frame; with normal CP symbol s lies in slot ⌊s / 14⌋ of the
half frame, at symbol s mod 14.
"""

from __future__ import annotations

import numpy as np

from nrlink.errors import ConfigError, check_int
from nrlink.spec._checks import check_bool, check_choice, check_int_array, check_real

__all__ = [
    "SSB_CASES",
    "frequency_range",
    "i_ssb_bar",
    "ssb_case_scs_khz",
    "ssb_first_symbols",
    "ssb_l_max",
]

_C41 = "TS 38.213 §4.1"

#: The SS/PBCH block patterns of TS 38.213 §4.1 implemented here.
SSB_CASES = ("A", "B", "C", "D", "E")
_SCS = {"A": 15, "B": 30, "C": 30, "D": 120, "E": 240}
_FR = {"A": "FR1", "B": "FR1", "C": "FR1", "D": "FR2", "E": "FR2"}
#: Frequency ranges of TS 38.104 §5.1 (Table 5.1-1), in Hz: FR1 and FR2-1.
_FR_LIMITS = {"FR1": (410e6, 7125e6), "FR2": (24250e6, 52600e6)}
_3GHZ = 3e9
_1_88GHZ = 1.88e9
# (first symbols within one period, period in symbols, n values) per case and size.
_BASE = {"A": ((2, 8), 14), "B": ((4, 8, 16, 20), 28), "C": ((2, 8), 14),
         "D": ((4, 8, 16, 20), 28), "E": ((8, 12, 16, 20, 32, 36, 40, 44), 56)}
_N_FR2 = {"D": (0, 1, 2, 3, 5, 6, 7, 8, 10, 11, 12, 13, 15, 16, 17, 18),
          "E": (0, 1, 2, 3, 5, 6, 7, 8)}


def _check_case(case) -> str:
    return check_choice("case", case, SSB_CASES, _C41)


def frequency_range(carrier_frequency_hz) -> str:
    """The frequency range of a carrier frequency: ``"FR1"`` or ``"FR2"`` (FR2-1).

    Implements the ranges of TS 38.104 §5.1 (Table 5.1-1) used by TS 38.213 §4.1:
    FR1 410 MHz - 7.125 GHz, FR2-1 24.25 GHz - 52.6 GHz.

    Raises
    ------
    ConfigError
        A frequency outside both ranges.

    Examples
    --------
    >>> frequency_range(3.5e9), frequency_range(28e9)
    ('FR1', 'FR2')
    """
    f = check_real("carrier_frequency_hz", carrier_frequency_hz,
                   "a frequency in Hz in FR1 (410e6..7.125e9) or FR2-1 (24.25e9..52.6e9)",
                   "TS 38.104 §5.1, TS 38.213 §4.1", positive=True)
    for fr, (lo, hi) in _FR_LIMITS.items():
        if lo <= f <= hi:
            return fr
    raise ConfigError(f"carrier_frequency_hz={carrier_frequency_hz!r} is not allowed: "
                      f"carrier_frequency_hz must be in FR1 (410e6..7.125e9) or FR2-1 "
                      f"(24.25e9..52.6e9) (TS 38.104 §5.1, {_C41})")


def ssb_case_scs_khz(case: str) -> int:
    """Subcarrier spacing of an SS/PBCH block pattern: A 15, B and C 30, D 120, E 240 kHz.

    Implements TS 38.213 §4.1.

    Examples
    --------
    >>> ssb_case_scs_khz("C")
    30
    """
    return _SCS[_check_case(case)]


def _n_values(case: str, f: float, paired: bool) -> tuple[int, ...]:
    fr = frequency_range(f)
    if fr != _FR[case]:
        raise ConfigError(f"carrier_frequency_hz={f!r} is not allowed with case={case!r}: "
                          f"Case {case} is defined for carrier frequencies in {_FR[case]} "
                          f"({_C41})")
    if case in _N_FR2:
        return _N_FR2[case]
    if case == "B":
        return (0,) if f <= _3GHZ else (0, 1)
    if case == "C" and not paired:
        return (0, 1) if f < _1_88GHZ else (0, 1, 2, 3)
    return (0, 1) if f <= _3GHZ else (0, 1, 2, 3)


def ssb_first_symbols(case: str, carrier_frequency_hz, *, paired: bool = True) -> np.ndarray:
    """First OFDM symbols of the candidate SS/PBCH blocks of a half frame, by block index.

    Implements TS 38.213 §4.1 (operation without shared spectrum channel access).

    * Case A (15 kHz): {2, 8} + 14n; n = 0, 1 for f ≤ 3 GHz, n = 0..3 for FR1 f > 3 GHz.
    * Case B (30 kHz): {4, 8, 16, 20} + 28n; n = 0 for f ≤ 3 GHz, n = 0, 1 above.
    * Case C (30 kHz): {2, 8} + 14n; paired spectrum as Case A; unpaired spectrum
      n = 0, 1 for f < 1.88 GHz, n = 0..3 for f ≥ 1.88 GHz.
    * Case D (120 kHz, FR2): {4, 8, 16, 20} + 28n, n = 0-3, 5-8, 10-13, 15-18.
    * Case E (240 kHz, FR2): {8, 12, 16, 20, 32, 36, 40, 44} + 56n, n = 0-3, 5-8.

    The candidate blocks are indexed 0..L_max − 1 in increasing order in time.

    Parameters
    ----------
    case : {"A", "B", "C", "D", "E"}
    carrier_frequency_hz : float
        Carrier frequency in Hz; must lie in the frequency range of the case.
    paired : bool, default True
        Paired (FDD) or unpaired (TDD) spectrum; matters for Case C only.

    Returns
    -------
    first_symbols : ndarray of int64, shape (L_max,)
        Symbol indices from the start of the half frame, in the SCS of the case.

    Raises
    ------
    ConfigError
        Unknown case, a frequency outside FR1/FR2-1 or outside the case's range, or
        ``paired`` not a bool.

    Examples
    --------
    >>> ssb_first_symbols("A", 2.1e9).tolist()
    [2, 8, 16, 22]
    """
    case = _check_case(case)
    paired = check_bool("paired", paired, _C41)
    f = check_real("carrier_frequency_hz", carrier_frequency_hz, "a frequency in Hz > 0",
                   _C41, positive=True)
    base, period = _BASE[case]
    n = np.asarray(_n_values(case, f, paired), dtype=np.int64)
    return (np.asarray(base, dtype=np.int64)[None, :] + period * n[:, None]).reshape(-1)


def ssb_l_max(case: str, carrier_frequency_hz, *, paired: bool = True) -> int:
    """L_max, the number of candidate SS/PBCH blocks in a half frame: 4, 8 or 64.

    Implements TS 38.213 §4.1.

    Parameters as :func:`ssb_first_symbols`.

    Examples
    --------
    >>> ssb_l_max("C", 3.5e9, paired=False), ssb_l_max("D", 28e9)
    (8, 64)
    """
    return int(ssb_first_symbols(case, carrier_frequency_hz, paired=paired).size)


def i_ssb_bar(ssb_index, half_frame, *, l_max: int):
    """ī_SSB of the PBCH DM-RS from the block index and the half frame.

    Implements TS 38.211 §7.4.1.4.1.

    L_max = 4: ī_SSB = i_SSB + 4 n_hf, with i_SSB the 2 LSBs of the block index and n_hf
    the half frame (0 or 1); L_max = 8 or 64: ī_SSB = i_SSB, the 3 LSBs of the block index.

    Parameters
    ----------
    ssb_index : int or array_like of int
        SS/PBCH block index, 0..L_max − 1.
    half_frame : int or array_like of int
        n_hf, 0 (first half) or 1.
    l_max : {4, 8, 64}

    Returns
    -------
    i_ssb_bar : ndarray of int64, 0..7, shape broadcast(ssb_index, half_frame)

    Examples
    --------
    >>> int(i_ssb_bar(3, 1, l_max=4)), int(i_ssb_bar(13, 1, l_max=64))
    (7, 5)
    """
    clause = "TS 38.211 §7.4.1.4.1"
    l_max = check_int("l_max", l_max, "one of 4, 8, 64", clause, choices=(4, 8, 64))
    i_ssb = check_int_array("ssb_index", ssb_index, clause, lo=0, hi=l_max - 1)
    n_hf = check_int_array("half_frame", half_frame, clause, lo=0, hi=1)
    try:
        i_ssb, n_hf = np.broadcast_arrays(i_ssb, n_hf)
    except ValueError:
        raise ConfigError(f"ssb_index of shape {i_ssb.shape} and half_frame of shape "
                          f"{n_hf.shape} are not allowed: their shapes must broadcast "
                          f"({clause})") from None
    if l_max == 4:
        return (i_ssb & 3) + 4 * n_hf
    return (i_ssb & 7) + 0 * n_hf
