"""The packaged TR 38.901 / TS 38.101-4 tables equal ../shared/tables and load as data."""

from importlib.resources import files

import pytest

from nrlink.spec.tables import TR38901_TABLES, tr38901_table

_SHARED = {name: ("ts_38_101_4" if name[-1].isdigit() else "v19_2") for name in TR38901_TABLES}


@pytest.mark.parametrize("name", TR38901_TABLES)
def test_packaged_copy_equals_shared(shared_dir, name):
    packaged = (files("nrlink.spec.tables") / "tr38901" / f"{name}.json").read_bytes()
    assert packaged == (shared_dir / "tables" / "tr38901" / _SHARED[name] / f"{name}.json"
                        ).read_bytes()


@pytest.mark.parametrize("name", TR38901_TABLES)
def test_tables_are_consistent(name):
    t = tr38901_table(name)
    n = len(t["delays"])
    assert len(t["powers"]) == n == t["num_clusters"] + t["los"]
    for key in ("aod", "aoa", "zod", "zoa"):
        if key in t:
            assert len(t[key]) == n
    with pytest.raises(TypeError):
        t["los"] = 3  # read-only


def test_unknown_table():
    with pytest.raises(ValueError, match="name='TDL-F'"):
        tr38901_table("TDL-F")
