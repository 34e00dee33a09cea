"""Polar encoder chain — TS 38.212 §5.3.1, §5.4.1 (CRC of §7.3.2 / §6.3.1.2.1)."""

import math
from importlib.resources import files

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.spec.ts38212.crc import crc_remainder
from nrlink.spec.ts38212.polar import (
    INPUT_INTERLEAVER_PATTERN,
    SUBBLOCK_INTERLEAVER_PATTERN,
    code_parameters,
    coded_bit_interleaver_indices,
    crc_poly_for,
    frozen_set,
    info_set,
    input_interleave,
    input_interleaver_indices,
    parity_check_counts,
    parity_check_set,
    polar_encode,
    polar_n,
    polar_transform,
    rate_match_indices,
    reliability_sequence,
    subblock_interleaver_indices,
)

CASES = ("case0", "case1", "case2", "case4", "case5", "case6")  # every case of polar.npz

# ----------------------------------------------------------------------- slow twins


def polar_n_twin(k, e, n_max):
    if e <= (9 / 8) * 2 ** (math.ceil(math.log2(e)) - 1) and k / e < 9 / 16:
        n1 = math.ceil(math.log2(e)) - 1
    else:
        n1 = math.ceil(math.log2(e))
    n2 = math.ceil(math.log2(k / (1 / 8)))
    return max(min(n1, n2, n_max), 5)


def interleaver_twin(k):
    out = []
    for m in range(164):
        if INPUT_INTERLEAVER_PATTERN[m] >= 164 - k:
            out.append(INPUT_INTERLEAVER_PATTERN[m] - (164 - k))
    return out


def j_twin(n_len):
    out = []
    for n in range(n_len):
        i = (32 * n) // n_len
        out.append(SUBBLOCK_INTERLEAVER_PATTERN[i] * (n_len // 32) + n % (n_len // 32))
    return out


def construction_twin(k, e, n_len, n_pc, n_pc_wm):
    """§5.3.1.2 literally: returns (Q_I^N, Q_PC^N) as sets and |Q_I^tmp|."""
    q = [int(x) for x in reliability_sequence() if x < n_len]
    j = j_twin(n_len)
    q_f_tmp = set()
    if e < n_len:
        if k / e <= 7 / 16:
            q_f_tmp |= {j[n] for n in range(n_len - e)}
            if e >= 3 * n_len / 4:
                q_f_tmp |= set(range(math.ceil(3 * n_len / 4 - e / 2)))
            else:
                q_f_tmp |= set(range(math.ceil(9 * n_len / 16 - e / 4)))
        else:
            q_f_tmp |= {j[n] for n in range(e, n_len)}
    q_i_tmp = [x for x in q if x not in q_f_tmp]
    if len(q_i_tmp) < k + n_pc:
        return set(), set(), len(q_i_tmp)
    q_i = q_i_tmp[len(q_i_tmp) - (k + n_pc):]  # ascending reliability
    pc = q_i[: n_pc - n_pc_wm]
    if n_pc_wm:
        q_tilde = q_i[n_pc:]
        w = {x: 2 ** bin(x).count("1") for x in q_tilde}
        wmin = min(w.values())
        best = [x for x in reversed(q_tilde) if w[x] == wmin]
        pc = pc + best[:n_pc_wm]
    return set(q_i), set(pc), len(q_i_tmp)


def transform_twin(u):
    g = np.array([[1]], dtype=np.int64)
    for _ in range(int(math.log2(u.shape[-1]))):
        g = np.kron(g, np.array([[1, 0], [1, 1]]))
    return (u.astype(np.int64) @ g % 2).astype(np.uint8)


def channel_interleaver_twin(e_bits):
    e = len(e_bits)
    t = 0
    while t * (t + 1) / 2 < e:
        t += 1
    v = [[None] * t for _ in range(t)]
    k = 0
    for i in range(t):
        for j in range(t - i):
            v[i][j] = e_bits[k] if k < e else None
            k += 1
    out = []
    for j in range(t):
        for i in range(t - j):
            if v[i][j] is not None:
                out.append(v[i][j])
    return out


def encode_twin(a, e, link):
    """The whole chain for one payload row, literally per the clauses."""
    a = [int(x) for x in a]
    big_a = len(a)
    poly = "24C" if link == "downlink" else ("6" if big_a <= 19 else "11")
    c = a + [int(x) for x in crc_remainder(np.array(a, dtype=np.uint8), poly)]
    k = len(c)
    if link == "downlink":
        c = [c[p] for p in interleaver_twin(k)]
    n_len = 2 ** polar_n_twin(k, e, 9 if link == "downlink" else 10)
    n_pc, n_pc_wm = (3, int(e - k + 3 > 192)) if link == "uplink" and 18 <= k <= 25 else (0, 0)
    q_i, q_pc, _ = construction_twin(k, e, n_len, n_pc, n_pc_wm)
    u = [0] * n_len
    y = [0] * 5
    kk = 0
    for n in range(n_len):
        y = y[1:] + y[:1]
        if n in q_i:
            if n in q_pc:
                u[n] = y[0]
            else:
                u[n] = c[kk]
                kk += 1
            y[0] ^= u[n]
    d = transform_twin(np.array(u, dtype=np.uint8))
    j = j_twin(n_len)
    yv = [int(d[j[n]]) for n in range(n_len)]
    if e >= n_len:
        ev = [yv[i % n_len] for i in range(e)]
    elif k / e <= 7 / 16:
        ev = [yv[i + n_len - e] for i in range(e)]
    else:
        ev = yv[:e]
    if link == "uplink":
        ev = channel_interleaver_twin(ev)
    return np.array(ev, dtype=np.uint8)


# ----------------------------------------------------------------------- reference vectors


@pytest.mark.parametrize("case", CASES)
def test_polar_vectors_bit_exact(vectors, case):
    v = vectors("polar")
    k, e, link = int(v[f"{case}_k"]), int(v[f"{case}_e"]), str(v[f"{case}_link"])
    u, c = v[f"{case}_u"], v[f"{case}_c"]
    assert u.shape == (8, k) and c.shape == (8, e)
    f = polar_encode(u, k, e, link)
    assert f.dtype == np.uint8 and f.shape == (8, e)
    np.testing.assert_array_equal(f, c.astype(np.uint8))
    # the slow twin agrees on the same rows
    np.testing.assert_array_equal(encode_twin(u[0], e, link), c[0].astype(np.uint8))


def test_vector_file_covers_every_case(vectors):
    v = vectors("polar")
    assert sorted({key.split("_")[0] for key in v}) == sorted(CASES)


def test_downlink_vectors_use_plain_crc24c(vectors):
    # The DCI CRC of §7.3.2 runs over 24 ones followed by a; the vectors (Sionna, 'as for
    # DCI, no RNTI masking') hold the plain CRC24C of §5.1: crc_ones=True must differ.
    v = vectors("polar")
    for case in ("case2", "case6"):
        k, e = int(v[f"{case}_k"]), int(v[f"{case}_e"])
        f = polar_encode(v[f"{case}_u"], k, e, "downlink", crc_ones=True)
        assert (f != v[f"{case}_c"]).any(axis=1).all()


def test_crc_ones_equals_encoding_with_prepended_ones_crc():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 2, (4, 40), dtype=np.uint8)
    # CRC is linear: crc(1^24 ‖ a) = crc(1^24 ‖ 0^40) ⊕ crc(a); so is the encoder in c,
    # hence f_ones ⊕ f_plain = encoding of (0^40, crc(1^24 ‖ 0^40)) ⊕ 0 = same for all rows.
    f1 = polar_encode(a, 40, 100, "downlink", crc_ones=True)
    f0 = polar_encode(a, 40, 100, "downlink")
    diff = f1 ^ f0
    assert diff.any() and (diff == diff[0]).all()


# ----------------------------------------------------------------------- tables


def test_packaged_sequence_equals_shared(shared_dir):
    packaged = (files("nrlink.spec.tables") / "polar_reliability_sequence.csv").read_text()
    shared = (shared_dir / "tables" / "polar_reliability_sequence.csv").read_text()
    assert packaged == shared
    q = reliability_sequence()
    assert q.shape == (1024,) and sorted(q.tolist()) == list(range(1024))
    assert q[0] == 0 and q[-1] == 1023 and not q.flags.writeable


def test_interleaver_tables_are_permutations():
    assert sorted(INPUT_INTERLEAVER_PATTERN) == list(range(164))
    assert sorted(SUBBLOCK_INTERLEAVER_PATTERN) == list(range(32))
    for k in (1, 24, 36, 100, 164):
        pi = input_interleaver_indices(k)
        assert pi.tolist() == interleaver_twin(k)
        assert sorted(pi.tolist()) == list(range(k))


def test_input_interleave_batch():
    rng = np.random.default_rng(2)
    c = rng.integers(0, 2, (3, 2, 88), dtype=np.int8)
    out = input_interleave(c)
    assert out.shape == (3, 2, 88) and out.dtype == np.uint8
    np.testing.assert_array_equal(out, c[..., interleaver_twin(88)])


@pytest.mark.parametrize("n", range(5, 11))
def test_subblock_interleaver(n):
    j = subblock_interleaver_indices(n)
    assert j.tolist() == j_twin(2**n)


@pytest.mark.parametrize("e", [1, 2, 3, 10, 40, 64, 300, 1000, 8192])
def test_coded_bit_interleaver_twin(e):
    idx = coded_bit_interleaver_indices(e)
    assert idx.tolist() == channel_interleaver_twin(list(range(e)))


# ----------------------------------------------------------------------- code construction


@given(k=st.integers(1, 8192), e=st.integers(1, 8192), n_max=st.sampled_from([9, 10]))
@settings(max_examples=300, deadline=None)
def test_polar_n_twin(k, e, n_max):
    k = min(k, e)
    assert polar_n(k, e, n_max) == polar_n_twin(k, e, n_max)


@pytest.mark.parametrize("n", range(5, 11))
def test_frozen_set_least_reliable_without_puncturing(n):
    # E = N: no puncturing nor shortening, Q_F^N = the N − K least reliable indices.
    n_len = 2**n
    q_n = [int(x) for x in reliability_sequence() if x < n_len]
    for k in range(1, n_len + 1):
        q_f = frozen_set(k, n_len, n)
        assert q_f.size == n_len - k
        assert q_f.tolist() == sorted(q_n[: n_len - k])
        assert np.union1d(q_f, info_set(k, n_len, n)).size == n_len


@given(n=st.integers(5, 10), data=st.data())
@settings(max_examples=150, deadline=None)
def test_construction_twin(n, data):
    n_len = 2**n
    e = data.draw(st.integers(max(1, n_len // 2), 2 * n_len))
    n_pc = data.draw(st.sampled_from([0, 3]))
    n_pc_wm = data.draw(st.integers(0, 1)) if n_pc else 0
    k = data.draw(st.integers(1, min(e, n_len - n_pc)))
    q_i_twin, q_pc_twin, n_unfrozen = construction_twin(k, e, n_len, n_pc, n_pc_wm)
    if n_unfrozen < k + n_pc:  # too few unfrozen positions for K + n_PC bits
        with pytest.raises(ConfigError, match=f"e={e}"):
            info_set(k, e, n, n_pc=n_pc, n_pc_wm=n_pc_wm)
        return
    q_i = info_set(k, e, n, n_pc=n_pc, n_pc_wm=n_pc_wm)
    assert set(q_i.tolist()) == q_i_twin and q_i.size == k + n_pc
    q_f = frozen_set(k, e, n, n_pc=n_pc, n_pc_wm=n_pc_wm)
    assert q_f.size == n_len - k - n_pc and not set(q_f.tolist()) & q_i_twin
    if n_pc:
        assert set(parity_check_set(k, e, n, n_pc=n_pc, n_pc_wm=n_pc_wm).tolist()) == q_pc_twin


def test_parity_check_counts():
    assert parity_check_counts(18, 100, "uplink") == (3, 0)
    assert parity_check_counts(25, 214, "uplink") == (3, 0)  # E − K + 3 = 192
    assert parity_check_counts(25, 215, "uplink") == (3, 1)
    assert parity_check_counts(26, 215, "uplink") == (0, 0)
    assert parity_check_counts(20, 300, "downlink") == (0, 0)


def test_crc_poly_for():
    assert crc_poly_for(12, "downlink") == "24C"
    assert crc_poly_for(12, "uplink") == "6" and crc_poly_for(19, "uplink") == "6"
    assert crc_poly_for(20, "uplink") == "11"


# ----------------------------------------------------------------------- encoding


@given(n=st.integers(1, 10), seed=st.integers(0, 2**32 - 1))
@settings(max_examples=30, deadline=None)
def test_polar_transform_twin(n, seed):
    u = np.random.default_rng(seed).integers(0, 2, (3, 2**n), dtype=np.uint8)
    np.testing.assert_array_equal(polar_transform(u), transform_twin(u))


def test_polar_transform_involution_and_no_mutation():
    u = np.random.default_rng(3).integers(0, 2, (2, 4, 64), dtype=np.int8)
    u0 = u.copy()
    d = polar_transform(u)
    assert d.shape == (2, 4, 64) and d.dtype == np.uint8
    np.testing.assert_array_equal(polar_transform(d), u0)  # G_N² = I over GF(2)
    np.testing.assert_array_equal(u, u0)


@given(link=st.sampled_from(["downlink", "uplink"]), data=st.data())
@settings(max_examples=40, deadline=None)
def test_polar_encode_twin(link, data):
    # covers repetition, puncturing, shortening and (uplink, 12 ≤ A ≤ 19) PC bits
    a_len = data.draw(st.integers(12, 140 if link == "downlink" else 300))
    k = a_len + (24 if link == "downlink" else (6 if a_len <= 19 else 11))
    e = data.draw(st.integers(k + (3 if k <= 25 and link == "uplink" else 0), 1200))
    seed = data.draw(st.integers(0, 2**32 - 1))
    a = np.random.default_rng(seed).integers(0, 2, (2, a_len), dtype=np.uint8)
    f = polar_encode(a, a_len, e, link)
    assert f.shape == (2, e)
    for row in range(2):
        np.testing.assert_array_equal(f[row], encode_twin(a[row], e, link))


@pytest.mark.parametrize("a_len,e", [(12, 40), (15, 100), (19, 250), (19, 600)])
def test_polar_encode_parity_check_cases(a_len, e):
    a = np.random.default_rng(a_len + e).integers(0, 2, (3, a_len), dtype=np.uint8)
    f = polar_encode(a, a_len, e, "uplink")
    for row in range(3):
        np.testing.assert_array_equal(f[row], encode_twin(a[row], e, "uplink"))


def test_polar_encode_shapes_and_dtypes():
    rng = np.random.default_rng(4)
    a = rng.integers(0, 2, (2, 3, 30), dtype=np.int8)
    f = polar_encode(a, 30, 64, "uplink")
    assert f.shape == (2, 3, 64) and f.dtype == np.uint8
    np.testing.assert_array_equal(f[1, 2], polar_encode(a[1, 2:3], 30, 64, "uplink")[0])
    assert polar_encode(a[:0, 0], 30, 64, "uplink").shape == (0, 64)
    assert polar_encode(a[0, 0].astype(bool), 30, 64, "uplink").shape == (64,)


def test_polar_encode_is_linear():
    rng = np.random.default_rng(5)
    a = rng.integers(0, 2, (2, 50), dtype=np.uint8)
    for link in ("downlink", "uplink"):
        f = polar_encode(a, 50, 200, link)
        np.testing.assert_array_equal(f[0] ^ f[1], polar_encode(a[0] ^ a[1], 50, 200, link))


def test_rate_match_indices_gather():
    idx = rate_match_indices(64 + 24, 128, 7, "downlink")
    assert idx.shape == (128,) and sorted(idx.tolist()) == list(range(128))
    idx = rate_match_indices(20, 300, 8, "uplink")  # repetition: every d_n at least once
    assert idx.shape == (300,) and set(idx.tolist()) == set(range(256))


# ----------------------------------------------------------------------- validation


def test_raises_link():
    with pytest.raises(ConfigError, match="link"):
        polar_encode(np.zeros((1, 20), np.uint8), 20, 40, "sidelink")
    with pytest.raises(ConfigError, match="link"):
        rate_match_indices(20, 40, 5, "up")


@pytest.mark.parametrize("k,link", [(11, "downlink"), (141, "downlink"), (11, "uplink"),
                                    (1707, "uplink")])
def test_raises_k_range(k, link):
    with pytest.raises(ConfigError, match=r"k=.*§"):
        polar_encode(np.zeros((1, k), np.uint8), k, 8192, link)


def test_raises_segmentation_needed():
    with pytest.raises(ConfigError, match="segmentation"):
        polar_encode(np.zeros((1, 400), np.uint8), 400, 1088, "uplink")
    with pytest.raises(ConfigError, match="segmentation"):
        polar_encode(np.zeros((1, 1013), np.uint8), 1013, 1050, "uplink")


def test_raises_e():
    with pytest.raises(ConfigError, match=r"e=.*E ≥ K"):
        polar_encode(np.zeros((1, 20), np.uint8), 20, 30, "uplink")  # K = 31 > E
    with pytest.raises(ConfigError, match="e=8193"):
        polar_encode(np.zeros((1, 20), np.uint8), 20, 8193, "uplink")
    with pytest.raises(ConfigError, match="e=0"):
        polar_n(1, 0, 9)


def test_raises_too_few_unfrozen_positions():
    # uplink A = 12 (K = 18, n_PC = 3) with E = K: shortening leaves E < K + n_PC positions
    with pytest.raises(ConfigError, match="e=18"):
        polar_encode(np.zeros((1, 12), np.uint8), 12, 18, "uplink")


def test_raises_payload():
    with pytest.raises(ConfigError, match="a has length"):
        polar_encode(np.zeros((1, 21), np.uint8), 20, 40, "uplink")
    with pytest.raises(ConfigError, match="a holds"):
        polar_encode(np.full((1, 20), 2, np.uint8), 20, 40, "uplink")
    with pytest.raises(ConfigError, match="a "):
        polar_encode(np.zeros((1, 20), np.float32), 20, 40, "uplink")


def test_raises_crc_ones():
    with pytest.raises(ConfigError, match="crc_ones"):
        polar_encode(np.zeros((1, 20), np.uint8), 20, 40, "uplink", crc_ones=True)
    with pytest.raises(ConfigError, match="crc_ones"):
        polar_encode(np.zeros((1, 20), np.uint8), 20, 60, "downlink", crc_ones=1)


def test_raises_construction_parameters():
    with pytest.raises(ConfigError, match="n=4"):
        frozen_set(10, 20, 4)
    with pytest.raises(ConfigError, match="k_total=0"):
        info_set(0, 20, 5)
    with pytest.raises(ConfigError, match="k_total=21"):
        info_set(21, 20, 5)
    with pytest.raises(ConfigError, match="n_pc=2"):
        info_set(20, 40, 6, n_pc=2)
    with pytest.raises(ConfigError, match="n_pc_wm=1"):
        info_set(20, 40, 6, n_pc=0, n_pc_wm=1)
    with pytest.raises(ConfigError, match="k_total=31"):
        info_set(31, 64, 5, n_pc=3)  # K + n_PC > N
    with pytest.raises(ConfigError, match="n_max"):
        polar_n(10, 20, 8)
    with pytest.raises(ConfigError, match="k=30"):
        polar_n(30, 20, 9)


def test_raises_interleavers():
    with pytest.raises(ConfigError, match="K=165"):
        input_interleave(np.zeros((1, 165), np.uint8))
    with pytest.raises(ConfigError, match="k=0"):
        input_interleaver_indices(0)
    with pytest.raises(ConfigError, match="n=11"):
        subblock_interleaver_indices(11)
    with pytest.raises(ConfigError, match="e=0"):
        coded_bit_interleaver_indices(0)
    with pytest.raises(ConfigError, match="N=48"):
        polar_transform(np.zeros((1, 48), np.uint8))


# ----------------------------------------------------------------------- segmented UCI


def test_code_parameters_segmented():
    # A = 1000 with E_UCI = 1200 is segmented (A ≥ 360, E ≥ 1088): segments of 500 bits,
    # E_r = 600, CRC11
    assert code_parameters(500, 600, "uplink", segmented=True) == ("11", 511, 10)
    # A ≥ 1013 is segmented whatever E: A'/2 = 507 with E_r = 520 < 544 is fine
    assert code_parameters(507, 520, "uplink", segmented=True)[:2] == ("11", 518)
    assert code_parameters(853, 8192, "uplink", segmented=True)[:2] == ("11", 864)
    assert code_parameters(180, 544, "uplink", segmented=True)[:2] == ("11", 191)


def test_segmented_only_changes_the_size_check():
    a = np.random.default_rng(3).integers(0, 2, (3, 200), dtype=np.uint8)
    np.testing.assert_array_equal(polar_encode(a, 200, 600, "uplink", segmented=True),
                                  polar_encode(a, 200, 600, "uplink"))
    f = polar_encode(a[:, :190], 190, 1100, "uplink", segmented=True)  # unsegmented: refused
    assert f.shape == (3, 1100)


@pytest.mark.parametrize("k,e,match", [
    (179, 1000, "k=179"),         # A'/2 < 180: A < 360 is never segmented
    (854, 2000, "k=854"),         # A'/2 > 853: A > 1706
    (506, 543, "e=543"),          # A < 1013 segmented only when E_UCI ≥ 1088
    (600, 610, r"e=610.*E ≥ K"),  # E_r < K_r = 611
])
def test_raises_segmented_sizes(k, e, match):
    with pytest.raises(ConfigError, match=match):
        polar_encode(np.zeros((1, k), np.uint8), k, e, "uplink", segmented=True)


def test_raises_segmented_flag():
    with pytest.raises(ConfigError, match="segmented=True is not allowed on the downlink"):
        polar_encode(np.zeros((1, 100), np.uint8), 100, 300, "downlink", segmented=True)
    with pytest.raises(ConfigError, match="segmented=1"):
        polar_encode(np.zeros((1, 300), np.uint8), 300, 600, "uplink", segmented=1)
