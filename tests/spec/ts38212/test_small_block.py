"""Small block codes and their rate matching — TS 38.212 §5.3.3, §5.4.3."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.spec.ts38212.small_block import (
    PLACEHOLDER_X,
    PLACEHOLDER_Y,
    QM_VALUES,
    RM_BASIS,
    encode_1bit,
    encode_2bit,
    rate_match_small,
    rm_encode,
    small_block_encode,
    small_block_length,
)

X, Y = PLACEHOLDER_X, PLACEHOLDER_Y

# Table 5.3.3.3-1 once more, typed independently as 32-bit words, one per basis sequence
# M_{·,n} (bit i of word n = M_{i,n}); the module holds it row by row as 0/1 strings.
_RM_COLUMNS = (0xFFFFFFFF, 0x4BA5A933, 0x7D910E5A, 0x6D26339C, 0x71C7C3E0, 0x7E0FFC00,
               0x731D8E64, 0x6B44F5B0, 0x7DC218EC, 0x4DA1B746, 0x42F0FFFF)


def gf2_rank(m):
    m = [list(map(int, row)) for row in m]
    rank, cols = 0, len(m[0])
    for c in range(cols):
        piv = next((i for i in range(rank, len(m)) if m[i][c]), None)
        if piv is None:
            continue
        m[rank], m[piv] = m[piv], m[rank]
        for i in range(len(m)):
            if i != rank and m[i][c]:
                m[i] = [x ^ y for x, y in zip(m[i], m[rank], strict=True)]
        rank += 1
    return rank


def rm_twin(c):
    """d_i = Σ_n c_n M_{i,n} mod 2, by explicit loops."""
    out = []
    for i in range(32):
        acc = 0
        for n, bit in enumerate(c):
            acc += int(bit) * int(RM_BASIS[i, n])
        out.append(acc % 2)
    return out


def table_twin(c, qm):
    """Tables 5.3.3.1-1 / 5.3.3.2-1 written out group by group."""
    if len(c) == 1:
        return [c[0]] if qm == 1 else [c[0], Y] + [X] * (qm - 2)
    c0, c1 = c
    c2 = (c0 + c1) % 2
    if qm == 1:
        return [c0, c1, c2]
    if qm == 2:
        return [c0, c1, c2, c0, c1, c2]
    pad = [X] * (qm - 2)
    return [c0, c1] + pad + [c2, c0] + pad + [c1, c2] + pad


# ----------------------------------------------------------------------- Table 5.3.3.3-1


def test_rm_basis_table_matches_column_words():
    assert RM_BASIS.shape == (32, 11) and RM_BASIS.dtype == np.uint8
    for n, word in enumerate(_RM_COLUMNS):
        assert [int(RM_BASIS[i, n]) for i in range(32)] == [(word >> i) & 1 for i in range(32)]


def test_rm_basis_structure():
    assert RM_BASIS[:, 0].all()  # M_{i,0} = 1
    assert RM_BASIS[30].all()  # row 30 all ones
    assert RM_BASIS[31].tolist() == [1] + [0] * 10
    assert gf2_rank(RM_BASIS) == 11  # linearly independent basis sequences
    assert not RM_BASIS.flags.writeable


def test_rm_minimum_distances():
    # Brute-force minimum weight of the non-zero codewords of the (32, K) code. The first
    # six basis sequences span the first-order Reed–Muller code RM(1, 5) = (32, 6, 16);
    # the further (second-order) sequences lower it to 12 (K = 7..10) and 10 (K = 11).
    expect = {3: 16, 4: 16, 5: 16, 6: 16, 7: 12, 8: 12, 9: 12, 10: 12, 11: 10}
    for k, d_min in expect.items():
        m = ((np.arange(1, 1 << k)[:, None] >> np.arange(k)) & 1).astype(np.uint8)
        assert rm_encode(m).sum(axis=1).min() == d_min


# ----------------------------------------------------------------------- encoders


@settings(max_examples=60, deadline=None)
@given(k=st.integers(3, 11), data=st.data())
def test_rm_encode_twin(k, data):
    c = data.draw(st.lists(st.integers(0, 1), min_size=k, max_size=k))
    np.testing.assert_array_equal(rm_encode(np.array(c, np.int8)), rm_twin(c))


def test_rm_encode_batch_and_linear():
    rng = np.random.default_rng(1)
    c = rng.integers(0, 2, (4, 3, 11), dtype=np.uint8)
    d = rm_encode(c)
    assert d.shape == (4, 3, 32) and d.dtype == np.uint8
    np.testing.assert_array_equal(rm_encode(c[0] ^ c[1]), d[0] ^ d[1])


@pytest.mark.parametrize("qm", QM_VALUES)
@pytest.mark.parametrize("k", [1, 2])
def test_one_and_two_bit_tables(k, qm):
    for m in range(1 << k):
        c = [(m >> (k - 1 - j)) & 1 for j in range(k)]
        enc = encode_1bit if k == 1 else encode_2bit
        np.testing.assert_array_equal(enc(c, qm), table_twin(c, qm))
        np.testing.assert_array_equal(small_block_encode(c, qm=qm), table_twin(c, qm))
        assert small_block_length(k, qm) == len(table_twin(c, qm))


def test_literal_rows():
    assert encode_1bit([1], 6).tolist() == [1, Y, X, X, X, X]
    assert encode_2bit([0, 1], 4).tolist() == [0, 1, X, X, 1, 0, X, X, 1, 1, X, X]
    assert encode_2bit([1, 1], 1).tolist() == [1, 1, 0]


def test_small_block_encode_dispatch_and_batch():
    rng = np.random.default_rng(2)
    for k in range(1, 12):
        c = rng.integers(0, 2, (5, k)).astype(np.uint8)
        d = small_block_encode(c, qm=4)
        assert d.shape == (5, small_block_length(k, 4))
        if k >= 3:
            np.testing.assert_array_equal(d, rm_encode(c))
    assert small_block_encode(np.zeros((2, 0, 7), np.uint8)).shape == (2, 0, 32)


# ----------------------------------------------------------------------- rate matching


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 32), e=st.integers(1, 200), seed=st.integers(0, 2**32 - 1))
def test_rate_match_twin(n, e, seed):
    d = np.random.default_rng(seed).integers(0, 4, (2, n)).astype(np.uint8)
    out = rate_match_small(d, e)
    for b in range(2):
        assert out[b].tolist() == [int(d[b, k % n]) for k in range(e)]


# ----------------------------------------------------------------------- validation


@pytest.mark.parametrize("k", [0, 12])
def test_raises_k(k):
    with pytest.raises(ConfigError, match="K="):
        small_block_encode(np.zeros(k, np.uint8))
    with pytest.raises(ConfigError, match=r"k=.*§5\.3\.3"):
        small_block_length(k)


def test_raises_k_per_encoder():
    with pytest.raises(ConfigError, match=r"K=2.*§5\.3\.3\.1"):
        encode_1bit([0, 1], 2)
    with pytest.raises(ConfigError, match=r"K=1.*§5\.3\.3\.2"):
        encode_2bit([0], 2)
    with pytest.raises(ConfigError, match=r"K=2.*§5\.3\.3\.3"):
        rm_encode([0, 1])


@pytest.mark.parametrize("qm", [0, 3, 10, 2.0, True])
def test_raises_qm(qm):
    with pytest.raises(ConfigError, match="qm"):
        small_block_encode([1], qm=qm)


def test_raises_not_bits():
    with pytest.raises(ConfigError, match="c holds"):
        small_block_encode([0, 2, 1])
    with pytest.raises(ConfigError, match="c has dtype"):
        rm_encode([0.0, 1.0, 1.0])


@pytest.mark.parametrize("e", [0, 16385, 3.0])
def test_raises_rate_match_e(e):
    with pytest.raises(ConfigError, match=r"e=.*§5\.4\.3"):
        rate_match_small([0, 1], e)


def test_raises_rate_match_d():
    with pytest.raises(ConfigError, match="outside 0..3"):
        rate_match_small([0, 4], 5)
    with pytest.raises(ConfigError, match="length 0"):
        rate_match_small(np.zeros((2, 0), np.uint8), 5)
    with pytest.raises(ConfigError, match="d has dtype"):
        rate_match_small([0.5], 5)
