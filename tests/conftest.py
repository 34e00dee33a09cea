"""Shared fixtures: locate ``shared/`` (reference vectors, tables) beside the repo."""

from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():  # never skip: CI lays shared/ beside the clone
        raise FileNotFoundError(f"reference data not found at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def vectors(shared_dir):
    """Load a reference-vector file by stem: ``vectors('crc')['24A_len20_in']``."""
    cache = {}

    def load(name: str):
        if name not in cache:
            cache[name] = dict(np.load(shared_dir / "vectors" / f"{name}.npz"))
        return cache[name]

    return load
