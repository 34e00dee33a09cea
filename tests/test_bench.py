"""The benchmark scripts run and print one JSON object per row (no timing asserted)."""

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench"


def test_coding_bench_json_rows():
    out = subprocess.run([sys.executable, str(BENCH / "coding.py"), "--json"],
                         capture_output=True, text=True, check=True, timeout=300).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    names = {r["name"] for r in rows}
    assert {"crc24a_attach", "rate_recover", "encode_tb", "decode_tb_noiseless"} <= names
    for r in rows:
        assert r["mbps"] > 0 and r["seconds"] > 0
        assert {"nrlink", "numba", "cpu", "seed", "spec_versions"} <= r.keys()


def test_phy_bench_json_rows():
    out = subprocess.run([sys.executable, str(BENCH / "phy.py"), "--json", "--quick"],
                         capture_output=True, text=True, check=True, timeout=300).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    names = {r["name"] for r in rows}
    assert {"demap_maxlog_qm8", "ofdm_mod_demod", "pusch_tx_grid"} <= names
    for r in rows:
        assert r["seconds"] > 0 and (r.get("mps", 0) > 0 or r.get("ms", 0) > 0)
        assert {"nrlink", "numba", "cpu", "seed", "spec_versions"} <= r.keys()


def test_channel_bench_json_rows():
    out = subprocess.run([sys.executable, str(BENCH / "channel.py"), "--json"],
                         capture_output=True, text=True, check=True, timeout=300).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    names = {r["name"] for r in rows}
    assert {"tdlc_4x4_freq", "tdlc_4x4_time", "cdlc_4x4_freq"} <= names
    for r in rows:
        assert r["ms"] > 0 and {"nrlink", "numba", "cpu", "seed"} <= r.keys()


def test_link_bench_json_rows():
    out = subprocess.run([sys.executable, str(BENCH / "link.py"), "--json"],
                         capture_output=True, text=True, check=True, timeout=300).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    names = {r["name"] for r in rows}
    assert {"pusch_awgn_end_to_end", "stage_decoding", "stage_estimation"} <= names
    for r in rows:
        assert r["ms_per_slot"] > 0 and {"nrlink", "numba", "cpu", "seed"} <= r.keys()
