"""The self-contained HTML conformance report (nrlink.sim.report), from hand-made results."""

import base64
import re
import struct
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.sim.conformance import CasePoint, CaseResult, Frc, Requirement
from nrlink.sim.report import plot_case, render_report, write_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
IMG = '<img src="data:image/png;base64,'
VOID = {"meta", "img", "br", "hr", "link", "input", "col", "area", "base", "wbr", "source"}


# --------------------------------------------------------------------------- helpers
def frc(name: str = "G-FR1-A3-8") -> Frc:
    return Frc(name=name, scs_khz=15, n_prb=25, modulation="QPSK",
               target_code_rate="193/1024", layers=1, transform_precoding=False,
               annex_table="A.3-2")


def requirement(name: str = "G-FR1-A3-8", snr: float = -2.3, n_rx: int = 2) -> Requirement:
    return Requirement(table="8.2.1.2-1", version="V15.19.0", channel_bandwidth_mhz=5,
                       scs_khz=15, frc=frc(name), propagation="TDLB100", max_doppler_hz=400,
                       correlation="Low", n_tx=1, n_rx=n_rx, fraction=0.7,
                       required_snr_db=snr)


def point(snr: float, thr: float, half: float = 0.015, n: int = 2500) -> CasePoint:
    return CasePoint(snr_db=snr, throughput=thr, lo=max(0.0, thr - half),
                     hi=min(1.0, thr + half), tbs=n, transmissions=int(n / max(thr, 0.3)),
                     bler=1 - thr)


def result(verdict: str, *, name: str = "G-FR1-A3-8", snr: float = -2.3,
           thr=(0.55, 0.68, 0.8, 0.9), notes=(), bound: str = "",
           x70: float | None = -1.9) -> CaseResult:
    pts = tuple(point(snr - 2 + i, t) for i, t in enumerate(thr))
    at = next(p for p in pts if abs(p.snr_db - snr) < 1e-9) if pts else point(snr, 0.7)
    return CaseResult(requirement=requirement(name, snr), receiver="default", points=pts,
                      at_required=at, verdict=verdict, snr_at_target_db=x70,
                      margin_db=None if x70 is None else x70 - snr, margin_bound=bound,
                      notes=tuple(notes))


class Report(HTMLParser):
    """Collects what the tests look at and checks that elements nest properly."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.rows: list[list[str]] = []  # rows of the cases table (tbody), cell texts
        self.row_classes: list[list[str]] = []
        self.images: list[str] = []
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.text: list[str] = []
        self.tags: set[str] = set()
        self._in_cases = self._in_tbody = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        if a.get("id"):
            self.ids.append(a["id"])
        if a.get("href"):
            self.hrefs.append(a["href"])
        if tag == "img":
            self.images.append(a.get("src") or "")
        if tag == "table" and a.get("class") == "cases":
            self._in_cases = True
        if self._in_cases and tag == "tbody":
            self._in_tbody = True
        if self._in_tbody and tag == "tr":
            self.rows.append([])
            self.row_classes.append([])
        if self._in_tbody and tag == "td":
            self._cell = []
            self.row_classes[-1].append(a.get("class") or "")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()
        if tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None
        if tag == "tbody":
            self._in_tbody = False
        if tag == "table":
            self._in_cases = False

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def parse(text: str) -> Report:
    p = Report()
    p.feed(text)
    p.close()
    assert not p.errors, p.errors[:5]
    assert p.stack == [], p.stack
    return p


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def three():
    """One passing, one failing and one inconclusive case (a case id with markup in it)."""
    return [
        result("pass", thr=(0.55, 0.68, 0.8, 0.9)),
        result("fail", name="G-FR1-A4-8 <blink>&", snr=10.1, thr=(0.2, 0.35, 0.5, 0.62),
               bound=">", x70=11.1, notes=["a note with <i>markup</i> & ampersand"]),
        result("inconclusive", name="G-FR1-A5-8", snr=12.3, thr=(0.4, 0.6, 0.7, 0.75),
               x70=12.3),
    ]


@pytest.fixture(scope="module")
def written(three, tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "r.html"
    out = write_report(three, path, meta={"command": "nrlink conformance --filter '<x>'"})
    return out, path.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- report
def test_report_parses_with_one_row_and_one_png_per_case(three, written):
    out, text = written
    assert out == written[0] and out.is_file()
    assert text.startswith("<!DOCTYPE html>")
    p = parse(text)
    assert len(p.rows) == len(three)
    assert text.count(IMG) == len(three)
    assert len(p.images) == len(three)
    for src in p.images:
        data = base64.b64decode(src.removeprefix("data:image/png;base64,"), validate=True)
        assert data.startswith(PNG_MAGIC)
        w, h = png_size(data)
        assert w >= 400 and h >= 250
    # each row: case, table, required SNR, throughput [CI], verdict, SNR at 70 %, margin, notes
    assert all(len(r) == 8 for r in p.rows)
    assert [r[0] for r in p.rows] == [r.case_id for r in three]
    assert [r[4] for r in p.rows] == ["pass", "fail", "inconclusive"]
    assert p.rows[0][2] == "-2.3 dB" and p.rows[0][1] == "8.2.1.2-1"
    assert p.rows[0][3] == "80.0% [78.5%, 81.5%]"
    assert p.rows[0][6] == "+0.40 dB"
    assert p.rows[1][5] == "> 11.10 dB" and p.rows[1][6] == "> +1.00 dB"


def test_report_verdict_classes_and_summary(written):
    _, text = written
    p = parse(text)
    assert [c[4] for c in p.row_classes] == ["verdict pass", "verdict fail",
                                             "verdict inconclusive"]
    for v in ("pass", "fail", "inconclusive"):
        assert f'class="verdict {v}"' in text
        assert re.search(rf"\.{v}\s*\{{", text), f"no CSS for .{v}"
    flat = " ".join(" ".join(p.text).split())
    assert "3 cases: 1 pass 1 fail 1 inconclusive" in flat


def test_report_escapes_every_text(three, written):
    _, text = written
    assert "<blink>&" not in text and "<i>markup</i>" not in text and "'<x>'" not in text
    assert "G-FR1-A4-8 &lt;blink&gt;&amp;" in text
    p = parse(text)
    assert "blink" not in p.tags and "i" not in p.tags  # the case id's markup is text only
    flat = "".join(p.text)
    assert three[1].case_id in flat
    assert "a note with <i>markup</i> & ampersand" in flat
    assert "nrlink conformance --filter '<x>'" in flat


def test_report_is_self_contained(written):
    _, text = written
    p = parse(text)
    assert not {"script", "link", "iframe", "object"} & p.tags
    assert "style" in p.tags
    assert not re.search(r"(src|href)=\"(https?:)?//", text)
    assert all(h.startswith("#") for h in p.hrefs)
    assert all(h[1:] in p.ids for h in p.hrefs)  # the table links to each case's section
    assert len(set(p.ids)) == len(p.ids)


def test_report_header_meta(written):
    from nrlink.sim.store import code_version

    _, text = written
    flat = " ".join(" ".join(parse(text).text).split())
    for key in ("date", "nrlink", "receiver", "machine", "command"):
        assert key in flat
    assert code_version() in flat
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", flat)


def test_meta_overrides_and_drops_defaults(three):
    text = render_report(three[:1], title="T <1>",
                         meta={"machine": None, "receiver": "perfect CSI", "extra": 3})
    p = parse(text)
    flat = " ".join(" ".join(p.text).split())
    assert "machine" not in flat and "perfect CSI" in flat and "extra 3" in flat
    assert "<title>T &lt;1&gt;</title>" in text


def test_duplicate_cases_get_distinct_sections(three):
    p = parse(render_report([three[0], three[0]]))
    assert len(p.rows) == 2 and len(p.images) == 2
    assert len(set(p.ids)) == len(p.ids)


def test_empty_report_is_valid():
    text = render_report([])
    p = parse(text)
    assert p.rows == [] and p.images == []
    assert "0 cases" in " ".join(" ".join(p.text).split())


def test_write_report_refuses_other_objects(tmp_path, three):
    with pytest.raises(ConfigError, match="results"):
        write_report([three[0], "x"], tmp_path / "r.html")
    with pytest.raises(ConfigError, match="results"):
        write_report(5, tmp_path / "r.html")
    with pytest.raises(ConfigError, match="meta"):
        write_report(three, tmp_path / "r.html", meta=["a"])
    assert not (tmp_path / "r.html").exists()


def test_write_report_accepts_a_single_result(tmp_path, three):
    text = write_report(three[0], tmp_path / "one.html").read_text(encoding="utf-8")
    assert text.count(IMG) == 1


# --------------------------------------------------------------------------- figure
@pytest.mark.parametrize("case", [
    result("pass"),
    result("fail", bound=">", x70=0.0),
    result("pass", bound="<", x70=-4.3),
    result("inconclusive", x70=None),
    result("pass", thr=()),  # no sweep: the point at the required SNR alone
    CaseResult(requirement=requirement(), receiver="x", points=(), verdict="inconclusive",
               at_required=CasePoint(-2.3, 0.0, 0.0, 1.0, 0, 0, float("nan")),
               snr_at_target_db=None, margin_db=None),
])
def test_plot_case_is_a_png(case):
    data = plot_case(case)
    w, h = png_size(data)
    assert (w, h) == (640, 400)
    assert plot_case(case, dpi=50)[:8] == PNG_MAGIC


def test_plot_case_validates():
    with pytest.raises(ConfigError, match="result"):
        plot_case("G-FR1-A3-8")
    with pytest.raises(ConfigError, match="dpi"):
        plot_case(result("pass"), dpi=0)
    with pytest.raises(ConfigError, match="dpi"):
        plot_case(result("pass"), dpi=True)


# printable Latin-1 (the plot's font has every glyph) with the HTML and mathtext specials
TEXT = st.characters(codec="latin-1", categories=("L", "N", "P", "S", "Zs"))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.text(TEXT, min_size=1, max_size=30), note=st.text(TEXT, max_size=40))
def test_any_text_round_trips_through_the_html(name, note):
    r = result("pass", name=name, notes=[note] if note else [])
    p = parse(render_report([r], meta={"note": note}))
    assert len(p.rows) == 1 and len(p.images) == 1
    assert p.rows[0][0] == r.case_id.strip()
    flat = "".join(p.text)
    assert r.case_id in flat and note in flat
