"""Tests of nrlink.spec.ts38211.mapping (TS 38.211 §7.3.1.5-6, §6.3.1.6-7)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.spec.ts38211.mapping import (
    allocation_mask,
    data_re_mask,
    extract_from_grid,
    map_to_grid,
)


def test_allocation_mask_shape_and_content():
    m = allocation_mask(n_symb_slot=14, n_sc=120, prbs=[0, 3, 4], l_start=1, l_duration=12)
    assert m.shape == (14, 120)
    assert m.sum() == 3 * 12 * 12
    assert not m[0].any() and not m[13].any()
    assert m[1, :12].all() and not m[1, 12:36].any() and m[1, 36:60].all()


def test_mapping_order_is_frequency_first_then_time():
    """§6.3.1.6: increasing k first, then l — checked against an explicit double loop."""
    rng = np.random.default_rng(1)
    mask = rng.random((14, 48)) < 0.6
    y = np.arange(1, mask.sum() + 1)[None, :]
    grid = map_to_grid(y, mask)
    expected = np.zeros((1, 14, 48), dtype=y.dtype)
    i = 0
    for sym in range(14):
        for k in range(48):
            if mask[sym, k]:
                expected[0, sym, k] = y[0, i]
                i += 1
    np.testing.assert_array_equal(grid, expected)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_rb=st.integers(1, 20),
    layers=st.integers(1, 4),
    batch=st.integers(1, 3),
    l_start=st.integers(0, 13),
)
def test_map_extract_round_trip(seed, n_rb, layers, batch, l_start):
    rng = np.random.default_rng(seed)
    n_sc = 12 * n_rb
    prbs = np.flatnonzero(rng.random(n_rb) < 0.7)
    if prbs.size == 0:
        prbs = np.array([0])
    l_duration = int(rng.integers(1, 14 - l_start + 1))
    alloc = allocation_mask(
        n_symb_slot=14, n_sc=n_sc, prbs=prbs, l_start=l_start, l_duration=l_duration
    )
    dmrs = np.zeros_like(alloc)
    dmrs[l_start, ::2] = True
    mask = data_re_mask(alloc, dmrs, None)
    assert mask.sum() + (alloc & dmrs).sum() == alloc.sum()
    y = (rng.standard_normal((batch, layers, mask.sum()))
         + 1j * rng.standard_normal((batch, layers, mask.sum()))).astype(np.complex64)
    grid = map_to_grid(y, mask)
    assert grid.shape == (batch, layers, 14, n_sc)
    assert np.all(grid[..., ~mask] == 0)
    np.testing.assert_array_equal(extract_from_grid(grid, mask), y)


def test_map_into_existing_grid_keeps_other_res():
    mask = np.zeros((2, 12), dtype=bool)
    mask[1, 3:6] = True
    grid = np.full((1, 2, 12), 7.0)
    out = map_to_grid(np.array([[1.0, 2.0, 3.0]]), mask, grid)
    assert out is grid
    assert out[0, 1, 3:6].tolist() == [1.0, 2.0, 3.0] and out[0, 0].tolist() == [7.0] * 12


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_sc": 13}, "n_sc"),
        ({"prbs": []}, "prbs"),
        ({"prbs": [5]}, "prbs"),
        ({"prbs": [1, 1]}, "prbs"),
        ({"prbs": [0.5]}, "prbs"),
        ({"l_start": 10, "l_duration": 5}, "l_start"),
        ({"l_duration": 0}, "l_duration"),
    ],
)
def test_allocation_mask_rejects(kwargs, match):
    args = {"n_symb_slot": 14, "n_sc": 48, "prbs": [0, 1], "l_start": 0, "l_duration": 14}
    args.update(kwargs)
    with pytest.raises(ConfigError, match=match):
        allocation_mask(**args)


def test_shape_errors():
    mask = np.ones((14, 12), dtype=bool)
    with pytest.raises(ConfigError, match="y.shape"):
        map_to_grid(np.zeros((1, 5)), mask)
    with pytest.raises(ConfigError, match="y.shape"):
        map_to_grid(np.zeros(168), mask)
    with pytest.raises(ConfigError, match="mask"):
        map_to_grid(np.zeros((1, 168)), mask.ravel())
    with pytest.raises(ConfigError, match="grid.shape"):
        map_to_grid(np.zeros((1, 168)), mask, np.zeros((2, 14, 12)))
    with pytest.raises(ConfigError, match="grid.shape"):
        extract_from_grid(np.zeros((1, 14, 24)), mask)
    with pytest.raises(ConfigError, match="mask shape"):
        data_re_mask(mask, np.ones((14, 24), dtype=bool))
