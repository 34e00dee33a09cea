"""Tests of resource grids, resource blocks and bandwidth parts, TS 38.211 §4.4."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.spec.ts38211.grid import bwp_subcarriers, carrier_grid, prb_to_subcarriers


def prb_to_subcarriers_twin(prbs, rb_offset=0):
    """Literal §4.4.4: block n covers k = 12 (n + offset) + k', k' = 0..11, in order."""
    return np.array([12 * (n + rb_offset) + kp for n in prbs for kp in range(12)], np.int64)


# --- carrier_grid ---------------------------------------------------------------------


def test_carrier_grid():
    g = carrier_grid(273, 14, 2)
    assert g.shape == (2, 14, 3276)
    assert g.dtype == np.complex64
    assert not g.any()
    assert carrier_grid(1).shape == (1, 14, 12)
    assert carrier_grid(52, 12, dtype=np.complex128).dtype == np.complex128


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"n_size_grid": 0}, "n_size_grid"),
        ({"n_size_grid": 276}, "n_size_grid"),
        ({"n_size_grid": 10, "n_symbols": 0}, "n_symbols"),
        ({"n_size_grid": 10, "num_ports": 0}, "num_ports"),
        ({"n_size_grid": 10, "dtype": np.float32}, "dtype"),
    ],
)
def test_carrier_grid_errors(kwargs, name):
    with pytest.raises(ConfigError, match=name):
        carrier_grid(**kwargs)


# --- bwp_subcarriers ------------------------------------------------------------------


def test_bwp_subcarriers_examples():
    assert bwp_subcarriers(10, 20, n_start_grid=4, n_size_grid=50) == slice(72, 312)
    assert bwp_subcarriers(0, 273, 0, 273) == slice(0, 3276)
    g = carrier_grid(50)
    g[..., bwp_subcarriers(53, 1, 4, 50)] = 1  # last RB of the carrier
    assert np.flatnonzero(g[0, 0]).tolist() == list(range(588, 600))


@settings(max_examples=60, deadline=None)
@given(
    n_start_grid=st.integers(0, 2199),
    n_size_grid=st.integers(1, 275),
    data=st.data(),
)
def test_bwp_inside_carrier(n_start_grid, n_size_grid, data):
    off = data.draw(st.integers(0, n_size_grid - 1), label="offset")
    size = data.draw(st.integers(1, n_size_grid - off), label="size")
    sc = bwp_subcarriers(n_start_grid + off, size, n_start_grid, n_size_grid)
    k = np.arange(12 * n_size_grid)[sc]
    assert k.size == 12 * size
    np.testing.assert_array_equal(k, prb_to_subcarriers(np.arange(size), rb_offset=off))


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ((3, 10, 4, 50), "n_start_bwp"),  # starts below the carrier
        ((54, 1, 4, 50), "n_start_bwp"),  # starts above the carrier
        ((50, 5, 4, 50), "n_size_bwp"),  # ends above the carrier
        ((10, 0, 4, 50), "n_size_bwp"),
        ((10, 276, 4, 50), "n_size_bwp"),
        ((10, 5, 2200, 50), "n_start_grid"),
        ((10, 5, -1, 50), "n_start_grid"),
        ((10, 5, 4, 0), "n_size_grid"),
        ((-1, 5, 0, 50), "n_start_bwp"),
    ],
)
def test_bwp_errors(args, name):
    with pytest.raises(ConfigError, match=name):
        bwp_subcarriers(*args)


# --- prb_to_subcarriers ---------------------------------------------------------------


def test_prb_to_subcarriers_examples():
    np.testing.assert_array_equal(prb_to_subcarriers(0), np.arange(12))
    np.testing.assert_array_equal(prb_to_subcarriers([3], rb_offset=2), np.arange(60, 72))
    k = prb_to_subcarriers(np.array([[0, 1], [5, 4]], dtype=np.uint16))
    assert k.shape == (2, 24) and k.dtype == np.int64
    np.testing.assert_array_equal(k[1], prb_to_subcarriers_twin([5, 4]))
    assert prb_to_subcarriers(np.array([], dtype=int)).shape == (0,)


@settings(max_examples=50, deadline=None)
@given(
    prbs=st.lists(st.integers(0, 274), max_size=30),
    rb_offset=st.integers(-10, 100),
)
def test_prb_to_subcarriers_matches_twin(prbs, rb_offset):
    if prbs and min(prbs) + rb_offset < 0:
        with pytest.raises(ConfigError, match="prbs"):
            prb_to_subcarriers(np.array(prbs, dtype=np.int64), rb_offset=rb_offset)
        return
    got = prb_to_subcarriers(np.array(prbs, dtype=np.int64), rb_offset=rb_offset)
    np.testing.assert_array_equal(got, prb_to_subcarriers_twin(prbs, rb_offset))


def test_prb_to_subcarriers_errors():
    with pytest.raises(ConfigError, match="prbs"):
        prb_to_subcarriers([1.0, 2.0])
    with pytest.raises(ConfigError, match="prbs"):
        prb_to_subcarriers([True])
    with pytest.raises(ConfigError, match="prbs"):
        prb_to_subcarriers([-1])
    with pytest.raises(ConfigError, match="rb_offset"):
        prb_to_subcarriers([1], rb_offset=0.5)
