"""Tests of the Gold sequence, TS 38.211 §5.2.1."""


import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.spec.ts38211.prbs import N_C, gold_sequence


def gold_sequence_twin(c_init: int, length: int) -> np.ndarray:
    """Slow, literal TS 38.211 §5.2.1: one bit per step, plain Python lists."""
    total = N_C + length
    x1 = [1] + [0] * 30
    x2 = [(c_init >> i) & 1 for i in range(31)]
    for n in range(total):
        x1.append((x1[n + 3] + x1[n]) % 2)
        x2.append((x2[n + 3] + x2[n + 2] + x2[n + 1] + x2[n]) % 2)
    return np.array([(x1[n + N_C] + x2[n + N_C]) % 2 for n in range(length)], dtype=np.uint8)


@pytest.mark.parametrize("i", range(6))
def test_reference_vectors(vectors, i):
    v = vectors("prbs")
    c_init = int(v[f"c_init_{i}"])
    seq = v[f"seq_{i}"]
    c = gold_sequence(c_init, seq.size)
    assert c.dtype == np.uint8
    np.testing.assert_array_equal(c, seq.astype(np.uint8))


def test_reference_vectors_batched(vectors):
    v = vectors("prbs")
    c_inits = np.array([int(v[f"c_init_{i}"]) for i in range(6)])
    seqs = np.stack([v[f"seq_{i}"] for i in range(6)]).astype(np.uint8)
    np.testing.assert_array_equal(gold_sequence(c_inits, 5000), seqs)
    c2 = gold_sequence(c_inits.reshape(2, 3), 5000)
    assert c2.shape == (2, 3, 5000)
    np.testing.assert_array_equal(c2.reshape(6, 5000), seqs)


def test_twin_matches_reference(vectors):
    """The twin itself is checked against the peers before it is trusted."""
    v = vectors("prbs")
    np.testing.assert_array_equal(gold_sequence_twin(int(v["c_init_5"]), 200), v["seq_5"][:200])


@settings(max_examples=40, deadline=None)
@given(c_init=st.integers(0, 2**31 - 1), length=st.integers(0, 300))
def test_matches_twin(c_init, length):
    np.testing.assert_array_equal(gold_sequence(c_init, length), gold_sequence_twin(c_init, length))


@settings(max_examples=20, deadline=None)
@given(
    c_init=st.lists(st.integers(0, 2**31 - 1), min_size=1, max_size=6),
    length=st.integers(0, 100),
)
def test_batch_equals_single(c_init, length):
    c = gold_sequence(np.array(c_init, dtype=np.int64), length)
    assert c.shape == (len(c_init), length)
    for row, ci in zip(c, c_init, strict=True):
        np.testing.assert_array_equal(row, gold_sequence(ci, length))


@pytest.mark.parametrize("n", [0, 1, 27, 28, 29, 55, 56, 57, 1000])
def test_prefix_consistent(n):
    """A shorter sequence is a prefix of a longer one (chunk boundaries of the kernel)."""
    np.testing.assert_array_equal(gold_sequence(123456, 1100)[:n], gold_sequence(123456, n))


def test_shapes_and_dtypes():
    assert gold_sequence(0, 0).shape == (0,)
    assert gold_sequence(np.zeros((3, 2), dtype=np.int32), 0).shape == (3, 2, 0)
    assert gold_sequence(np.array([], dtype=np.int64), 5).shape == (0, 5)
    assert gold_sequence(np.uint32(7), 4).dtype == np.uint8
    assert gold_sequence([1, 2], 4).shape == (2, 4)


def test_long_sequence_is_balanced_and_prefix_consistent():
    """10^6 bits (speed is measured by bench/coding.py, not here)."""
    c = gold_sequence(0x1234567, 1_000_000)
    assert c.shape == (1_000_000,)
    assert 0.49 < c.mean() < 0.51
    np.testing.assert_array_equal(c[:5000], gold_sequence(0x1234567, 5000))


@pytest.mark.parametrize("c_init", [-1, 2**31, [0, 2**31], np.array([-5])])
def test_raises_c_init_range(c_init):
    with pytest.raises(ConfigError, match="c_init"):
        gold_sequence(c_init, 10)


@pytest.mark.parametrize("c_init", [1.0, True, "3", np.array([1.5])])
def test_raises_c_init_type(c_init):
    with pytest.raises(ConfigError, match="c_init"):
        gold_sequence(c_init, 10)


@pytest.mark.parametrize("length", [-1, 2.0, None])
def test_raises_length(length):
    with pytest.raises(ConfigError, match="length"):
        gold_sequence(5, length)
