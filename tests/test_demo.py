"""The `make demo` entry point runs end to end and prints its table."""

from nrlink.cli.demo import main, wilson_interval


def test_demo_runs_and_prints_table(capsys):
    main(["--tbs", "200", "--blocks", "20", "--seed", "1"])
    out = capsys.readouterr().out
    assert "LDPC BLER demo" in out
    assert out.count("Eb/N0 [dB]") == 3
    rows = [line for line in out.splitlines() if line.strip().startswith(("0.", "1.", "2."))]
    assert len(rows) == 12
    assert all(int(r.split()[1]) == 20 for r in rows)


def test_wilson_interval_contains_estimate_and_is_ordered():
    for k, n in [(0, 10), (3, 10), (10, 10), (50, 1000)]:
        lo, hi = wilson_interval(k, n)
        assert 0.0 <= lo <= k / n <= hi <= 1.0
    lo, hi = wilson_interval(0, 2000)
    assert lo == 0.0 and abs(hi - 1.92e-3) < 1e-4  # the rule of three, roughly 3.84/n
