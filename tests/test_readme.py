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
