"""Tests of transform precoding (TS 38.211 §6.3.1.4) and precoding (§6.3.1.5, §7.3.1.4)."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.spec.ts38211.layer_mapping import layer_map
from nrlink.spec.ts38211.precoding import (
    is_valid_transform_precoding_prb,
    precode,
    pusch_precoding_matrix,
    transform_deprecode,
    transform_precode,
    valid_transform_precoding_prbs,
)
from nrlink.spec.ts38211.scrambling import c_init_pusch, scramble
from nrlink.spec.ts38212.sch import encode_transport_block, plan_transport_block
from nrlink.spec.ts38214.mcs import mcs_entry

# Every (num_layers, num_ports, transform_precoding) with its table and TPMI count.
CODEBOOKS = {
    (1, 2, False): ("6.3.1.5-1", 6),
    (1, 2, True): ("6.3.1.5-1", 6),
    (1, 4, True): ("6.3.1.5-2", 28),
    (1, 4, False): ("6.3.1.5-3", 28),
    (2, 2, False): ("6.3.1.5-4", 3),
    (2, 4, False): ("6.3.1.5-5", 22),
    (3, 4, False): ("6.3.1.5-6", 7),
    (4, 4, False): ("6.3.1.5-7", 5),
}
VALID_PRBS = valid_transform_precoding_prbs()

# --- transform precoding: valid allocations --------------------------------------------------


def _prime_factors(n):
    out, p = set(), 2
    while p * p <= n:
        while n % p == 0:
            out.add(p)
            n //= p
        p += 1
    if n > 1:
        out.add(n)
    return out


def test_valid_prbs_against_brute_force():
    brute = tuple(n for n in range(1, 276) if _prime_factors(n) <= {2, 3, 5})
    assert VALID_PRBS == brute
    assert len(brute) == 53
    for n in range(-3, 400):
        assert is_valid_transform_precoding_prb(n) == (n >= 1 and _prime_factors(n) <= {2, 3, 5})


def test_valid_prbs_spot_values():
    assert VALID_PRBS[:12] == (1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16)
    assert VALID_PRBS[-5:] == (240, 243, 250, 256, 270)
    assert 273 not in VALID_PRBS and 270 in VALID_PRBS and 7 not in VALID_PRBS
    assert valid_transform_precoding_prbs(1) == (1,)
    assert valid_transform_precoding_prbs(1000)[-1] == 1000


@pytest.mark.parametrize("bad", [0, -2, 2.0, True, "4", None])
def test_valid_prb_predicate_rejects_non_positive_ints(bad):
    assert not is_valid_transform_precoding_prb(bad)


@pytest.mark.parametrize("bad", [0, 1.5, True])
def test_valid_prbs_rejects_max_prb(bad):
    with pytest.raises(ConfigError, match="max_prb"):
        valid_transform_precoding_prbs(bad)


# --- transform precoding: values ----------------------------------------------------------


def transform_precode_twin(x, m_sc):
    """Literal §6.3.1.4 double sum, one output at a time, in complex128."""
    x = np.asarray(x, np.complex128)
    y = np.zeros_like(x)
    for l in range(x.size // m_sc):  # noqa: E741 - spec symbol l
        for k in range(m_sc):
            acc = 0j
            for i in range(m_sc):
                acc += x[l * m_sc + i] * np.exp(-2j * np.pi * i * k / m_sc)
            y[l * m_sc + k] = acc / np.sqrt(m_sc)
    return y


def _symbols(rng, shape):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex64)


@pytest.mark.parametrize(("n_prb", "n_sym"), [(1, 3), (2, 2), (3, 1), (5, 2), (6, 1)])
def test_transform_precode_matches_explicit_dft(n_prb, n_sym):
    rng = np.random.default_rng(n_prb)
    m_sc = 12 * n_prb
    x = _symbols(rng, m_sc * n_sym)
    y = transform_precode(x, m_sc)
    assert y.dtype == np.complex64 and y.shape == x.shape
    np.testing.assert_allclose(y, transform_precode_twin(x, m_sc), atol=2e-5)


def test_transform_precode_batched_equals_per_example():
    rng = np.random.default_rng(7)
    x = _symbols(rng, (3, 2, 48 * 4))
    y = transform_precode(x, 48)
    for a in range(3):
        for b in range(2):
            np.testing.assert_array_equal(y[a, b], transform_precode(x[a, b], 48))


def test_transform_precode_constant_block_is_dc():
    y = transform_precode(np.ones(36, np.complex64), 36)
    np.testing.assert_allclose(y[0], np.sqrt(36), rtol=1e-6)
    np.testing.assert_allclose(y[1:], 0, atol=1e-5)


@settings(max_examples=40, deadline=None)
@given(
    n_prb=st.sampled_from(VALID_PRBS[:30]),
    n_sym=st.integers(1, 3),
    batch=st.lists(st.integers(1, 3), max_size=2).map(tuple),
    seed=st.integers(0, 2**32 - 1),
)
def test_transform_round_trip_and_energy(n_prb, n_sym, batch, seed):
    rng = np.random.default_rng(seed)
    m_sc = 12 * n_prb
    x = _symbols(rng, (*batch, m_sc * n_sym))
    y = transform_precode(x, m_sc)
    # orthonormal DFT: energy of each OFDM symbol's block is preserved
    ex = np.sum(np.abs(x.reshape(*batch, n_sym, m_sc)) ** 2, axis=-1)
    ey = np.sum(np.abs(y.reshape(*batch, n_sym, m_sc)) ** 2, axis=-1)
    np.testing.assert_allclose(ey, ex, rtol=1e-4)
    back = transform_deprecode(y, m_sc)
    assert back.dtype == np.complex64
    np.testing.assert_allclose(back, x, atol=1e-5)


def test_transform_deprecode_is_inverse_dft():
    rng = np.random.default_rng(3)
    y = _symbols(rng, 60)
    x = transform_deprecode(y, 60)
    np.testing.assert_allclose(transform_precode_twin(x, 60), y, atol=2e-5)


def test_transform_precode_accepts_complex128_and_real():
    x = np.arange(24, dtype=np.float64)
    y = transform_precode(x, 24)
    assert y.dtype == np.complex64
    np.testing.assert_allclose(y, transform_precode_twin(x, 24), atol=1e-4)


@pytest.mark.parametrize("func", [transform_precode, transform_deprecode])
@pytest.mark.parametrize("m_sc", [0, 6, 13, 84, 7 * 12, 11 * 12, 12.0, True, -12])
def test_transform_rejects_m_sc(func, m_sc):
    with pytest.raises(ConfigError, match=r"m_sc.*§6\.3\.1\.4"):
        func(np.zeros(168, np.complex64), m_sc)


@pytest.mark.parametrize("func", [transform_precode, transform_deprecode])
def test_transform_rejects_length(func):
    with pytest.raises(ConfigError, match="multiple of M_sc"):
        func(np.zeros(30, np.complex64), 24)
    with pytest.raises(ConfigError, match="multiple of M_sc"):
        func(np.complex64(1), 12)


# --- precoding matrices ---------------------------------------------------------------------


def _all_matrices():
    for (v, p, tp), (_, n) in CODEBOOKS.items():
        for t in range(n):
            yield (v, p, tp, t), pusch_precoding_matrix(t, v, p, transform_precoding=tp)


def test_codebook_sizes_and_shapes():
    for (v, p, tp), (_, n) in CODEBOOKS.items():
        for t in range(n):
            w = pusch_precoding_matrix(t, v, p, transform_precoding=tp)
            assert w.shape == (p, v) and w.dtype == np.complex64
        table = CODEBOOKS[(v, p, tp)][0]
        with pytest.raises(ConfigError, match=rf"tpmi={n}.*0\.\.{n - 1}.*Table {table}"):
            pusch_precoding_matrix(n, v, p, transform_precoding=tp)


def test_single_port():
    for tp in (False, True):
        np.testing.assert_array_equal(pusch_precoding_matrix(0, 1, 1, transform_precoding=tp),
                                      [[1]])


def test_entries_are_scaled_unit_roots_and_port_power():
    """Entries are s·{0, ±1, ±j}; every port carries power 0 or exactly 1/ρ; layers ⟂."""
    for key, w in _all_matrices():
        v, p, _, _ = key
        w = w.astype(np.complex128)
        nz = np.abs(w) > 1e-9
        s = np.abs(w[nz])
        np.testing.assert_allclose(s, s[0], rtol=1e-6, err_msg=str(key))
        unit = w[nz] / s[0]
        assert np.all(np.min(np.abs(unit[:, None] - np.array([1, -1, 1j, -1j])), 1) < 1e-6), key
        row_power = np.sum(np.abs(w) ** 2, axis=1)
        assert np.all(np.isclose(row_power, 0) | np.isclose(row_power, 1 / p)), key
        gram = w.conj().T @ w
        np.testing.assert_allclose(gram - np.diag(np.diag(gram)), 0, atol=1e-7, err_msg=str(key))
        assert np.all(np.diag(gram) > 0), key  # no empty layer


def test_column_norms():
    """Column norms: s·√(non-zeros of the column), e.g. 1/√2 for TPMI 0 of Table 6.3.1.5-1."""
    for key, w in _all_matrices():
        norms = np.linalg.norm(w, axis=0)
        nnz = np.count_nonzero(np.abs(w) > 1e-9, axis=0)
        s = np.max(np.abs(w))
        np.testing.assert_allclose(norms, s * np.sqrt(nnz), rtol=1e-6, err_msg=str(key))
        assert np.all(norms <= 1 + 1e-6), key
    # fully coherent 4-layer TPMI 3: four columns of norm 1/2, total power 1
    w = pusch_precoding_matrix(3, 4, 4)
    np.testing.assert_allclose(np.linalg.norm(w, axis=0), 0.5, rtol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(w) ** 2, 1.0, rtol=1e-6)


def test_matrices_within_a_table_are_distinct():
    for (v, p, tp), (_, n) in CODEBOOKS.items():
        ws = [pusch_precoding_matrix(t, v, p, transform_precoding=tp) for t in range(n)]
        for a in range(n):
            for b in range(a + 1, n):
                assert not np.allclose(ws[a], ws[b]), (v, p, tp, a, b)


def test_tpmi0_identities():
    np.testing.assert_allclose(pusch_precoding_matrix(0, 2, 2), np.eye(2) / np.sqrt(2), rtol=1e-7)
    np.testing.assert_allclose(pusch_precoding_matrix(0, 4, 4), np.eye(4) / 2, rtol=1e-7)
    np.testing.assert_allclose(pusch_precoding_matrix(0, 1, 2), [[2**-0.5], [0]], rtol=1e-7)
    np.testing.assert_allclose(pusch_precoding_matrix(0, 1, 4), [[0.5], [0], [0], [0]])
    np.testing.assert_allclose(pusch_precoding_matrix(0, 2, 4), np.eye(4, 2) / 2)
    np.testing.assert_allclose(pusch_precoding_matrix(0, 3, 4), np.eye(4, 3) / 2)


# Spot checks typed from TS 38.211 V17.6.0 (W / scale, rows = ports).
J = 1j
SPOT = [
    # (tpmi, layers, ports, tp, scale, W/scale)
    (5, 1, 2, False, 2**-0.5, [[1], [-J]]),
    (3, 1, 2, True, 2**-0.5, [[1], [-1]]),
    (7, 1, 4, False, 0.5, [[1], [0], [-J], [0]]),
    (11, 1, 4, True, 0.5, [[0], [1], [0], [-J]]),
    (12, 1, 4, False, 0.5, [[1], [1], [1], [1]]),
    (12, 1, 4, True, 0.5, [[1], [1], [1], [-1]]),
    (17, 1, 4, False, 0.5, [[1], [J], [J], [-1]]),
    (17, 1, 4, True, 0.5, [[1], [J], [J], [1]]),
    (25, 1, 4, False, 0.5, [[1], [-J], [J], [1]]),
    (25, 1, 4, True, 0.5, [[1], [-J], [J], [-1]]),
    (27, 1, 4, False, 0.5, [[1], [-J], [-J], [-1]]),
    (27, 1, 4, True, 0.5, [[1], [-J], [-J], [1]]),
    (2, 2, 2, False, 0.5, [[1, 1], [J, -J]]),
    (5, 2, 4, False, 0.5, [[0, 0], [0, 0], [1, 0], [0, 1]]),
    (9, 2, 4, False, 0.5, [[1, 0], [0, 1], [-J, 0], [0, -1]]),
    (17, 2, 4, False, 1 / (2 * 2**0.5), [[1, 1], [J, J], [J, -J], [-1, 1]]),
    (21, 2, 4, False, 1 / (2 * 2**0.5), [[1, 1], [-J, -J], [J, -J], [1, -1]]),
    (2, 3, 4, False, 0.5, [[1, 0, 0], [0, 1, 0], [-1, 0, 0], [0, 0, 1]]),
    (6, 3, 4, False, 1 / (2 * 3**0.5), [[1, 1, 1], [-1, 1, -1], [J, J, -J], [-J, J, J]]),
    (2, 4, 4, False, 1 / (2 * 2**0.5),
     [[1, 1, 0, 0], [0, 0, 1, 1], [J, -J, 0, 0], [0, 0, J, -J]]),
    (4, 4, 4, False, 0.25, [[1, 1, 1, 1], [1, -1, 1, -1], [J, J, -J, -J], [J, -J, -J, J]]),
]


@pytest.mark.parametrize(("tpmi", "v", "p", "tp", "scale", "w"), SPOT)
def test_spot_entries(tpmi, v, p, tp, scale, w):
    got = pusch_precoding_matrix(tpmi, v, p, transform_precoding=tp)
    np.testing.assert_allclose(got, scale * np.array(w), rtol=1e-7, atol=1e-8)


def test_tables_2_and_3_differ_by_last_port_sign_only():
    """Tables 6.3.1.5-2/-3 agree except for a sign flip on port 3 for 8 TPMIs."""
    flipped = []
    for t in range(28):
        a = pusch_precoding_matrix(t, 1, 4, transform_precoding=True)
        b = pusch_precoding_matrix(t, 1, 4, transform_precoding=False)
        np.testing.assert_array_equal(a[:3], b[:3])
        if a[3, 0] != b[3, 0]:
            assert a[3, 0] == -b[3, 0]
            flipped.append(t)
    assert flipped == [12, 14, 17, 19, 20, 22, 25, 27]


def test_precoding_matrix_is_read_only():
    w = pusch_precoding_matrix(1, 2, 2)
    with pytest.raises(ValueError):
        w[0, 0] = 0


@pytest.mark.parametrize("bad", [0, 3, 8, 2.0])
def test_precoding_matrix_rejects_num_ports(bad):
    with pytest.raises(ConfigError, match="num_ports"):
        pusch_precoding_matrix(0, 1, bad)


@pytest.mark.parametrize("bad", [0, 5, 1.0])
def test_precoding_matrix_rejects_num_layers(bad):
    with pytest.raises(ConfigError, match="num_layers"):
        pusch_precoding_matrix(0, bad, 4)


def test_precoding_matrix_rejects_more_layers_than_ports():
    with pytest.raises(ConfigError, match=r"num_layers=3.*num_ports=2"):
        pusch_precoding_matrix(0, 3, 2)
    with pytest.raises(ConfigError, match=r"num_layers=2.*num_ports=1"):
        pusch_precoding_matrix(0, 2, 1)


def test_precoding_matrix_rejects_transform_precoding_with_layers():
    with pytest.raises(ConfigError, match=r"num_layers=2.*transform_precoding.*§6\.3\.1\.4"):
        pusch_precoding_matrix(0, 2, 4, transform_precoding=True)


def test_precoding_matrix_rejects_transform_precoding_type():
    with pytest.raises(ConfigError, match="transform_precoding"):
        pusch_precoding_matrix(0, 1, 4, transform_precoding="yes")


@pytest.mark.parametrize(("tpmi", "v", "p"), [(-1, 1, 2), (6, 1, 2), (28, 1, 4), (3, 2, 2),
                                              (22, 2, 4), (7, 3, 4), (5, 4, 4), (1, 1, 1),
                                              (1.0, 1, 2)])
def test_precoding_matrix_rejects_tpmi(tpmi, v, p):
    with pytest.raises(ConfigError, match=r"tpmi.*§6\.3\.1\.5"):
        pusch_precoding_matrix(tpmi, v, p)


# --- precode ---------------------------------------------------------------------------------


def precode_twin(x, w):
    """Literal z^(p)(i) = Σ_ν W[p, ν] y^(ν)(i), one RE at a time."""
    v, n = x.shape
    p = w.shape[0]
    z = np.zeros((p, n), np.complex128)
    for i in range(n):
        for pp in range(p):
            z[pp, i] = sum(w[pp, nu] * x[nu, i] for nu in range(v))
    return z


@settings(max_examples=30, deadline=None)
@given(key=st.sampled_from(list(CODEBOOKS)), n=st.integers(0, 20), seed=st.integers(0, 2**32 - 1))
def test_precode_matches_twin(key, n, seed):
    v, p, tp = key
    rng = np.random.default_rng(seed)
    w = pusch_precoding_matrix(int(rng.integers(CODEBOOKS[key][1])), v, p, transform_precoding=tp)
    x = _symbols(rng, (2, v, n))
    z = precode(x, w)
    assert z.shape == (2, p, n) and z.dtype == np.complex64
    for b in range(2):
        np.testing.assert_allclose(z[b], precode_twin(x[b], w), atol=1e-6)


def test_precode_per_symbol_matrices():
    rng = np.random.default_rng(5)
    v, p, n = 2, 4, 9
    x = _symbols(rng, (3, v, n))
    w = _symbols(rng, (3, n, p, v))
    z = precode(x, w)
    assert z.shape == (3, p, n) and z.flags.c_contiguous
    for b in range(3):
        for i in range(n):
            np.testing.assert_allclose(z[b, :, i], w[b, i] @ x[b, :, i], atol=1e-5)
    # one matrix per batch element via a symbol axis of 1, broadcast over a shared W
    w1 = _symbols(rng, (3, 1, p, v))
    z1 = precode(x, w1)
    for b in range(3):
        np.testing.assert_allclose(z1[b], w1[b, 0] @ x[b], atol=1e-5)
    np.testing.assert_allclose(precode(x, w[0]), precode(x, np.broadcast_to(w[0], w.shape)))


def test_precode_dtypes():
    w = pusch_precoding_matrix(0, 2, 2)
    assert precode(np.ones((2, 3), np.complex128), w).dtype == np.complex128
    assert precode(np.ones((2, 3), np.int64), w).dtype == np.complex64
    assert precode(np.ones((2, 3), np.complex64), w.astype(np.complex128)).dtype == np.complex128


def test_precode_rejects_x_rank():
    with pytest.raises(ConfigError, match="x has shape"):
        precode(np.ones(4), np.eye(1))


def test_precode_rejects_w_rank():
    with pytest.raises(ConfigError, match="w has shape"):
        precode(np.ones((1, 4)), np.ones(1))


def test_precode_rejects_layer_mismatch():
    with pytest.raises(ConfigError, match=r"w\.shape\[-1\]"):
        precode(np.ones((3, 4)), pusch_precoding_matrix(0, 2, 4))


def test_precode_rejects_symbol_axis():
    with pytest.raises(ConfigError, match="symbol axis"):
        precode(np.ones((2, 4)), np.ones((3, 4, 2)))


def test_precode_rejects_batch_mismatch():
    with pytest.raises(ConfigError, match="batch shapes"):
        precode(np.ones((2, 2, 4)), np.ones((3, 4, 4, 2)))


# --- reference vectors: Sionna PUSCH grid, codebook precoding TPMI 0 ------------------------


def qam_twin(bits, qm):
    """TS 38.211 §5.1.3-5.1.6 QAM mapping written as the nested Gray formula."""
    b = np.asarray(bits, np.int64).reshape(*np.shape(bits)[:-1], -1, qm)
    m = qm // 2

    def axis(bb):
        r = 1 - 2 * bb[..., m - 1]
        for i in range(m - 2, -1, -1):
            r = (1 - 2 * bb[..., i]) * (2 ** (m - 1 - i) - r)
        return r

    return (axis(b[..., 0::2]) + 1j * axis(b[..., 1::2])) / np.sqrt(2 * (4**m - 1) / 3)


@pytest.mark.parametrize(("name", "qm"), [("QPSK", 2), ("16QAM", 4), ("64QAM", 6), ("256QAM", 8)])
def test_qam_twin_matches_reference(vectors, name, qm):
    v = vectors("modulation")
    np.testing.assert_allclose(qam_twin(v[f"{name}_bits"], qm), v[f"{name}_symbols"], atol=1e-6)


def _data_mask(fc, n_sc):
    """Data REs of a PUSCH with every DMRS CDM group but (type 2) the third without data."""
    mask = np.ones((14, n_sc), bool)
    assert fc["dmrs_num_cdm_groups_without_data"] == 2
    for sym in fc["dmrs_symbol_indices"]:
        if fc["dmrs_config_type"] == 1:
            mask[sym] = False  # CDM groups 0 and 1 cover every subcarrier
        else:  # type 2: groups 0, 1 on k mod 6 in {0..3}; group 2 (k mod 6 in {4, 5}) data
            mask[sym] = np.arange(n_sc) % 6 >= 4
    return mask


@pytest.mark.parametrize("case", ["case1", "case3"])
def test_pusch_grid_codebook_tpmi0(vectors, case):
    """Scrambled, QAM-mapped codeword → layer_map → precode(W of TPMI 0) = Sionna's grid.

    case1: 2 layers on 2 ports (W = I/√2), case3: 4 layers on 4 ports (W = I/2). This
    confirms the layer order of Table 6.3.1.3-1 and the scaling of Tables 6.3.1.5-4/-7.
    """
    v = vectors("pusch_grid")
    p = json.loads(str(v[f"{case}_params"]))
    fc = json.loads(str(v[f"{case}_full_config"]))
    assert fc["precoding"] == "codebook" and fc["tpmi"] == 0 and not p["tp"]
    layers, ports = fc["num_layers"], fc["num_antenna_ports"]
    entry = mcs_entry(fc["mcs_index"], {1: "qam64", 2: "qam256"}[fc["mcs_table"]])
    plan = plan_transport_block(a=int(v[f"{case}_tb_size"]), target_code_rate=entry.r,
                                g=fc["num_coded_bits"], qm=entry.qm, layers=layers)
    f = encode_transport_block(v[f"{case}_b"], plan)
    c = scramble(f, c_init_pusch(fc["n_rnti"], fc["n_cell_id"]))
    d = qam_twin(c, entry.qm).astype(np.complex64)
    x = layer_map(d, layers)
    w = pusch_precoding_matrix(fc["tpmi"], layers, ports)
    z = precode(x, w)

    grid = v[f"{case}_grid"]
    mask = _data_mask(fc, grid.shape[-1])
    assert mask.sum() * layers * entry.qm == fc["num_coded_bits"]
    np.testing.assert_allclose(z, grid[:, :, mask], atol=1e-5)
    # the DFT/identity check: W = I/√ρ, so each port carries its own layer scaled by 1/√ρ
    np.testing.assert_allclose(grid[:, :, mask] * np.sqrt(ports), x, atol=1e-5)
