"""The benchmark scripts run and print one JSON object per row (no timing asserted)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"

META = {"nrlink", "numba", "cpu", "seed", "spec_versions"}


def _rows(script: str, *args: str) -> list[dict]:
    out = subprocess.run([sys.executable, str(BENCH / script), "--json", *args],
                         capture_output=True, text=True, check=True, timeout=300).stdout
    return [json.loads(line) for line in out.splitlines()]


@pytest.mark.parametrize(("script", "args", "names", "measure"), [
    ("coding.py", (), {"crc24a_attach", "rate_recover", "encode_tb", "decode_tb_noiseless"},
     ("mbps", "seconds")),
    ("phy.py", ("--quick",), {"demap_maxlog_qm8", "ofdm_mod_demod", "pusch_tx_grid"},
     ("seconds",)),
    ("channel.py", (), {"tdlc_4x4_freq", "tdlc_4x4_time", "cdlc_4x4_freq"}, ("ms",)),
    ("link.py", (), {"pusch_awgn_end_to_end", "pusch_awgn_stage_decoding",
                     "pdsch_273prb_4x4_tdlc_end_to_end", "pdsch_273prb_4x4_tdlc_stage_detection"},
     ("ms_per_slot",)),
])
def test_bench_json_rows(script, args, names, measure):
    rows = _rows(script, *args)
    assert names <= {r["name"] for r in rows}
    for r in rows:
        assert all(r[key] > 0 for key in measure)
        if script == "phy.py":  # a rate (M/s) or a time per slot (ms), per row
            assert r.get("mps", 0) > 0 or r.get("ms", 0) > 0
        assert META <= r.keys()


def test_campaign_bench_rows():
    rows = {r["name"]: r for r in _rows("campaign.py", "--quick")}
    assert {"scaling_w1", "scaling_w2", "engine_overhead"} <= set(rows)
    assert rows["scaling_w2"]["identical_counts"] is True
    assert all(r["wall_s"] > 0 for r in rows.values())
    assert rows["engine_overhead"]["ms_per_unit"] > 0 and rows["scaling_w2"]["speedup"] > 0


def test_polar_bench_rows():
    rows = {r["name"]: r for r in _rows("polar.py", "--quick")}
    assert {"decode_sc", "decode_scl8", "encode"} <= set(rows)
    assert all(r["codewords_per_s"] > 0 for r in rows.values())
    assert all(META <= r.keys() for r in rows.values())


def test_cell_search_bench_rows():
    rows = _rows("cell_search.py", "--quick")
    names = {r["name"] for r in rows}
    assert {"speed", "speed_no_pbch", "pd_awgn"} <= names
    pd = [r for r in rows if r["name"] == "pd_awgn"]
    assert all(0 <= r["pd"] <= 1 for r in pd) and all(META <= r.keys() for r in rows)
    assert max(r["pd"] for r in pd) == 1.0  # found at high SNR
