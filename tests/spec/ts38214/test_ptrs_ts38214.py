"""Tests of the PT-RS densities, presence rules and power of TS 38.214 §5.1.6.3 and §4.1.

Named test_ptrs_ts38214.py, not test_ptrs.py: pytest's default (prepend) import mode needs
unique test-module basenames and tests/spec/ts38211/test_ptrs.py exists.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.spec.ts38214.ptrs import (
    PTRS_FREQUENCY_DENSITIES,
    PTRS_TIME_DENSITIES,
    ptrs_beta_pdsch,
    ptrs_beta_pusch,
    ptrs_epre_ratio_db,
    ptrs_frequency_density,
    ptrs_mcs4,
    ptrs_pdsch_densities,
    ptrs_time_density,
    ptrs_transform_precoding_groups,
)

MCS4 = {"qam64": 29, "qam256": 28, "qam64LowSE": 29}


def time_density_twin(i_mcs, mcs1, mcs2, mcs3, mcs4):
    """Table 5.1.6.3-1 row by row (first matching row wins; equal thresholds empty a row)."""
    rows = [(None, -1, mcs1), (4, mcs1, mcs2), (2, mcs2, mcs3), (1, mcs3, mcs4)]
    for value, lo, hi in rows:
        if (lo == -1 or lo <= i_mcs) and i_mcs < hi:
            return value
    raise AssertionError("I_MCS >= ptrs-MCS4 is outside the table")


def frequency_density_twin(n_rb, n_rb0, n_rb1):
    """Table 5.1.6.3-2 row by row."""
    if n_rb < n_rb0:
        return None
    if n_rb0 <= n_rb < n_rb1:
        return 2
    return 4


# ---------------------------------------------------------------------------------------
# Table 5.1.6.3-1.


def test_constants():
    assert PTRS_TIME_DENSITIES == (1, 2, 4)
    assert PTRS_FREQUENCY_DENSITIES == (2, 4)


@pytest.mark.parametrize("table, mcs4", list(MCS4.items()))
def test_ptrs_mcs4(table, mcs4):
    assert ptrs_mcs4(table) == mcs4


def test_time_density_hand_worked():
    t = (10, 17, 23)
    got = [ptrs_time_density(i, t) for i in range(29)]
    assert got == [None] * 10 + [4] * 7 + [2] * 6 + [1] * 6


@pytest.mark.parametrize(
    "thresholds, expected",
    [
        ((10, 10, 23), {9: None, 10: 2, 22: 2, 23: 1}),  # L = 4 row disabled
        ((10, 17, 17), {16: 4, 17: 1}),  # L = 2 row disabled
        ((0, 0, 0), {0: 1, 28: 1}),  # always L = 1
        ((29, 29, 29), {0: None, 28: None}),  # never present (ptrs-MCS_i = ptrs-MCS4)
        ((5, 10, 29), {28: 2}),  # L = 1 row disabled
    ],
)
def test_time_density_equal_thresholds_disable_rows(thresholds, expected):
    for i_mcs, value in expected.items():
        assert ptrs_time_density(i_mcs, thresholds) == value


def test_time_density_not_configured_is_one():
    for table, mcs4 in MCS4.items():
        assert all(ptrs_time_density(i, mcs_table=table) == 1 for i in range(mcs4))
    assert ptrs_time_density(26, mcs_table="qam1024") == 1


def test_time_density_accepts_explicit_mcs4():
    assert ptrs_time_density(20, (10, 17, 23, 29)) == 2
    assert ptrs_time_density(20, (5, 10, 15, 28), mcs_table="qam256") == 1
    assert ptrs_time_density(20, np.array([10, 17, 23])) == 2  # numpy integers


@settings(max_examples=200, deadline=None)
@given(table=st.sampled_from(sorted(MCS4)), data=st.data())
def test_time_density_matches_twin(table, data):
    mcs4 = MCS4[table]
    t = sorted(data.draw(st.lists(st.integers(0, mcs4), min_size=3, max_size=3)))
    for i_mcs in range(mcs4):
        got = ptrs_time_density(i_mcs, tuple(t), mcs_table=table)
        assert got == time_density_twin(i_mcs, *t, mcs4)


# ---------------------------------------------------------------------------------------
# Table 5.1.6.3-2.


def test_frequency_density_hand_worked():
    t = (20, 50)
    assert [ptrs_frequency_density(n, t) for n in (1, 19, 20, 49, 50, 275)] == [
        None, None, 2, 2, 4, 4,
    ]  # fmt: skip
    assert ptrs_frequency_density(30, (30, 30)) == 4  # K = 2 row disabled
    assert ptrs_frequency_density(275, (276, 276)) is None  # never present
    assert ptrs_frequency_density(1, (1, 276)) == 2
    assert ptrs_frequency_density(7) == 2  # frequencyDensity not configured


@settings(max_examples=200, deadline=None)
@given(n_rb=st.integers(1, 275), t=st.lists(st.integers(1, 276), min_size=2, max_size=2))
def test_frequency_density_matches_twin(n_rb, t):
    t = sorted(t)
    assert ptrs_frequency_density(n_rb, tuple(t)) == frequency_density_twin(n_rb, *t)


# ---------------------------------------------------------------------------------------
# Presence rules of §5.1.6.3.


@pytest.mark.parametrize("rnti_type", ["RA-RNTI", "MsgB-RNTI", "SI-RNTI", "P-RNTI"])
def test_pdsch_not_present_for_broadcast_rntis(rnti_type):
    assert ptrs_pdsch_densities(i_mcs=27, n_rb=100, l_duration=14, rnti_type=rnti_type) is None
    assert (
        ptrs_pdsch_densities(
            i_mcs=27, n_rb=100, l_duration=14, rnti_type=rnti_type,
            time_thresholds=(0, 0, 0), frequency_thresholds=(1, 1),
        )
        is None
    )  # fmt: skip


@pytest.mark.parametrize("table, min_mcs", [("qam64", 10), ("qam256", 5), ("qam64LowSE", 15)])
@pytest.mark.parametrize("rnti_type", ["C-RNTI", "MCS-C-RNTI", "CS-RNTI"])
def test_pdsch_default_rule(table, min_mcs, rnti_type):
    kw = dict(n_rb=50, l_duration=14, mcs_table=table, rnti_type=rnti_type)
    assert ptrs_pdsch_densities(i_mcs=min_mcs - 1, **kw) is None
    assert ptrs_pdsch_densities(i_mcs=min_mcs, **kw) == (1, 2)
    assert ptrs_pdsch_densities(i_mcs=MCS4[table] - 1, **kw) == (1, 2)
    # Fewer than 3 scheduled RBs: not present.
    assert ptrs_pdsch_densities(i_mcs=min_mcs, **{**kw, "n_rb": 2}) is None
    assert ptrs_pdsch_densities(i_mcs=min_mcs, **{**kw, "n_rb": 3}) == (1, 2)


def test_pdsch_configured_thresholds():
    t, f = (10, 17, 23), (20, 40)
    kw = dict(l_duration=14, time_thresholds=t, frequency_thresholds=f)
    assert ptrs_pdsch_densities(i_mcs=20, n_rb=50, **kw) == (2, 4)
    assert ptrs_pdsch_densities(i_mcs=12, n_rb=30, **kw) == (4, 2)
    assert ptrs_pdsch_densities(i_mcs=9, n_rb=50, **kw) is None  # L says not present
    assert ptrs_pdsch_densities(i_mcs=28, n_rb=19, **kw) is None  # K says not present
    # Only one of the two configured: the other takes its default (L = 1 / K = 2), and
    # the MCS / 3-RB default thresholds no longer apply.
    assert ptrs_pdsch_densities(i_mcs=3, n_rb=2, l_duration=14, frequency_thresholds=(1, 2)) == (
        1, 4,
    )  # fmt: skip
    assert ptrs_pdsch_densities(i_mcs=3, n_rb=2, l_duration=14, time_thresholds=(0, 0, 3)) == (
        1, 2,
    )  # fmt: skip


@pytest.mark.parametrize(
    "l_duration, l_ptrs, present",
    [(2, 1, True), (2, 2, False), (2, 4, False), (4, 2, True), (4, 4, False), (5, 4, True)],
)
def test_pdsch_short_allocations(l_duration, l_ptrs, present):
    t = {1: (0, 0, 0), 2: (0, 0, 29), 4: (0, 29, 29)}[l_ptrs]
    got = ptrs_pdsch_densities(i_mcs=10, n_rb=10, l_duration=l_duration, time_thresholds=t)
    assert got == ((l_ptrs, 2) if present else None)


def test_pdsch_qam1024_not_implemented():
    with pytest.raises(NotImplementedError, match="qam1024"):
        ptrs_pdsch_densities(i_mcs=20, n_rb=50, l_duration=14, mcs_table="qam1024")
    with pytest.raises(NotImplementedError, match="qam1024"):
        ptrs_pdsch_densities(
            i_mcs=20, n_rb=50, l_duration=14, mcs_table="qam1024", time_thresholds=(1, 2, 3)
        )
    with pytest.raises(NotImplementedError, match="qam1024"):
        ptrs_mcs4("qam1024")


# ---------------------------------------------------------------------------------------
# Table 4.1-2 and β_PT-RS.


def test_epre_ratio_table():
    assert [ptrs_epre_ratio_db(n) for n in range(1, 7)] == [0.0, 3.0, 4.77, 6.0, 7.0, 7.78]
    assert [ptrs_epre_ratio_db(n, 1) for n in range(1, 7)] == [0.0] * 6


def test_epre_ratio_zero_is_ten_log10_layers_rounded():
    for n in range(1, 7):
        assert ptrs_epre_ratio_db(n) == pytest.approx(10 * np.log10(n), abs=0.025)


def test_beta_pdsch():
    for n in range(1, 7):
        assert ptrs_beta_pdsch(n) == pytest.approx(np.sqrt(n), rel=1e-12)  # exact √N
        rounded = ptrs_beta_pdsch(n, rounded_db=True)
        assert rounded == pytest.approx(10 ** (ptrs_epre_ratio_db(n) / 20), rel=1e-12)
        assert rounded == pytest.approx(np.sqrt(n), rel=3e-3)
        assert ptrs_beta_pdsch(n, epre_ratio=1) == 1.0
        assert ptrs_beta_pdsch(n, epre_ratio=1, rounded_db=True) == 1.0
    assert ptrs_beta_pdsch(2, rounded_db=np.True_) == ptrs_beta_pdsch(2, rounded_db=True)


def test_not_implemented_pusch_parts():
    with pytest.raises(NotImplementedError, match="6.2.3.1"):
        ptrs_beta_pusch(n_layers=2, ptrs_power="00")
    with pytest.raises(NotImplementedError, match="6.2.3.2"):
        ptrs_transform_precoding_groups(n_rb=10, thresholds=(1, 2, 3, 4, 5))


# ---------------------------------------------------------------------------------------
# Validation: one raise-test per branch.


@pytest.mark.parametrize(
    "args, kw, match",
    [
        ((5,), dict(mcs_table="tp-qam64"), "mcs_table"),
        ((5,), dict(mcs_table="qam128"), "mcs_table"),
        ((-1,), {}, "i_mcs"),
        ((29,), {}, "i_mcs"),  # reserved in Table 5.1.3.1-1: use the initial I_MCS
        ((28,), dict(mcs_table="qam256"), "i_mcs"),
        ((5.0,), {}, "i_mcs"),
        ((5, (1, 2)), {}, "thresholds"),
        ((5, (1, 2, 3, 4, 5)), {}, "thresholds"),
        ((5, "123"), {}, "thresholds"),
        ((5, (1, 2.0, 3)), {}, "thresholds"),
        ((5, (1, True, 3)), {}, "thresholds"),
        ((5, (1, 2, 30)), {}, "ptrs-MCS3"),
        ((5, (-1, 2, 3)), {}, "ptrs-MCS1"),
        ((5, (1, 2, 29)), dict(mcs_table="qam256"), "ptrs-MCS3"),
        ((5, (3, 2, 4)), {}, "non-decreasing"),
        ((5, (1, 2, 3, 28)), {}, "ptrs-MCS4"),
    ],
)
def test_time_density_raises(args, kw, match):
    with pytest.raises(ConfigError, match=match):
        ptrs_time_density(*args, **kw)


@pytest.mark.parametrize(
    "args, match",
    [
        ((0,), "n_rb"),
        ((276,), "n_rb"),
        ((10, (5,)), "thresholds"),
        ((10, (5, 6, 7)), "thresholds"),
        ((10, 5), "thresholds"),
        ((10, (0, 6)), "N_RB0"),
        ((10, (5, 277)), "N_RB1"),
        ((10, (6, 5)), "non-decreasing"),
    ],
)
def test_frequency_density_raises(args, match):
    with pytest.raises(ConfigError, match=match):
        ptrs_frequency_density(*args)


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(rnti_type="TC-RNTI"), "rnti_type"),
        (dict(rnti_type="c-rnti"), "rnti_type"),
        (dict(mcs_table="tp-qam64LowSE"), "mcs_table"),
        (dict(i_mcs=30), "i_mcs"),
        (dict(n_rb=0), "n_rb"),
        (dict(l_duration=0), "l_duration"),
        (dict(l_duration=15), "l_duration"),
        (dict(time_thresholds=(5, 4, 3)), "thresholds"),
        (dict(frequency_thresholds=(5, 4)), "thresholds"),
    ],
)
def test_pdsch_densities_raises(kw, match):
    base = dict(i_mcs=20, n_rb=50, l_duration=14)
    with pytest.raises(ConfigError, match=match):
        ptrs_pdsch_densities(**{**base, **kw})


@pytest.mark.parametrize(
    "args, match",
    [((0,), "n_layers"), ((7,), "n_layers"), ((1, 2), "epre_ratio"), ((1, -1), "epre_ratio")],
)
def test_epre_ratio_raises(args, match):
    with pytest.raises(ConfigError, match=match):
        ptrs_epre_ratio_db(*args)
    with pytest.raises(ConfigError, match=match):
        ptrs_beta_pdsch(*args)


def test_beta_pdsch_rounded_db_raises():
    with pytest.raises(ConfigError, match="rounded_db"):
        ptrs_beta_pdsch(2, rounded_db=1)


def test_mcs4_raises():
    with pytest.raises(ConfigError, match="mcs_table"):
        ptrs_mcs4("tp-qam64")
