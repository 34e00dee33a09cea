"""Tests of the MCS index tables, TS 38.214 §5.1.3.1 and §6.1.4.1."""

import pytest

from nrlink.errors import ConfigError
from nrlink.spec.ts38214.mcs import (
    MCS_TABLES,
    McsEntry,
    max_mcs_index,
    mcs_entry,
    modulation_order,
)

# Keys of mcs_tables.npz: '<PDSCH|PUSCH>_table<k>' with the peer's table number k =
# TS 38.214 Table 5.1.3.1-k (PUSCH without transform precoding reuses Tables 5.1.3.1-1..3).
VECTOR_TABLE = {"table1": "qam64", "table2": "qam256", "table3": "qam64LowSE", "table4": "qam1024"}


def test_reference_vectors_every_row(vectors):
    v = vectors("mcs_tables")
    assert set(v) == {
        "PDSCH_table1", "PDSCH_table2", "PDSCH_table3", "PDSCH_table4",
        "PUSCH_table1", "PUSCH_table2", "PUSCH_table3",
    }  # fmt: skip
    n_rows = 0
    for key, rows in v.items():
        table = VECTOR_TABLE[key.split("_")[1]]
        # the peer lists exactly the non-reserved indices 0..max
        assert [int(r[0]) for r in rows] == list(range(max_mcs_index(table) + 1)), key
        for i_mcs, qm, r_x1024 in rows:
            e = mcs_entry(int(i_mcs), table)
            assert (e.qm, e.r_x1024) == (qm, r_x1024), (key, i_mcs)
            n_rows += 1
    assert n_rows == 29 + 28 + 29 + 27 + 29 + 28 + 29


def test_max_index():
    assert {t: max_mcs_index(t) for t in MCS_TABLES} == {
        "qam64": 28, "qam256": 27, "qam64LowSE": 28, "qam1024": 26,
        "tp-qam64": 27, "tp-qam64LowSE": 27,
    }  # fmt: skip


@pytest.mark.parametrize("table", list(MCS_TABLES))
@pytest.mark.parametrize("tp_pi2bpsk", [False, True])
def test_spectral_efficiency_column(table, tp_pi2bpsk):
    """The SE column is Q_m·R rounded to 4 decimals, and it (nearly) increases with I_MCS."""
    if tp_pi2bpsk and not table.startswith("tp-"):
        return
    se = []
    for i in range(max_mcs_index(table) + 1):
        e = mcs_entry(i, table, tp_pi2bpsk=tp_pi2bpsk)
        assert isinstance(e, McsEntry)
        assert abs(e.spectral_efficiency - e.qm * e.r_x1024 / 1024) <= 0.5e-4 + 1e-12, (table, i)
        assert 0 < e.r < 1
        assert e.r == e.r_x1024 / 1024
        se.append(e.spectral_efficiency)
    dips = [i for i in range(1, len(se)) if se[i] <= se[i - 1]]
    # Table 5.1.3.1-1 really has SE 2.5703 (16QAM, 658) at I_MCS 16 and 2.5664 (64QAM,
    # 438) at 17; every other table is strictly increasing.
    assert dips == ([17] if table == "qam64" else [])


def test_spot_values():
    assert mcs_entry(26, "qam256") == McsEntry(8, 916.5, 7.1602)
    assert mcs_entry(23, "qam1024") == McsEntry(10, 805.5, 7.8662)
    assert mcs_entry(0, "qam64LowSE") == McsEntry(2, 30.0, 0.0586)
    assert mcs_entry(17, "qam64") == McsEntry(6, 438.0, 2.5664)
    # Table 6.1.4.1-1 differs from 5.1.3.1-1 from I_MCS 17 on (466 instead of 438)
    assert mcs_entry(17, "tp-qam64") == McsEntry(6, 466.0, 2.7305)
    assert mcs_entry(27, "tp-qam64") == McsEntry(6, 948.0, 5.5547)
    # Table 6.1.4.1-2: 16QAM up to I_MCS 23, then 64QAM
    assert mcs_entry(22, "tp-qam64LowSE") == McsEntry(4, 699.0, 2.7305)
    assert mcs_entry(23, "tp-qam64LowSE") == McsEntry(4, 772.0, 3.0156)
    assert mcs_entry(26, "tp-qam64LowSE") == McsEntry(6, 666.0, 3.9023)
    assert mcs_entry(27, "tp-qam64LowSE") == McsEntry(6, 772.0, 4.5234)


@pytest.mark.parametrize(
    ("table", "q_rows", "r_x1024_q1"),
    [("tp-qam64", 2, (240, 314)), ("tp-qam64LowSE", 6, (60, 80, 100, 128, 156, 198))],
)
def test_transform_precoding_q_rows(table, q_rows, r_x1024_q1):
    """Q_m = q and R×1024 = (value)/q for the first rows; q = 1 with tp-pi2BPSK, else 2."""
    for i in range(q_rows):
        e1 = mcs_entry(i, table, tp_pi2bpsk=True)
        e2 = mcs_entry(i, table, tp_pi2bpsk=False)
        assert (e1.qm, e1.r_x1024) == (1, r_x1024_q1[i])
        assert (e2.qm, e2.r_x1024) == (2, r_x1024_q1[i] / 2)
        assert e1.spectral_efficiency == e2.spectral_efficiency
    # rows after the q rows do not depend on q
    assert mcs_entry(q_rows, table, tp_pi2bpsk=True) == mcs_entry(q_rows, table)
    assert mcs_entry(q_rows, table).qm == 2


@pytest.mark.parametrize(
    ("table", "reserved"),
    [
        ("qam64", {29: 2, 30: 4, 31: 6}),
        ("qam256", {28: 2, 29: 4, 30: 6, 31: 8}),
        ("qam64LowSE", {29: 2, 30: 4, 31: 6}),
        ("qam1024", {27: 2, 28: 4, 29: 6, 30: 8, 31: 10}),
        ("tp-qam64", {28: 2, 29: 2, 30: 4, 31: 6}),
        ("tp-qam64LowSE", {28: 2, 29: 2, 30: 4, 31: 6}),
    ],
)
def test_reserved_indices(table, reserved):
    for i_mcs, qm in reserved.items():
        with pytest.raises(ConfigError, match=rf"i_mcs={i_mcs} .*{table}.*reserved"):
            mcs_entry(i_mcs, table)
        assert modulation_order(i_mcs, table) == qm
    for i_mcs in range(min(reserved)):
        assert modulation_order(i_mcs, table) == mcs_entry(i_mcs, table).qm


def test_reserved_q_entry_with_pi2bpsk():
    assert modulation_order(28, "tp-qam64", tp_pi2bpsk=True) == 1
    assert modulation_order(28, "tp-qam64LowSE", tp_pi2bpsk=True) == 1
    assert modulation_order(0, "tp-qam64", tp_pi2bpsk=True) == 1


@pytest.mark.parametrize("func", [mcs_entry, modulation_order])
@pytest.mark.parametrize("i_mcs", [-1, 32, 1.0, True])
def test_raises_i_mcs_range(func, i_mcs):
    with pytest.raises(ConfigError, match="i_mcs"):
        func(i_mcs, "qam64")


@pytest.mark.parametrize("func", [mcs_entry, modulation_order, max_mcs_index])
def test_raises_table(func):
    args = ("qam512",) if func is max_mcs_index else (0, "qam512")
    with pytest.raises(ConfigError, match="table='qam512'"):
        func(*args)


@pytest.mark.parametrize("table", ["qam64", "qam256", "qam64LowSE", "qam1024"])
def test_raises_pi2bpsk_without_transform_precoding(table):
    with pytest.raises(ConfigError, match="tp_pi2bpsk"):
        mcs_entry(0, table, tp_pi2bpsk=True)


def test_raises_pi2bpsk_not_bool():
    with pytest.raises(ConfigError, match="tp_pi2bpsk"):
        mcs_entry(0, "tp-qam64", tp_pi2bpsk=1)
