"""The README's Python example runs as written."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "README has no Python example"
    code = blocks[0]
    assert len([line for line in code.splitlines() if line.strip()]) <= 13
    exec(compile(code, str(README), "exec"), {})
    crc_ok, ber, iters = (float(x) for x in capsys.readouterr().out.split())
    assert crc_ok == 1.0 and ber == 0.0 and 1.0 <= iters <= 20.0


def test_readme_pusch_example_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 2, "README has no PUSCH example"
    exec(compile(blocks[1], str(README), "exec"), {})
    out = capsys.readouterr().out
    assert "(2, 7, 11)" in out and "(4, 2, 14, 288)" in out


def test_readme_channel_example_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 3, "README has no channel example"
    exec(compile(blocks[2], str(README), "exec"), {})
    assert capsys.readouterr().out.strip() == "(4, 2, 2, 14, 624) (4, 2, 14, 624)"


def test_readme_user_guide_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    guide = next(b for b in blocks if "PuschLink" in b)
    assert len([line for line in guide.splitlines() if line.strip()]) <= 15
    exec(compile(guide, str(README), "exec"), {})
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3
    throughput = [float(line.split()[-1].rstrip("%")) for line in lines]
    assert throughput[0] <= throughput[1] <= throughput[2] and throughput[2] >= 95.0


def test_readme_campaign_loads():
    """The README's campaign TOML is a valid campaign, and its CLI lines name real commands."""
    from nrlink.cli.main import app
    from nrlink.sim.campaign import Campaign

    text = README.read_text()
    (toml,) = re.findall(r"```toml\n(.*?)```", text, flags=re.S)
    camp = Campaign.from_toml(toml)
    assert camp.name == "pusch-tdlc" and len(camp.configurations) == 2
    assert len(camp.points) == 16
    commands = {c.name or c.callback.__name__ for c in app.registered_commands}
    used = set(re.findall(r"^nrlink (\w+)", text, flags=re.M))
    assert used and used <= commands
