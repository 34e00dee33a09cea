"""Tests of the SS/PBCH burst patterns, TS 38.213 §4.1, and ī_SSB, TS 38.211 §7.4.1.4.1."""

import numpy as np
import pytest

from nrlink.errors import ConfigError
from nrlink.spec.ts38213.ssb_burst import (
    frequency_range,
    i_ssb_bar,
    ssb_case_scs_khz,
    ssb_first_symbols,
    ssb_l_max,
)


def twin_first_symbols(case, f, paired=True):
    """The clause text, case by case (no shared spectrum)."""
    ghz = f / 1e9
    if case == "A":
        ns = [0, 1] if ghz <= 3 else [0, 1, 2, 3]
        return [s + 14 * n for n in ns for s in (2, 8)]
    if case == "B":
        ns = [0] if ghz <= 3 else [0, 1]
        return [s + 28 * n for n in ns for s in (4, 8, 16, 20)]
    if case == "C":
        if paired:
            ns = [0, 1] if ghz <= 3 else [0, 1, 2, 3]
        else:
            ns = [0, 1] if ghz < 1.88 else [0, 1, 2, 3]
        return [s + 14 * n for n in ns for s in (2, 8)]
    if case == "D":
        ns = [0, 1, 2, 3, 5, 6, 7, 8, 10, 11, 12, 13, 15, 16, 17, 18]
        return [s + 28 * n for n in ns for s in (4, 8, 16, 20)]
    ns = [0, 1, 2, 3, 5, 6, 7, 8]
    return [s + 56 * n for n in ns for s in (8, 12, 16, 20, 32, 36, 40, 44)]


def test_spot_checks_from_the_clause():
    assert ssb_first_symbols("A", 2.0e9).tolist() == [2, 8, 16, 22]
    assert ssb_first_symbols("A", 3.5e9).tolist() == [2, 8, 16, 22, 30, 36, 44, 50]
    assert ssb_first_symbols("B", 2.0e9).tolist() == [4, 8, 16, 20]
    assert ssb_first_symbols("B", 3.5e9).tolist() == [4, 8, 16, 20, 32, 36, 44, 48]
    assert ssb_first_symbols("C", 3.5e9, paired=False).tolist() == [2, 8, 16, 22, 30, 36,
                                                                   44, 50]
    d = ssb_first_symbols("D", 28e9)
    assert d.size == 64 and d[:8].tolist() == [4, 8, 16, 20, 32, 36, 44, 48]
    assert d[16:20].tolist() == [144, 148, 156, 160]  # n = 5: 4 + 140
    e = ssb_first_symbols("E", 39e9)
    assert e.size == 64 and e[:9].tolist() == [8, 12, 16, 20, 32, 36, 40, 44, 64]
    assert e[-1] == 44 + 56 * 8


@pytest.mark.parametrize("case, f, paired, l_max", [
    ("A", 3.0e9, True, 4), ("A", 3.0e9 + 1, True, 8),  # "smaller than or equal to 3 GHz"
    ("B", 3.0e9, True, 4), ("B", 3.1e9, True, 8),
    ("C", 3.0e9, True, 4), ("C", 3.2e9, True, 8),
    ("C", 1.879e9, False, 4), ("C", 1.88e9, False, 8),  # unpaired: < 1.88 GHz / ≥ 1.88 GHz
    ("C", 2.5e9, False, 8), ("C", 2.5e9, True, 4),
    ("D", 28e9, True, 64), ("E", 28e9, False, 64),
])
def test_thresholds_and_l_max(case, f, paired, l_max):
    got = ssb_first_symbols(case, f, paired=paired)
    assert got.tolist() == twin_first_symbols(case, f, paired)
    assert ssb_l_max(case, f, paired=paired) == l_max


@pytest.mark.parametrize("case, f", [("A", 0.7e9), ("A", 6e9), ("B", 4.5e9),
                                     ("C", 3.7e9), ("D", 40e9), ("E", 26e9)])
def test_blocks_fit_slots_of_the_half_frame(case, f):
    s = ssb_first_symbols(case, f)
    mu = {15: 0, 30: 1, 120: 3, 240: 4}[ssb_case_scs_khz(case)]
    assert np.all(np.diff(s) >= 4)  # increasing, no overlap
    assert s[-1] + 3 < 70 * 2**mu  # inside the half frame
    if case != "E":  # Case E blocks at 12 + 56n, 40 + 56n straddle two 14-symbol slots
        assert np.all(s % 14 + 3 < 14)
    else:
        assert sorted(set((s % 14).tolist())) == [2, 4, 6, 8, 12]


def test_frequency_ranges():
    assert frequency_range(410e6) == "FR1" and frequency_range(7.125e9) == "FR1"
    assert frequency_range(24.25e9) == "FR2" and frequency_range(52.6e9) == "FR2"


def test_i_ssb_bar():
    assert i_ssb_bar(np.arange(4), 0, l_max=4).tolist() == [0, 1, 2, 3]
    assert i_ssb_bar(np.arange(4), 1, l_max=4).tolist() == [4, 5, 6, 7]
    assert i_ssb_bar(np.arange(8), 1, l_max=8).tolist() == list(range(8))
    assert i_ssb_bar([0, 9, 63], [0, 1, 1], l_max=64).tolist() == [0, 1, 7]


def test_raises():
    with pytest.raises(ConfigError, match="case"):
        ssb_first_symbols("F", 3e9)
    with pytest.raises(ConfigError, match="case"):
        ssb_case_scs_khz("a")
    with pytest.raises(ConfigError, match="carrier_frequency_hz"):
        ssb_first_symbols("A", -1.0)
    with pytest.raises(ConfigError, match="carrier_frequency_hz"):
        ssb_first_symbols("A", 10e9)  # between FR1 and FR2
    with pytest.raises(ConfigError, match="Case D"):
        ssb_first_symbols("D", 3.5e9)
    with pytest.raises(ConfigError, match="Case A"):
        ssb_first_symbols("A", 28e9)
    with pytest.raises(ConfigError, match="paired"):
        ssb_first_symbols("C", 3e9, paired=1)
    with pytest.raises(ConfigError, match="carrier_frequency_hz"):
        frequency_range("3e9")
    with pytest.raises(ConfigError, match="l_max"):
        i_ssb_bar(0, 0, l_max=16)
    with pytest.raises(ConfigError, match="ssb_index"):
        i_ssb_bar(8, 0, l_max=8)
    with pytest.raises(ConfigError, match="half_frame"):
        i_ssb_bar(0, 2, l_max=8)
    with pytest.raises(ConfigError, match="broadcast"):
        i_ssb_bar([0, 1], [0, 1, 0], l_max=8)
