"""Campaign descriptions (nrlink.sim.campaign): loading, points, sweeps, validation, fuzzing.

The loader's contract: any description that cannot run is refused with a
:class:`CampaignError` whose message is one line and starts with the key path; nothing
else ever escapes. The hypothesis tests below check that on mutated documents, random
text and random valid campaigns.
"""

import copy
import dataclasses
import itertools
import math
import os
import re
import tomllib
import types
import typing

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from nrlink.config.carrier import BwpConfig, CarrierConfig
from nrlink.config.cdl import AntennaArrayConfig, CdlConfig
from nrlink.config.dmrs import DmrsConfig, PtrsConfig
from nrlink.config.pdsch import PdschConfig
from nrlink.config.pusch import PuschConfig
from nrlink.config.tdl import TdlConfig
from nrlink.config.transport_block import TransportBlockConfig
from nrlink.errors import ConfigError
from nrlink.link.coding import TransportBlockLink
from nrlink.link.control import CONTROL_LINKS
from nrlink.link.harq import HarqConfig
from nrlink.link.links import PdschLink, PuschLink
from nrlink.rx.ldpc_decoder import LdpcDecoderConfig
from nrlink.rx.receiver import ReceiverConfig
from nrlink.sim.campaign import (
    MAX_POINTS,
    Campaign,
    CampaignError,
    Point,
    RunSettings,
    load_campaign,
)
from nrlink.sim.presets import preset_names, preset_summary, preset_text
from nrlink.sim.stopping import StoppingRule

# ----------------------------------------------------------------------------- helpers

DEL = object()  # edit(): delete the key

PUSCH_SMALL = {
    "name": "small",
    "description": "PUSCH 8 PRB over AWGN",
    "seed": 11,
    "link": {"type": "pusch",
             "pusch": {"mcs_index": 4, "carrier": {"scs_khz": 30, "n_size_grid": 8}}},
    "snr": {"values_db": [0.0, 2.0, 4.0]},
    "stopping": {"target_errors": 5, "max_tbs": 50},
    "run": {"batch_size": 2, "slots_per_unit": 1},
}
TDL = {"type": "tdl", "model": "TDL-C", "delay_spread_ns": 300.0, "doppler_hz": 10.0}
TB = {"type": "tb", "tb": {"tbs": 1000, "target_code_rate": 0.5, "g": 2400, "qm": 2}}


def edit(changes: dict | None = None, base: dict = PUSCH_SMALL) -> dict:
    """A deep copy of ``base`` with ``{"dotted.path": value}`` applied (DEL deletes).

    Intermediate tables are created; a key holding dots (a sweep key) is set through
    its parent: ``{"sweep": {"link.pusch.mcs_index": [4]}}``.
    """
    doc = copy.deepcopy(base)
    for path, value in (changes or {}).items():
        *parents, last = path.split(".")
        node = doc
        for k in parents:
            node = node.setdefault(k, {})
        if value is DEL:
            node.pop(last, None)
        else:
            node[last] = copy.deepcopy(value)
    return doc


def assert_one_line(msg: str) -> None:
    assert msg, "empty message"
    assert len(msg.splitlines()) == 1, f"not one line: {msg!r}"
    assert msg == msg.strip(), f"surrounding whitespace: {msg!r}"


def _toml_str(s: str) -> str:
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return _toml_str(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_toml_str(k)} = {_toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(f"not TOML data: {v!r}")


def to_toml(doc: dict) -> str:
    """``doc`` as TOML text (every table inline): ``tomllib.loads`` gives ``doc`` back."""
    return "".join(f"{_toml_str(k)} = {_toml_value(v)}\n" for k, v in doc.items())


# ----------------------------------------------------------------------------- presets


def test_preset_names():
    names = preset_names()
    assert names == tuple(sorted(names))
    assert "quick" in names and len(names) >= 5


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_loads(name):
    c = load_campaign(name)
    assert c.name == name
    assert c.description == preset_summary(name) != ""
    assert len(c.points) == len(c.configurations) * len(c.snr_db) > 0
    assert len(set(c.labels)) == len(c.labels) == len(c.configurations)
    assert isinstance(c.stopping, StoppingRule) and isinstance(c.run, RunSettings)
    cls = {"pusch": PuschLink, "pdsch": PdschLink, "tb": TransportBlockLink,
           **CONTROL_LINKS}[c.link_type]
    assert all(isinstance(c.link(i), cls) for i in range(len(c.configurations)))
    assert Campaign.from_toml(preset_text(name)).points == c.points
    assert Campaign(c.to_dict()).points == c.points


def _applied(link, key):
    """The value of sweep key ``key`` as the built link holds it."""
    root, *rest = key.split(".")
    if root == "link":
        node = link.config  # link.<type>.<field...>: the link's configuration
        for k in rest[1:]:
            node = getattr(node, k)
        return node
    if root == "channel" and rest == ["num_rx"]:
        return link.num_rx
    return getattr(getattr(link, root), rest[0])  # harq / decoder / receiver fields


@pytest.mark.parametrize("name", preset_names())
def test_preset_contents(name):
    """Whatever the presets hold: settings as written, each swept value in its link."""
    c = load_campaign(name)
    doc = tomllib.loads(preset_text(name))
    assert c.document == doc and c.seed == doc.get("seed", 0)
    assert c.stopping == StoppingRule.from_dict(doc.get("stopping", {}))
    assert c.run == RunSettings(**doc.get("run", {}))
    assert len(c.configurations) == math.prod(len(v) for v in doc.get("sweep", {}).values())
    for i, overrides in enumerate(c.configurations):
        link = c.link(i)
        for key, value in overrides:
            assert _applied(link, key) == value, (name, i, key)


# ----------------------------------------------------------------------------- points


def test_defaults_without_sweep():
    c = Campaign(edit({"run": DEL, "stopping": DEL, "seed": DEL, "description": DEL}))
    assert c.seed == 0 and c.description == ""
    assert c.run == RunSettings() and c.run.slots == 32
    assert c.stopping == StoppingRule()
    assert c.configurations == ((),) and c.labels == ("small",)
    assert c.link_type == "pusch"
    assert [p.params for p in c.points] == [
        {"config": 0, "label": "small", "snr_db": s} for s in (0.0, 2.0, 4.0)]
    assert repr(c) == ("Campaign(name='small', link='pusch', configurations=1, "
                       "snr_db=[0.0, 2.0, 4.0])")


def test_name_is_stripped():
    assert Campaign(edit({"name": "  padded "})).name == "padded"


def test_points_configuration_major():
    c = Campaign(edit({"sweep": {"link.pusch.mcs_index": [4, 9]}}))
    assert [p.index for p in c.points] == list(range(6))
    assert [(p.config_index, p.snr_db) for p in c.points] == [
        (0, 0.0), (0, 2.0), (0, 4.0), (1, 0.0), (1, 2.0), (1, 4.0)]
    assert c.labels == ("mcs_index=4", "mcs_index=9")
    assert c.configurations == ((("link.pusch.mcs_index", 4),), (("link.pusch.mcs_index", 9),))
    p = c.points[4]
    assert p == Point(index=4, config_index=1, label="mcs_index=9", snr_db=2.0,
                      overrides=(("link.pusch.mcs_index", 9),))
    assert p.params == {"config": 1, "label": "mcs_index=9", "snr_db": 2.0,
                        "link.pusch.mcs_index": 9}
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.snr_db = 1.0  # type: ignore[misc]


def test_snr_values_db():
    c = Campaign(edit({"snr": {"values_db": [-1, 0.5, 7]}}))
    assert c.snr_db == (-1.0, 0.5, 7.0)
    assert all(type(s) is float for s in c.snr_db)


@pytest.mark.parametrize(("start", "stop", "step", "expected"), [
    (-5.0, 3.0, 0.5, tuple(-5.0 + 0.5 * i for i in range(17))),
    (0.0, 0.3, 0.1, (0.0, 0.1, 0.2, 0.3)),          # 0.3/0.1 = 2.9999999999999996
    (0.0, 1.0, 0.3, (0.0, 0.3, 0.6, 0.9)),          # stop not on the grid
    (2, 2, 1, (2.0,)),                              # one point, integers accepted
    (-4.0, 22.0, 1.0, tuple(float(x) for x in range(-4, 23))),
    (0.1, 0.7, 0.2, (0.1, 0.3, 0.5, 0.7)),          # 0.1 + 3 * 0.2 = 0.7000000000000001
])
def test_snr_range(start, stop, step, expected):
    c = Campaign(edit({"snr": {"start_db": start, "stop_db": stop, "step_db": step}}))
    assert c.snr_db == expected
    assert len(c.points) == len(expected)


def test_snr_range_minus5_to_3_has_17_values():
    c = Campaign(edit({"snr": {"start_db": -5.0, "stop_db": 3.0, "step_db": 0.5}}))
    assert len(c.snr_db) == 17 and c.snr_db[0] == -5.0 and c.snr_db[-1] == 3.0
    assert np.allclose(np.diff(c.snr_db), 0.5, rtol=0, atol=1e-12)


def test_sweep_cartesian_product_order():
    sweep = {"link.pusch.mcs_index": [4, 9, 14], "harq.max_transmissions": [1, 2]}
    c = Campaign(edit({"sweep": sweep, "snr": {"values_db": [1.0, 2.0]}}))
    expected = list(itertools.product([("link.pusch.mcs_index", m) for m in (4, 9, 14)],
                                      [("harq.max_transmissions", h) for h in (1, 2)]))
    assert list(c.configurations) == expected
    assert c.labels[:3] == ("mcs_index=4, max_transmissions=1",
                            "mcs_index=4, max_transmissions=2",
                            "mcs_index=9, max_transmissions=1")
    assert len(c.points) == 12
    for i, overrides in enumerate(c.configurations):
        link = c.link(i)
        assert isinstance(link, PuschLink)
        assert link.config.mcs_index == dict(overrides)["link.pusch.mcs_index"]
        assert link.harq.max_transmissions == dict(overrides)["harq.max_transmissions"]
        assert link.config.carrier.n_size_grid == 8  # the rest of the document is kept
    assert c.points[7].params == {"config": 3, "label": "mcs_index=9, max_transmissions=2",
                                  "snr_db": 2.0, "link.pusch.mcs_index": 9,
                                  "harq.max_transmissions": 2}


def test_sweep_order_follows_the_document():
    sweep = {"harq.max_transmissions": [1, 2], "link.pusch.mcs_index": [4, 9]}
    c = Campaign(edit({"sweep": sweep}))
    assert c.labels == ("max_transmissions=1, mcs_index=4", "max_transmissions=1, mcs_index=9",
                        "max_transmissions=2, mcs_index=4", "max_transmissions=2, mcs_index=9")


def test_sweep_nested_and_channel_keys():
    doc = edit({"channel": TDL, "sweep": {"channel.num_rx": [1, 2],
                                          "link.pusch.carrier.n_size_grid": [8, 12],
                                          "channel.doppler_hz": [5.0, 50.0]}})
    c = Campaign(doc)
    assert len(c.configurations) == 8 and len(c.points) == 24
    for i, overrides in enumerate(c.configurations):
        o = dict(overrides)
        link = c.link(i)
        assert link.num_rx == o["channel.num_rx"]
        assert link.config.carrier.n_size_grid == o["link.pusch.carrier.n_size_grid"]
    assert c.labels[1] == "num_rx=1, n_size_grid=8, doppler_hz=50.0"
    # a sweep may create tables the document does not have
    d = Campaign(edit({"sweep": {"decoder.max_iterations": [2, 5]}}))
    assert [d.link(i).decoder.max_iterations for i in range(2)] == [2, 5]


@pytest.mark.parametrize(("link", "channel", "cls"), [
    ({"type": "pusch", "pusch": {"mcs_index": 4, "carrier": {"n_size_grid": 8}}}, None,
     PuschLink),
    ({"type": "pdsch", "pdsch": {"mcs_index": 4, "carrier": {"n_size_grid": 12}}},
     {"type": "cdl", "doppler_hz": 10.0}, PdschLink),
    (TB, None, TransportBlockLink),
])
def test_link_types(link, channel, cls):
    doc = edit({"link": link, **({"channel": channel} if channel else {})})
    c = Campaign(doc)
    assert c.link_type == link["type"]
    assert type(c.link(0)) is cls
    assert c.link(0) is c.link(0)  # built once, cached


def test_tb_link_sweep():
    c = Campaign(edit({"link": TB, "receiver": {"demapper": "logmap"},
                       "sweep": {"link.tb.g": [2400, 3000]}}))
    assert [c.link(i).config.g for i in range(2)] == [2400, 3000]
    assert c.link(0).demapper == "logmap"
    assert isinstance(c.link(0).config, TransportBlockConfig)


def test_point_rng_and_unit_seed():
    c = Campaign(edit({"seed": 2026}))
    a = c.point_rng(3, 5).integers(0, 2**63, 8)
    assert np.array_equal(a, c.point_rng(3, 5).integers(0, 2**63, 8))  # reproducible
    ref = np.random.Generator(np.random.PCG64(np.random.SeedSequence(2026, spawn_key=(3, 5))))
    assert np.array_equal(a, ref.integers(0, 2**63, 8))
    draws = {tuple(c.point_rng(p, u).integers(0, 2**63, 2)) for p in range(5) for u in range(5)}
    assert len(draws) == 25  # distinct across (point, unit)
    assert c.point_rng(0, 1).integers(0, 2**63) != c.point_rng(1, 0).integers(0, 2**63)
    other = Campaign(edit({"seed": 2027}))
    assert not np.array_equal(a, other.point_rng(3, 5).integers(0, 2**63, 8))
    assert c.unit_seed(3, 5) == "2026/3/5"
    assert Campaign(edit({"seed": DEL})).unit_seed(0, 0) == "0/0/0"


def test_to_dict_round_trip_and_no_aliasing():
    doc = edit({"sweep": {"link.pusch.mcs_index": [4, 9]}, "channel": TDL})
    before = copy.deepcopy(doc)
    c = Campaign(doc)
    assert doc == before  # the input is not modified
    d = c.to_dict()
    assert d == doc
    c2 = Campaign(d)
    assert c2.points == c.points and c2.labels == c.labels and c2.snr_db == c.snr_db
    d["name"] = "changed"
    doc["link"]["pusch"]["mcs_index"] = 9
    assert c.to_dict() == before and c.document == before
    assert Campaign.from_toml(to_toml(c.to_dict())).points == c.points


# ----------------------------------------------------------------------------- loading


def test_load_campaign_path_and_from_file(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(to_toml(PUSCH_SMALL), encoding="utf-8")
    for arg in (path, str(path)):
        assert load_campaign(arg).points == Campaign(PUSCH_SMALL).points
    assert Campaign.from_file(path).name == "small"
    plain = tmp_path / "campaign.txt"  # an existing file needs no .toml suffix
    plain.write_text(preset_text("quick"), encoding="utf-8")
    assert load_campaign(plain).name == "quick"


def test_load_campaign_preset_name():
    assert load_campaign("quick").points == Campaign.from_toml(preset_text("quick")).points


def test_load_campaign_unknown_name():
    with pytest.raises(CampaignError) as e:
        load_campaign("quik")
    msg = str(e.value)
    assert_one_line(msg)
    assert msg.startswith("quik: neither a campaign file nor a preset (presets: ")
    assert ", ".join(preset_names()) in msg
    assert msg.endswith("did you mean 'quick'?")
    with pytest.raises(CampaignError, match=r"^zzzzzzzz: neither .*\)$") as e:
        load_campaign("zzzzzzzz")
    assert "did you mean" not in str(e.value)


def test_load_campaign_missing_toml(tmp_path):
    missing = tmp_path / "nothere.toml"
    with pytest.raises(CampaignError, match=r"nothere\.toml: no such campaign file$") as e:
        load_campaign(missing)
    assert_one_line(str(e.value))
    assert str(e.value).startswith(str(missing))


def test_from_file_prefixes_the_file_name(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(to_toml(edit({"link.type": "pxsch"})), encoding="utf-8")
    with pytest.raises(CampaignError, match=r"^bad\.toml: link\.type: 'pxsch' is not allowed"):
        Campaign.from_file(bad)
    with pytest.raises(CampaignError, match=r"^bad\.toml: link\.type: "):
        load_campaign(bad)
    bad.write_text("name = \n", encoding="utf-8")
    with pytest.raises(CampaignError, match=r"^bad\.toml: toml: malformed TOML: .*line 1"):
        Campaign.from_file(bad)


def test_from_file_unreadable(tmp_path):
    with pytest.raises(CampaignError, match=r"cannot read the campaign file \(IsADirectory"):
        Campaign.from_file(tmp_path)
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b'name = "caf\xe9"\n')
    with pytest.raises(CampaignError, match=r"latin\.toml: cannot read the campaign file "
                                            r"\(UnicodeDecodeError") as e:
        load_campaign(latin)
    assert_one_line(str(e.value))


def test_from_toml_type_and_malformed():
    with pytest.raises(CampaignError, match=r"^campaign: expected TOML text, got bytes$"):
        Campaign.from_toml(b'name = "x"')
    for text in ('name = "x"\nname = "y"\n', "[link\n", 'name = "unterminated\n', "= 1"):
        with pytest.raises(CampaignError, match=r"^toml: malformed TOML: ") as e:
            Campaign.from_toml(text)
        assert_one_line(str(e.value))


def test_not_a_table():
    for doc in ([1], "x", None, 3):
        with pytest.raises(CampaignError, match=r"^campaign: expected a table, got "):
            Campaign(doc)


def test_campaign_error_is_a_config_error():
    assert issubclass(CampaignError, ConfigError) and issubclass(CampaignError, ValueError)


# ----------------------------------------------------------------------------- rejections

_ALLOWED_TOP = "name, description, seed, link, channel, receiver, harq, decoder, snr, sweep"
_MANY = [float(x) for x in range(MAX_POINTS + 1)]

# (id, document, regular expression the message must match from its start)
REJECTIONS = [
    # top level
    ("unknown-top-hint", edit({"sed": 1}),
     rf"^sed: unknown key \(allowed: {_ALLOWED_TOP}, stopping, run\); did you mean 'seed'\?$"),
    ("unknown-top-nohint", edit({"zzzzzz": 1}), r"^zzzzzz: unknown key \(allowed: [^)]*\)$"),
    ("unknown-top-empty", edit({"": 1}), rf"^'': unknown key \(allowed: {_ALLOWED_TOP}, "),
    ("unknown-link-empty", edit({"link.": 1}), r"^link\.'': unknown key \(allowed: type, "),
    ("name-missing", edit({"name": DEL}), r"^name: None is not allowed: expected a non-empty "),
    ("name-blank", edit({"name": "   "}), r"^name: ' ' is not allowed"),
    ("name-long", edit({"name": "x" * 201}), r"^name: 'x+' is not allowed: .*≤ 200 characters"),
    ("name-int", edit({"name": 5}), r"^name: 5 is not allowed"),
    ("description-list", edit({"description": [1]}),
     r"^description: \[1\] is not allowed: expected a string$"),
    ("seed-negative", edit({"seed": -1}),
     r"^seed: -1 is not allowed: expected an integer 0\.\.9223372036854775807$"),
    ("seed-too-big", edit({"seed": 2**63}), r"^seed: 9223372036854775808 is not allowed"),
    ("seed-bool", edit({"seed": True}), r"^seed: True is not allowed"),
    ("seed-float", edit({"seed": 1.0}), r"^seed: 1\.0 is not allowed"),
    ("seed-string", edit({"seed": "1"}), r"^seed: '1' is not allowed"),
    # tables
    ("snr-missing", edit({"snr": DEL}), r"^snr: missing table$"),
    ("snr-not-table", edit({"snr": 5}), r"^snr: expected a table, got int 5$"),
    ("link-missing", edit({"link": DEL}), r"^link: missing table$"),
    ("link-list", edit({"link": [1]}), r"^link: expected a table, got list \[1\]$"),
    ("stopping-str", edit({"stopping": "x"}), r"^stopping: expected a table, got str 'x'$"),
    ("run-int", edit({"run": 1}), r"^run: expected a table, got int 1$"),
    ("sweep-list", edit({"sweep": [1]}), r"^sweep: expected a table, got list"),
    ("channel-str", edit({"channel": "awgn"}), r"^channel: expected a table, got str 'awgn'$"),
    ("receiver-int", edit({"receiver": 1}), r"^receiver: expected a table"),
    ("harq-list", edit({"harq": [4]}), r"^harq: expected a table, got list"),
    ("decoder-bool", edit({"decoder": True}), r"^decoder: expected a table, got bool"),
    ("pusch-int", edit({"link.pusch": 3}), r"^link\.pusch: expected a table, got int 3$"),
    # snr
    ("snr-values-empty", edit({"snr": {"values_db": []}}),
     r"^snr\.values_db: \[\] is not allowed: expected a non-empty list of numbers \(dB\)$"),
    ("snr-values-scalar", edit({"snr": {"values_db": 1.0}}),
     r"^snr\.values_db: 1\.0 is not allowed"),
    ("snr-values-string", edit({"snr": {"values_db": [0.0, "1"]}}),
     r"^snr\.values_db\[1\]: '1' is not allowed: expected a finite number$"),
    ("snr-values-nan", edit({"snr": {"values_db": [0.0, math.nan]}}),
     r"^snr\.values_db\[1\]: nan is not allowed"),
    ("snr-values-inf", edit({"snr": {"values_db": [math.inf]}}),
     r"^snr\.values_db\[0\]: inf is not allowed"),
    ("snr-values-bool", edit({"snr": {"values_db": [True]}}),
     r"^snr\.values_db\[0\]: True is not allowed"),
    ("snr-values-nested", edit({"snr": {"values_db": [[1.0]]}}),
     r"^snr\.values_db\[0\]: \[1\.0\] is not allowed"),
    ("snr-decreasing", edit({"snr": {"values_db": [3.0, 1.0]}}),
     r"^snr\.values_db: \[3\.0, 1\.0\] is not allowed: SNRs must increase"),
    ("snr-repeated", edit({"snr": {"values_db": [1.0, 2.0, 2.0]}}),
     r"^snr\.values_db: \[1\.0, 2\.0, 2\.0\] is not allowed: SNRs must increase"),
    ("snr-values-and-range", edit({"snr": {"values_db": [1.0], "start_db": 0.0}}),
     r"^snr\.start_db: unknown key \(allowed: values_db\)$"),
    ("snr-range-unknown", edit({"snr": {"start_db": 0.0, "stop": 1.0, "step_db": 1.0}}),
     r"^snr\.stop: unknown key \(allowed: start_db, stop_db, step_db\); "
     r"did you mean 'stop_db'\?$"),
    ("snr-range-missing", edit({"snr": {"start_db": 0.0, "stop_db": 1.0}}),
     r"^snr\.step_db: missing \(give values_db, or start_db, stop_db and step_db\)$"),
    ("snr-step-zero", edit({"snr": {"start_db": 0.0, "stop_db": 1.0, "step_db": 0.0}}),
     r"^snr\.step_db: 0\.0 is not allowed: expected step_db > 0$"),
    ("snr-step-negative", edit({"snr": {"start_db": 0.0, "stop_db": 1.0, "step_db": -1}}),
     r"^snr\.step_db: -1\.0 is not allowed: expected step_db > 0$"),
    ("snr-stop-below-start", edit({"snr": {"start_db": 2.0, "stop_db": 1.0, "step_db": 1}}),
     r"^snr\.stop_db: 1\.0 is not allowed: expected stop_db ≥ start_db=2\.0$"),
    ("snr-step-string", edit({"snr": {"start_db": 0, "stop_db": 1, "step_db": "1"}}),
     r"^snr\.step_db: '1' is not allowed: expected a finite number$"),
    ("snr-step-table", edit({"snr": {"start_db": 0, "stop_db": 1, "step_db": {}}}),
     r"^snr\.step_db: \{\} is not allowed: expected a finite number$"),
    ("snr-start-nan", edit({"snr": {"start_db": math.nan, "stop_db": 1, "step_db": 1}}),
     r"^snr\.start_db: nan is not allowed"),
    ("snr-too-many", edit({"snr": {"start_db": 0, "stop_db": 100, "step_db": 0.001}}),
     r"^snr\.step_db: 0\.001 is not allowed: more than 10000 points from 0\.0 to 100\.0 dB$"),
    ("snr-step-tiny", edit({"snr": {"start_db": 0.0, "stop_db": 1.0, "step_db": 1e-9}}),
     r"^snr\.step_db: 1e-09 is not allowed: more than 10000 points from 0\.0 to 1\.0 dB$"),
    ("snr-steps-too-close", edit({"snr": {"start_db": 0.0, "stop_db": 1e-9, "step_db": 1e-12}}),
     r"^snr\.step_db: 1e-12 is not allowed: SNRs closer than 1e-10 dB$"),
    ("snr-values-too-many", edit({"snr": {"values_db": _MANY}}),
     r"^snr\.values_db: 10001 values is not allowed: at most 10000$"),
    # run
    ("batch-size-zero", edit({"run.batch_size": 0}),
     r"^run\.batch_size: 0 is not allowed: expected an integer 1\.\.4096$"),
    ("batch-size-big", edit({"run.batch_size": 4097}), r"^run\.batch_size: 4097 is not allowed"),
    ("batch-size-string", edit({"run.batch_size": "8"}), r"^run\.batch_size: '8' is not allowed"),
    ("batch-size-float", edit({"run.batch_size": 8.0}), r"^run\.batch_size: 8\.0 is not allowed"),
    ("slots-zero", edit({"run.slots_per_unit": 0}),
     r"^run\.slots_per_unit: 0 is not allowed: expected an integer 1\.\.100000$"),
    ("slots-big", edit({"run.slots_per_unit": 100_001}), r"^run\.slots_per_unit: 100001 "),
    ("run-unknown", edit({"run.batchsize": 8}),
     r"^run\.batchsize: unknown key \(allowed: batch_size, slots_per_unit\); "
     r"did you mean 'batch_size'\?$"),
    # stopping
    ("max-tbs-zero", edit({"stopping.max_tbs": 0}),
     r"^stopping\.max_tbs: max_tbs=0 is not allowed: max_tbs must be an integer ≥ 1"),
    ("target-errors-string", edit({"stopping.target_errors": "100"}),
     r"^stopping\.target_errors: target_errors='100' is not allowed"),
    ("confidence", edit({"stopping.confidence": 1.5}),
     r"^stopping\.confidence: confidence=1\.5 is not allowed"),
    ("interval", edit({"stopping.interval": "exact"}),
     r"^stopping\.interval: interval='exact' is not allowed"),
    ("bler-floor-nan", edit({"stopping.bler_floor": math.nan}),
     r"^stopping\.bler_floor: bler_floor=nan is not allowed"),
    ("stopping-min-above-max", edit({"stopping": {"min_tbs": 100, "max_tbs": 10}}),
     r"^stopping\.min_tbs: min_tbs=100 is not allowed: .*≤ max_tbs = 10\b"),
    ("stopping-unknown", edit({"stopping.max_tb": 1}),
     r"^stopping\.max_tb: unknown key for StoppingRule \(allowed: [^)]*\); "
     r"did you mean 'max_tbs'\?$"),
    # sweep
    ("sweep-root", edit({"sweep": {"x": [1]}}),
     r"^sweep\.x: only keys under link, channel, receiver, harq or decoder can be swept$"),
    ("sweep-snr", edit({"sweep": {"snr.values_db": [[1.0]]}}),
     r"^sweep\.snr\.values_db: only keys under "),
    ("sweep-empty", edit({"sweep": {"link.pusch.mcs_index": []}}),
     r"^sweep\.link\.pusch\.mcs_index: \[\] is not allowed: expected a non-empty list of "
     r"values$"),
    ("sweep-scalar", edit({"sweep": {"link.pusch.mcs_index": 5}}),
     r"^sweep\.link\.pusch\.mcs_index: 5 is not allowed"),
    ("sweep-unknown-path", edit({"sweep": {"link.pusch.mcs_indx": [1]}}),
     r"^link\.pusch\.mcs_indx: unknown key for PuschConfig \(allowed: [^)]*\); did you mean "
     r"'mcs_index'\? \(sweep link\.pusch\.mcs_indx=1\)$"),
    ("sweep-invalid-value", edit({"sweep": {"link.pusch.mcs_index": [4, 40],
                                            "harq.max_transmissions": [1]}}),
     r"^link\.pusch\.mcs_index: mcs_index=40\b.* \(sweep link\.pusch\.mcs_index=40, "
     r"harq\.max_transmissions=1\)$"),
    ("sweep-invalid-type", edit({"sweep": {"harq.max_transmissions": [1, "2"]}}),
     r"^harq\.max_transmissions: max_transmissions='2' is not allowed.* "
     r"\(sweep harq\.max_transmissions='2'\)$"),
    ("sweep-same-label", edit({"sweep": {"link.pusch.mcs_index": [4, 4]}}),
     r"^sweep: two configurations have the same label; sweep distinct values$"),
    ("sweep-through-non-table", edit({"harq.rv_sequence": [0],
                                      "sweep": {"harq.rv_sequence.x": [1]}}),
     r"^sweep\.harq\.rv_sequence\.x: harq\.rv_sequence is not a table$"),
    ("sweep-too-many", edit({"sweep": {"link.pusch.mcs_index": list(range(101)),
                                       "harq.max_transmissions": list(range(1, 102))}}),
     r"^sweep: 10201 configurations × 3 SNRs is more than 10000 points$"),
    ("sweep-link-type", edit({"sweep": {"link.type": ["pusch", "pdsch"]}}),
     r"^sweep\.link\.type: the link and channel types cannot be swept: run one campaign per "
     r"type$"),
    ("sweep-channel-type", edit({"sweep": {"channel.type": ["awgn", "tdl"]}}),
     r"^sweep\.channel\.type: the link and channel types cannot be swept: "),
    ("sweep-key-blank", edit({"sweep": {" ": [1]}}),
     r"^sweep\.' ': expected a dotted key path such as 'link\.pusch\.mcs_index'$"),
    # link
    ("link-type-missing", edit({"link.type": DEL}),
     r"^link\.type: None is not allowed: expected one of pusch, pdsch, tb, pbch, pdcch, "
     r"pucch$"),
    ("link-type-unknown", edit({"link.type": "pxsch"}), r"^link\.type: 'pxsch' is not allowed"),
    ("link-type-list", edit({"link.type": ["pusch"]}), r"^link\.type: \['pusch'\] is not "),
    ("link-unknown", edit({"link.foo": 1}),
     r"^link\.foo: unknown key \(allowed: type, num_rx, waveform, timing_offset_s, pusch, "
     r"pdsch, tb, pbch, pdcch, pucch\)$"),
    ("link-other-body", edit({"link.pdsch": {}}),
     r"^link\.pdsch: not allowed with link\.type='pusch'$"),
    ("tb-missing", edit({"link": {"type": "tb"}}), r"^link\.tb: missing table$"),
    ("tb-unknown", edit({"link": TB, "link.tb.rv": 1}),
     r"^link\.tb\.rv: unknown key \(allowed: tbs, target_code_rate, g, qm, layers, tbs_lbrm, "
     r"r_lbrm, enforce_max_rate\)"),
    ("tb-missing-field", edit({"link": TB, "link.tb.tbs": DEL}),
     r"^link\.tb: .*missing 1 required keyword-only argument: 'tbs'$"),
    ("tb-qm", edit({"link": TB, "link.tb.qm": 3}),
     r"^link\.tb\.qm: qm=3 is not allowed: qm must be one of 1, 2, 4, 6, 8, 10"),
    ("tb-g", edit({"link": TB, "link.tb.g": 2401}),
     r"^link\.tb\.g: g=2401 is not allowed: G must be a multiple of N_L·Q_m"),
    ("mcs-range", edit({"link.pusch.mcs_index": 40}),
     r"^link\.pusch\.mcs_index: mcs_index=40\b.*i_mcs=40 is not allowed"),
    ("mcs-string", edit({"link.pusch.mcs_index": "4"}), r"^link\.pusch\.mcs_index: mcs_index='4'"),
    ("mcs-table", edit({"link.pusch.mcs_index": {}}), r"^link\.pusch\.mcs_index: mcs_index=\{\}"),
    ("pusch-layers", edit({"link.pusch.num_layers": 5}),
     r"^link\.pusch\.num_layers: num_layers=5 is not allowed"),
    ("pusch-unknown", edit({"link.pusch.mcs_indx": 4}),
     r"^link\.pusch\.mcs_indx: unknown key for PuschConfig \(allowed: [^)]*\); "
     r"did you mean 'mcs_index'\?$"),
    ("carrier-unknown", edit({"link.pusch.carrier.n_size_grd": 8}),
     r"^link\.pusch\.carrier\.n_size_grd: unknown key for CarrierConfig \(allowed: [^)]*\); "
     r"did you mean 'n_size_grid'\?$"),
    ("dmrs-unknown", edit({"link.pusch.dmrs": {"additonal_position": 1}}),
     r"^link\.pusch\.dmrs\.additonal_position: unknown key for DmrsConfig .*"
     r"did you mean 'additional_position'\?$"),
    ("carrier-list", edit({"link.pusch.carrier": [8]}),
     r"^link\.pusch\.carrier: carrier=\(8,\) is not allowed: carrier must be a CarrierConfig$"),
    # a CarrierConfig field: the path must run through 'carrier' (campaign.py gives
    # 'link.pusch.n_size_grid' / 'link.pusch.scs_khz', keys that do not exist: see the report)
    ("n-size-grid", edit({"link.pusch.carrier.n_size_grid": 0}),
     r"^link\.pusch\.carrier(\.n_size_grid)?: n_size_grid=0 is not allowed"),
    ("carrier-scs", edit({"link.pusch.carrier.scs_khz": 7}),
     r"^link\.pusch\.carrier(\.scs_khz)?: scs_khz=7 is not allowed"),
    # a joint check on a field the document leaves at its default (start_symbol=0): the
    # path must not name start_symbol (campaign.py gives 'link.pusch.start_symbol')
    ("pusch-num-symbols", edit({"link.pusch.num_symbols": 20}),
     r"^link\.pusch(\.num_symbols)?: .*\bnum_symbols=20\b.*: l_duration=20 is not allowed"),
    ("pdsch-mcs", edit({"link": {"type": "pdsch", "pdsch": {"mcs_index": 40}}}),
     r"^link\.pdsch\.mcs_index: mcs_index=40\b"),
    ("waveform-string", edit({"link.waveform": "yes"}),
     r"^link\.waveform: 'yes' is not allowed: expected true or false$"),
    ("timing-string", edit({"link.timing_offset_s": "0"}),
     r"^link\.timing_offset_s: '0' is not allowed: expected a finite number$"),
    ("timing-nan", edit({"link.timing_offset_s": math.nan}),
     r"^link\.timing_offset_s: nan is not allowed"),
    ("timing-without-waveform", edit({"link.timing_offset_s": 1e-6}),
     r"^link\.timing_offset_s: timing_offset_s=1e-06 is not allowed without waveform=True"),
    ("timing-range", edit({"link.timing_offset_s": 1.0, "link.waveform": True, "channel": TDL}),
     r"^link\.timing_offset_s: timing_offset_s=1\.0 is not allowed: it must be a delay in "
     r"\[0, 0\.00025\)"),
    ("waveform-awgn", edit({"link.waveform": True}),
     r"^link\.waveform: true is not allowed with channel\.type='awgn': the time-domain path "
     r"needs a TDL or CDL channel$"),
    ("waveform-explicit-awgn", edit({"link.waveform": True, "channel": {"type": "awgn"}}),
     r"^link\.waveform: true is not allowed with channel\.type='awgn'"),
    ("num-rx-zero", edit({"link.num_rx": 0}),
     r"^link\.num_rx: 0 is not allowed: expected an integer 1\.\.8$"),
    ("num-rx-big", edit({"link.num_rx": 9}), r"^link\.num_rx: 9 is not allowed"),
    ("num-rx-float", edit({"link.num_rx": 1.5}), r"^link\.num_rx: 1\.5 is not allowed"),
    ("num-rx-vs-channel", edit({"link.num_rx": 2, "channel": TDL}),
     r"^link\.num_rx: num_rx=2 is not allowed: the channel has 1 receive antennas$"),
    ("awgn-ports-vs-num-rx", edit({"link.pusch.num_layers": 2, "link.num_rx": 1}),
     r"^link\.num_rx: num_rx=1 is not allowed with 2 antenna ports over AWGN"),
    ("antenna-mismatch", edit({"channel": {**TDL, "num_tx": 2}}),
     r"^link: the channel has 2 transmit antennas but the transmission has 1 antenna ports"),
    # num_layers is a PuschConfig field: campaign.py gives 'link.num_layers', a key that
    # does not exist (see the report)
    ("layers-above-rx", edit({"link.pusch.num_layers": 2, "channel": {**TDL, "num_tx": 2}}),
     r"^link\.pusch\.num_layers: num_layers=2 is not allowed with 1 receive antennas and "
     r"detector='lmmse'"),
    # channel
    ("channel-type", edit({"channel": {"type": "rayleigh"}}),
     r"^channel\.type: 'rayleigh' is not allowed with link\.type='pusch': expected one of "
     r"awgn, tdl, cdl$"),
    ("channel-type-int", edit({"channel": {"type": 5}}), r"^channel\.type: 5 is not allowed"),
    ("awgn-extra-key", edit({"channel": {"type": "awgn", "model": "TDL-C"}}),
     r"^channel\.model: unknown key \(no keys are allowed here\)$"),
    ("awgn-default-extra-key", edit({"channel": {"num_rx": 2}}),
     r"^channel\.num_rx: unknown key \(no keys are allowed here\)$"),
    ("awgn-empty-key", edit({"channel": {"": 1}}),
     r"^channel\.'': unknown key \(no keys are allowed here\)$"),
    ("tdl-delay-spread", edit({"channel": {"type": "tdl", "model": "TDL-C"}}),
     r"^channel\.delay_spread_ns: delay_spread_ns=None is not allowed with model='TDL-C'"),
    ("tdl-unknown", edit({"channel": {**TDL, "dopler_hz": 1.0}}),
     r"^channel\.dopler_hz: unknown key for TdlConfig \(allowed: [^)]*\); "
     r"did you mean 'doppler_hz'\?$"),
    ("tdl-num-tx", edit({"channel": {**TDL, "num_tx": 3}}),
     r"^channel\.num_tx: num_tx=3 is not allowed: num_tx must be one of 1, 2, 4, 8"),
    # the TDL name branch: campaign.py gives 'channel.name.name' / 'channel.name.num_tx'
    # (see the report)
    ("tdl-name", edit({"channel": {"type": "tdl", "name": "TDLX-5"}}),
     r"^channel\.name: name='TDLX-5' is not allowed"),
    ("tdl-name-num-tx", edit({"channel": {"type": "tdl", "name": "TDLA30-10", "num_tx": 3}}),
     r"^channel\.num_tx: num_tx=3 is not allowed"),
    # campaign.py now says "channel.model: unknown key (allowed: num_tx, ...)": model IS a
    # TdlConfig key, refused only because 'name' sets it (see the report)
    ("tdl-name-and-model", edit({"channel": {"type": "tdl", "name": "TDLA30-10",
                                             "model": "TDL-C"}}),
     r"^channel\.model: not allowed with name='TDLA30-10': the name sets the model"),
    ("tdl-name-unknown-kwarg", edit({"channel": {"type": "tdl", "name": "TDLA30-10",
                                                 "foo": 1}}),
     r"^channel\.foo: unknown key \(allowed: num_tx, num_rx, correlation, link_direction, "
     r"k_factor_db, los_angle_deg, num_sinusoids\)$"),
    ("tdl-name-did-you-mean", edit({"channel": {"type": "tdl", "name": "TDLA30-10",
                                                "num_tz": 2}}),
     r"^channel\.num_tz: unknown key \(allowed: [^)]*\); did you mean 'num_tx'\?$"),
    ("cdl-model", edit({"channel": {"type": "cdl", "model": "CDL-X"}}),
     r"^channel\.model: model='CDL-X' is not allowed"),
    ("cdl-array", edit({"channel": {"type": "cdl", "rx_array": [1]}}),
     r"^channel\.rx_array: rx_array=\(1,\) is not allowed"),
    ("cdl-array-unknown", edit({"channel": {"type": "cdl", "rx_array": {"nrows": 1}}}),
     r"^channel\.rx_array\.nrows: unknown key for AntennaArrayConfig .*"
     r"did you mean 'num_rows'\?$"),
    # an AntennaArrayConfig field: campaign.py gives 'channel.num_rows' (see the report)
    ("cdl-array-rows", edit({"channel": {"type": "cdl", "rx_array": {"num_rows": 0}}}),
     r"^channel\.rx_array(\.num_rows)?: num_rows=0 is not allowed"),
    # 'tb' links: QAM over AWGN only
    ("tb-channel", edit({"link": TB, "channel": TDL}),
     r"^link\.type: 'tb' links are QAM over AWGN: channel\.type must be 'awgn'"),
    ("tb-num-rx", edit({"link": {**TB, "num_rx": 1}}), r"^link\.type: 'tb' links are QAM "),
    ("tb-waveform", edit({"link": {**TB, "waveform": True}}), r"^link\.type: 'tb' links "),
    ("tb-timing", edit({"link": {**TB, "timing_offset_s": 1e-6}}), r"^link\.type: 'tb' links "),
    ("tb-receiver-key", edit({"link": TB, "receiver": {"detector": "zf"}}),
     r"^receiver\.detector: unknown key \(allowed: demapper\)$"),
    ("tb-demapper", edit({"link": TB, "receiver": {"demapper": "exact"}}),
     r"^receiver\.demapper: demapper='exact' is not allowed"),
    # receiver, HARQ, decoder
    ("receiver-detector", edit({"receiver.detector": "mmse"}),
     r"^receiver\.detector: detector='mmse' is not allowed"),
    ("receiver-estimation", edit({"receiver.channel_estimation": "xx"}),
     r"^receiver\.channel_estimation: channel_estimation='xx' is not allowed"),
    ("receiver-unknown", edit({"receiver.detektor": "zf"}),
     r"^receiver\.detektor: unknown key for ReceiverConfig \(allowed: [^)]*\); "
     r"did you mean 'detector'\?$"),
    ("harq-max-zero", edit({"harq.max_transmissions": 0}),
     r"^harq\.max_transmissions: max_transmissions=0 is not allowed"),
    ("harq-max-string", edit({"harq.max_transmissions": "2"}),
     r"^harq\.max_transmissions: max_transmissions='2' is not allowed"),
    ("harq-rv", edit({"harq.rv_sequence": [5]}),
     r"^harq\.rv_sequence: rv_sequence=5 is not allowed"),
    ("harq-rv-table", edit({"harq.rv_sequence": {"a": 0}}),
     r"^harq\.rv_sequence: rv_sequence=\{'a': 0\} is not allowed"),
    ("harq-rv-empty", edit({"harq.rv_sequence": []}),
     r"^harq\.rv_sequence: rv_sequence=\(\) is not allowed"),
    ("decoder-iterations", edit({"decoder.max_iterations": 0}),
     r"^decoder\.max_iterations: max_iterations=0 is not allowed"),
    ("decoder-alpha-nan", edit({"decoder.alpha": math.nan}),
     r"^decoder\.alpha: alpha=nan is not allowed"),
    ("decoder-rule", edit({"decoder.rule": "bp"}),
     r"^decoder\.rule: rule='bp' is not allowed"),
]


def test_rejection_ids_unique():
    ids = [r[0] for r in REJECTIONS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("doc", "pattern"), [r[1:] for r in REJECTIONS],
                         ids=[r[0] for r in REJECTIONS])
def test_rejection(doc, pattern):
    with pytest.raises(CampaignError, match=pattern) as e:
        Campaign(doc)
    assert_one_line(str(e.value))
    # the same through TOML text
    with pytest.raises(CampaignError) as e2:
        Campaign.from_toml(to_toml(doc))
    assert str(e2.value) == str(e.value)


# ----------------------------------------------------------------------------- regressions
# Inputs for which campaign.py once let another exception (or a two-line message) escape:
# NotImplementedError, OverflowError, RecursionError, AttributeError, TypeError, MemoryError.
# Each is now a CampaignError with a one-line message that starts with the key path.


def assert_refused(doc_or_text, pattern: str) -> str:
    """``doc_or_text`` (a mapping, or TOML text) raises a one-line CampaignError."""
    load = Campaign.from_toml if isinstance(doc_or_text, str) else Campaign
    with pytest.raises(CampaignError, match=pattern) as e:
        load(doc_or_text)
    msg = str(e.value)
    assert_one_line(msg)
    return msg


def test_regression_decoder_int8_flooding():
    assert_refused(edit({"decoder": {"precision": "int8", "schedule": "flooding"}}),
                   r"^decoder\.schedule: schedule='flooding' with rule='nms' is not implemented "
                   r"for precision='int8'; implemented: layered/ms, layered/nms, layered/oms$")


def test_regression_decoder_int8_spa():
    # The document sets precision and rule; schedule is left at its default 'layered' and
    # changing it cannot help (int8 implements layered only). campaign.py gives
    # "decoder.schedule: schedule='layered' with rule='spa' ...": see the report.
    assert_refused(edit({"decoder": {"precision": "int8", "rule": "spa"}}),
                   r"^decoder(\.rule|\.precision)?: .*rule='spa'.* is not implemented for "
                   r"precision='int8'")


def test_regression_pusch_ptrs_with_transform_precoding():
    doc = edit({"link.pusch.transform_precoding": True, "link.pusch.mcs_table": "tp-qam64",
                "link.pusch.ptrs": {"time_density": 1}})
    assert_refused(doc, r"^link\.pusch: PT-RS for PUSCH with transform precoding "
                        r"\(TS 38\.211 §6\.4\.1\.2\.2\.2, TS 38\.214 §6\.2\.3\.2\) is not "
                        r"implemented$")


def test_regression_pusch_ptrs_two_layers():
    doc = edit({"link.pusch.num_layers": 2,
                "link.pusch.ptrs": {"time_density": 1, "frequency_density": 2}})
    assert_refused(doc, r"^link\.pusch\.num_layers: PT-RS of a multi-layer PUSCH .* is not "
                        r"implemented; use num_layers=1$")


@pytest.mark.parametrize(("ptrs", "pattern"), [
    ({}, r"^link\.pdsch\.mcs_table: the default PT-RS rule with mcs_table='qam1024' is not "
         r"implemented "),
    ({"mcs_thresholds": [1, 2, 3]},
     r"^link\.pdsch\.mcs_table: PT-RS thresholds with mcs_table='qam1024' .* are not implemented "),
], ids=["default", "thresholds"])
def test_regression_pdsch_ptrs_qam1024(ptrs, pattern):
    doc = edit({"link": {"type": "pdsch", "pdsch": {"mcs_index": 4, "mcs_table": "qam1024",
                                                    "carrier": {"n_size_grid": 12},
                                                    "ptrs": ptrs}}})
    assert_refused(doc, pattern)


@pytest.mark.parametrize(("snr", "pattern"), [
    ({"start_db": -1e308, "stop_db": 1e308, "step_db": 1.0},   # stop - start = inf
     r"^snr\.step_db: 1\.0 is not allowed: more than 10000 points from -1e\+308 to 1e\+308 "
     r"dB$"),
    ({"start_db": 0.0, "stop_db": 1.0, "step_db": 5e-324},     # 1 / step = inf
     r"^snr\.step_db: 5e-324 is not allowed: more than 10000 points from 0\.0 to 1\.0 dB$"),
], ids=["span-overflows", "tiny-step"])
def test_regression_snr_range_overflow(snr, pattern):
    doc = edit({"snr": snr})
    msg = assert_refused(doc, pattern)
    assert assert_refused(to_toml(doc), pattern) == msg


@pytest.mark.parametrize("text", ["a = " + "[" * 1000 + "]" * 1000,
                                  "a = " + "{b=" * 1000 + "1" + "}" * 1000],
                         ids=["arrays", "inline-tables"])
def test_regression_deeply_nested_toml_values(text):
    assert_refused(text, r"^toml: malformed TOML: nested too deeply$")


def test_regression_deeply_nested_tables():
    assert_refused("[" + ".".join(["link"] * 1000) + "]\n",
                   r"^link(\.link){32}: nested deeper than 32 levels$")


def _nested(depth: int, key: str = "x") -> dict:
    """``{key: {key: ... {}}}``: ``depth`` nested tables below the root."""
    doc: dict = {}
    node = doc
    for _ in range(depth):
        node[key] = {}
        node = node[key]
    return doc


def test_regression_deeply_nested_mapping():
    assert_refused(_nested(5000), r"^x(\.x){32}: nested deeper than 32 levels$")


def test_nesting_limit_is_32_levels():
    # 32 levels pass the depth check (and fail later, on the unknown key 'x') ...
    assert_refused(_nested(32), r"^x: unknown key \(allowed: ")
    assert_refused(to_toml(_nested(32)), r"^x: unknown key \(allowed: ")
    # ... 33 do not, mapping or TOML alike
    msg = assert_refused(_nested(33), r"^x(\.x){32}: nested deeper than 32 levels$")
    assert assert_refused(to_toml(_nested(33)), r"^x(\.x){32}: ") == msg
    # arrays count as levels too; the path names the key that holds them
    deep = 1.0
    for _ in range(40):
        deep = [deep]
    assert_refused(edit({"snr": {"values_db": deep}}),
                   r"^snr\.values_db: nested deeper than 32 levels$")


def test_regression_sweep_key_with_line_break():
    text = to_toml(edit({"sweep": {"link.pusch.mcs\nindex": [1]}}))
    assert "\\u000A" in text  # a legal TOML key with an escaped line break
    assert_refused(text, r"^link\.pusch\.mcs index: unknown key for PuschConfig .*"
                         r"did you mean 'mcs_index'\? \(sweep link\.pusch\.mcs index=1\)$")


def test_regression_sweep_size_checked_before_product(monkeypatch):
    import nrlink.sim.campaign as campaign_module

    def product(*iterables):  # itertools.product that refuses to go past MAX_POINTS + 1
        for n, combo in enumerate(itertools.product(*iterables)):
            if n > MAX_POINTS:
                raise MemoryError(f"sweep product materialised past {MAX_POINTS} items")
            yield combo

    proxy = types.SimpleNamespace(**{k: getattr(itertools, k) for k in dir(itertools)
                                     if not k.startswith("_")})
    proxy.product = product
    monkeypatch.setattr(campaign_module, "itertools", proxy)
    sweep = {f"harq.k{i}": list(range(10)) for i in range(7)}
    assert_refused(edit({"sweep": sweep}),
                   r"^sweep: 10000000 configurations × 3 SNRs is more than 10000 points$")


def test_regression_sweep_key_not_a_string():
    assert_refused(edit({"sweep": {1: [1]}}),
                   r"^sweep\.1: keys must be strings$")


def test_regression_tdl_name_with_non_string_key():
    assert_refused(edit({"channel": {"type": "tdl", "name": "TDLA30-10", 1: 2}}),
                   r"^channel\.1: keys must be strings$")


def test_non_string_keys():
    # only a mapping given directly can hold them (TOML keys are strings)
    assert_refused({**PUSCH_SMALL, 1: 2}, r"^1: keys must be strings$")
    assert_refused(edit({"run": {None: 2}}), r"^run\.None: keys must be strings$")
    assert_refused(edit({"snr": {1: 2}}), r"^snr\.1: keys must be strings$")
    assert_refused(edit({"link": {**TB, "tb": {**TB["tb"], 1: 2}}}),
                   r"^link\.tb\.1: keys must be strings$")


@pytest.mark.parametrize(("doc", "path"), [
    (edit({"receiver": {1: 2}}), "receiver.1"),
    (edit({"link.pusch.carrier": {1: 2}}), "link.pusch.carrier.1"),
    (edit({"channel": {"type": "cdl", "rx_array": {None: 1}}}), "channel.rx_array.None"),
], ids=["receiver", "carrier", "cdl-array"])
def test_non_string_keys_in_configuration_tables(doc, path):
    # campaign.py gives e.g. "receiver: 'int' object is not iterable" (difflib in
    # FromDictMixin.from_dict on a non-string key; the same for link.pusch, harq, decoder,
    # stopping, channel): the message must name the key
    msg = assert_refused(doc, rf"^{re.escape(path)}: ")
    assert "not iterable" not in msg


# ----------------------------------------------------------------------------- new checks


def test_sweeping_the_link_type_is_refused():
    for base in (PUSCH_SMALL, edit({"link": TB})):
        assert_refused(edit({"sweep": {"link.type": ["pusch", "pdsch", "tb"]}}, base),
                       r"^sweep\.link\.type: the link and channel types cannot be swept: run one "
                       r"campaign per type$")
    # refused even together with a valid axis, whatever the order
    assert_refused(edit({"sweep": {"link.pusch.mcs_index": [4, 9], "channel.type": ["tdl"]}}),
                   r"^sweep\.channel\.type: the link and channel types cannot be swept")


def test_waveform_with_awgn_is_refused():
    pattern = (r"^link\.waveform: true is not allowed with channel\.type='awgn': the "
               r"time-domain path needs a TDL or CDL channel$")
    assert_refused(edit({"link.waveform": True}), pattern)
    assert_refused(edit({"link.waveform": True, "channel": {"type": "awgn"}}), pattern)
    assert_refused(edit({"link": {"type": "pdsch", "waveform": True,
                                  "pdsch": {"mcs_index": 4, "carrier": {"n_size_grid": 12}}}}),
                   pattern)
    # swept in: the sweep suffix names the configuration
    assert_refused(edit({"sweep": {"link.waveform": [False, True]}}),
                   pattern[:-1] + r" \(sweep link\.waveform=True\)$")
    # false is fine over AWGN, true is fine over TDL / CDL
    assert Campaign(edit({"link.waveform": False})).link(0).waveform is False
    assert Campaign(edit({"link.waveform": True, "channel": TDL})).link(0).waveform is True


def test_tiny_snr_step_is_refused_at_step_db():
    for step in (1e-4, 1e-9, 1e-300, 5e-324):
        msg = assert_refused(edit({"snr": {"start_db": 0.0, "stop_db": 1.0, "step_db": step}}),
                             rf"^snr\.step_db: {re.escape(repr(step))} is not allowed: more than "
                             r"10000 points from 0\.0 to 1\.0 dB$")
        assert str(MAX_POINTS) in msg
    # exactly MAX_POINTS values is allowed
    c = Campaign(edit({"snr": {"start_db": 0.0, "stop_db": 9999.0, "step_db": 1.0}}))
    assert len(c.snr_db) == MAX_POINTS


def test_33_deep_document_is_refused():
    # the innermost table is 33 levels below the root: link.pusch.carrier + 30 tables
    doc = edit({"link.pusch.carrier": _nested(30, "n_size_grid")})
    pattern = r"^link\.pusch\.carrier(\.n_size_grid){30}: nested deeper than 32 levels$"
    before = copy.deepcopy(doc)
    msg = assert_refused(doc, pattern)
    assert doc == before  # the input is left as it was
    assert assert_refused(to_toml(doc), pattern) == msg
    # one level less is not refused for its depth (but for what the carrier holds)
    with pytest.raises(CampaignError) as e:
        Campaign(edit({"link.pusch.carrier": _nested(29, "n_size_grid")}))
    assert "nested deeper" not in str(e.value)
    assert_one_line(str(e.value))


# ----------------------------------------------------------------------------- fuzzing

_FUZZ = int(os.environ.get("NRLINK_FUZZ_EXAMPLES", "0"))  # raise for a long local run


def _examples(n: int) -> int:
    return _FUZZ or n


_TOP_KEYS = ("name", "description", "seed", "link", "channel", "receiver", "harq", "decoder",
             "snr", "sweep", "stopping", "run")
_CONFIG_CLASSES = (PuschConfig, PdschConfig, CarrierConfig, BwpConfig, DmrsConfig, PtrsConfig,
                   TdlConfig, CdlConfig, AntennaArrayConfig, HarqConfig, ReceiverConfig,
                   LdpcDecoderConfig, StoppingRule, TransportBlockConfig)


def _vocabulary():
    """Field names and Literal values of every configuration reachable from a campaign."""
    keys, values = set(), set()
    for cls in _CONFIG_CLASSES:
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            keys.add(f.name)
            for h in (hints.get(f.name), *typing.get_args(hints.get(f.name))):
                if typing.get_origin(h) is typing.Literal:
                    values.update(typing.get_args(h))
    keys.update(("name", "description", "seed", "link", "channel", "receiver", "harq",
                 "decoder", "snr", "sweep", "stopping", "run", "type", "num_rx", "waveform",
                 "timing_offset_s", "pusch", "pdsch", "tb", "values_db", "start_db",
                 "stop_db", "step_db", "batch_size", "slots_per_unit"))
    paths = {f"link.pusch.{f.name}" for f in dataclasses.fields(PuschConfig) if f.init}
    paths |= {f"link.pusch.carrier.{f.name}" for f in dataclasses.fields(CarrierConfig)}
    paths |= {f"link.tb.{f.name}" for f in dataclasses.fields(TransportBlockConfig)}
    for root, cls in (("harq", HarqConfig), ("receiver", ReceiverConfig),
                      ("decoder", LdpcDecoderConfig), ("channel", TdlConfig),
                      ("channel", CdlConfig)):
        paths |= {f"{root}.{f.name}" for f in dataclasses.fields(cls)}
    paths |= {"link.type", "link.num_rx", "link.waveform", "channel.type", "channel.name",
              "link", "link.pusch", "link.pusch.carrier", "snr.values_db", "x.y"}
    values.update(("pusch", "pdsch", "tb", "awgn", "tdl", "cdl", "TDL-C", "TDL-D", "TDLA30",
                   "TDLC300-100", "TDLA30-10", "CDL-C", "CDL-D", "qam64", "qam256",
                   "qam64LowSE", "qam1024", "tp-qam64", "int8", "float32", "flooding",
                   "spa", "cross", "A", "B", "wilson", "clopper-pearson"))
    return sorted(keys | paths), sorted(paths), sorted(values, key=repr)


_KEYS, _PATHS, _WORDS = _vocabulary()
_NUMBERS = (0, 1, 2, 3, 4, 8, 28, 29, 273, 275, 276, -1, 2**63, 2**64, 10**30, 0.5, 1e-6,
            1e308, -1e308, 5e-324, math.nan, math.inf, -math.inf)

keys = st.one_of(st.sampled_from(_KEYS), st.text(max_size=8))
scalars = st.one_of(
    st.integers(),
    st.integers(-3, 300),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.booleans(),
    st.sampled_from(_WORDS),
    st.sampled_from(_NUMBERS),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=8,
)

BASES = [
    edit({"receiver": {"detector": "lmmse", "channel_estimation": "ls-linear"},
          "harq": {"max_transmissions": 2, "rv_sequence": [0, 2]},
          "decoder": {"max_iterations": 4, "rule": "nms"},
          "sweep": {"link.pusch.mcs_index": [4, 9]},
          "link.pusch.dmrs": {"additional_position": 1}}),
    edit({"channel": {**TDL, "num_rx": 2}, "link.num_rx": 2,
          "snr": {"start_db": 0.0, "stop_db": 2.0, "step_db": 0.5},
          "sweep": {"harq.max_transmissions": [1, 2], "channel.doppler_hz": [5.0, 50.0]}}),
    edit({"link": {"type": "pdsch", "pdsch": {"mcs_index": 4, "carrier": {"n_size_grid": 12}}},
          "channel": {"type": "cdl", "doppler_hz": 10.0}}),
    edit({"link": TB, "receiver": {"demapper": "maxlog"}, "decoder": {"max_iterations": 8},
          "sweep": {"link.tb.g": [2400, 3000]}}),
    edit({"channel": {"type": "tdl", "name": "TDLA30-10"}, "link.waveform": True}),
]


def test_fuzz_bases_are_valid():
    for base in BASES:
        Campaign(base)


def _slots(node, path=()):
    """The paths of every value inside ``node`` (through tables and arrays)."""
    if isinstance(node, dict):
        items = list(node.items())
    elif isinstance(node, list):
        items = list(enumerate(node))
    else:
        return []
    out = []
    for k, v in items:
        out.append((*path, k))
        out.extend(_slots(v, (*path, k)))
    return out


def _tables(node, path=()):
    """The paths of every table inside ``node``, the root included."""
    out = [path] if isinstance(node, dict) else []
    items = (node.items() if isinstance(node, dict)
             else enumerate(node) if isinstance(node, list) else ())
    for k, v in items:
        out.extend(_tables(v, (*path, k)))
    return out


def _at(node, path):
    for k in path:
        node = node[k]
    return node


@st.composite
def mutated_documents(draw):
    """A valid small campaign with 1-4 random deletions, insertions and replacements."""
    doc = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(("delete", "insert", "replace", "replace", "set")))
        if op == "set":  # a known field to a plausible value: reaches the deep checks
            *parents, last = draw(st.sampled_from(_PATHS)).split(".")
            node = doc
            for k in parents:
                if not isinstance(node.get(k), dict):
                    node[k] = {}
                node = node[k]
            node[last] = draw(st.one_of(st.sampled_from(_WORDS), st.sampled_from(_NUMBERS),
                                        values))
            continue
        if op == "insert":
            table = _at(doc, draw(st.sampled_from(_tables(doc))))
            table[draw(keys)] = draw(values)
            continue
        slots = _slots(doc)
        if not slots:
            continue
        path = draw(st.sampled_from(slots))
        parent = _at(doc, path[:-1])
        if op == "delete":
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(values)
    return doc


def _outcome(fn, arg, doc=None) -> str:
    """Run the loader: ``"ok: <points>"`` or ``"error: <message>"``.

    Anything but a CampaignError with a one-line message that starts with a key path
    (a key of ``doc`` when given, or a root such as ``toml``) fails the test.
    """
    try:
        c = fn(arg)
    except CampaignError as e:
        msg = str(e)
        assert_one_line(msg)
        assert ": " in msg, f"no key path: {msg!r}"
        path = msg.split(": ", 1)[0]
        assert path.strip(), f"empty key path: {msg!r}"
        event(f"error at {path.split('.')[0][:20]}")
        if doc is not None:  # the message starts with a key of the document, or a root
            roots = {"campaign", "toml", *_TOP_KEYS}
            for k in doc:
                roots |= {" ".join(str(k).split()), repr(k)}
            assert any(msg.startswith(r) and msg[len(r)] in ".:[" for r in roots if r), (
                f"unexpected key path: {msg!r}")
        return f"error: {msg}"
    assert len(c.points) == len(c.configurations) * len(c.snr_db)
    return f"ok: {c.points!r}"


@settings(max_examples=_examples(300), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(mutated_documents())
def test_fuzz_mutated_documents(doc):
    """(a) Mutated documents load or raise a one-line CampaignError, the same via TOML."""
    direct = _outcome(Campaign, doc, doc)
    event(direct.split(":", 1)[0])
    assert _outcome(Campaign.from_toml, to_toml(doc), doc) == direct


@settings(max_examples=_examples(200), deadline=None)
@given(st.text())
def test_fuzz_random_text(text):
    """(b) Any text through from_toml: a campaign or a one-line CampaignError."""
    _outcome(Campaign.from_toml, text)


@settings(max_examples=_examples(200), deadline=None)
@given(st.binary(), st.sampled_from(("utf-8", "latin-1", "utf-16")))
def test_fuzz_random_bytes(data, encoding):
    """(b) Random bytes decoded (with replacement) through from_toml."""
    _outcome(Campaign.from_toml, data.decode(encoding, errors="replace"))


@st.composite
def toml_like_text(draw):
    """Lines of TOML built from the campaign vocabulary, with some noise."""
    lines = []
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(("header", "pair", "pair", "pair", "noise")))
        if kind == "header":
            lines.append("[" + ".".join(_toml_str(k) for k in draw(
                st.lists(st.sampled_from(_KEYS), min_size=1, max_size=3))) + "]")
        elif kind == "pair":
            lines.append(f"{_toml_str(draw(keys))} = {_toml_value(draw(values))}")
        else:
            lines.append(draw(st.text(max_size=20)))
    return "\n".join(lines)


@settings(max_examples=_examples(200), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(toml_like_text())
def test_fuzz_toml_like_text(text):
    """(b) Structured TOML text: a campaign or a one-line CampaignError."""
    _outcome(Campaign.from_toml, text)


@st.composite
def valid_campaigns(draw):
    """(document, SNRs, sweep axes) of a small valid PUSCH campaign."""
    doc = {
        "name": draw(st.text(min_size=1, max_size=20).filter(lambda s: s.strip())),
        "seed": draw(st.integers(0, 2**63 - 1)),
        "link": {"type": "pusch", "pusch": {
            "mcs_index": draw(st.integers(0, 28)),
            "carrier": {"scs_khz": draw(st.sampled_from((15, 30))),
                        "n_size_grid": draw(st.integers(8, 24))}}},
        "stopping": {"target_errors": draw(st.integers(1, 1000)),
                     "max_tbs": draw(st.integers(1000, 10**6))},
        "run": {"batch_size": draw(st.integers(1, 4096)),
                "slots_per_unit": draw(st.integers(1, 100_000))},
    }
    if draw(st.booleans()):
        snr = sorted(draw(st.lists(st.floats(-50, 50), min_size=1, max_size=20, unique=True)))
        doc["snr"] = {"values_db": snr}
    else:
        start = draw(st.integers(-200, 200)) / 4
        step = draw(st.sampled_from((0.1, 0.2, 0.25, 0.3, 0.5, 1.0, 2.5, 3.0)))
        n = draw(st.integers(1, 60))
        doc["snr"] = {"start_db": start, "stop_db": start + (n - 1) * step, "step_db": step}
        snr = [round(start + i * step, 10) for i in range(n)]
    axes = {}
    if draw(st.booleans()):
        axes["link.pusch.mcs_index"] = draw(st.lists(st.integers(0, 28), min_size=1,
                                                     max_size=4, unique=True))
    if draw(st.booleans()):
        axes["harq.max_transmissions"] = draw(st.lists(st.integers(1, 4), min_size=1,
                                                       max_size=3, unique=True))
    if draw(st.booleans()):
        axes["link.pusch.carrier.n_size_grid"] = draw(st.lists(st.integers(8, 24), min_size=1,
                                                               max_size=3, unique=True))
    if draw(st.booleans()):
        axes["decoder.max_iterations"] = draw(st.lists(st.integers(1, 30), min_size=1,
                                                       max_size=2, unique=True))
    axes = dict(draw(st.permutations(list(axes.items()))))
    if axes:
        doc["sweep"] = axes
    return doc, snr, axes


@settings(max_examples=_examples(100), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(valid_campaigns())
def test_fuzz_valid_campaigns(case):
    """(c) Valid campaigns load; points = configurations × SNRs, configuration-major."""
    doc, snr, axes = case
    c = Campaign(doc)
    n_conf = math.prod(len(v) for v in axes.values())
    assert len(c.configurations) == n_conf and len(c.labels) == n_conf
    assert len(c.points) == n_conf * len(snr)
    assert c.snr_db == tuple(snr)
    assert c.name == doc["name"].strip() and c.seed == doc["seed"]
    expected = list(itertools.product(*([(k, v) for v in vs] for k, vs in axes.items())))
    assert list(c.configurations) == (expected if axes else [()])
    assert len(set(c.labels)) == n_conf
    for i, p in enumerate(c.points):
        assert p.index == i
        assert p.config_index == i // len(snr)
        assert p.snr_db == snr[i % len(snr)]
        assert p.label == c.labels[p.config_index]
        assert p.overrides == c.configurations[p.config_index]
        assert p.params == {"config": p.config_index, "label": p.label, "snr_db": p.snr_db,
                            **dict(p.overrides)}
    last = c.link(n_conf - 1)
    o = dict(c.configurations[-1])
    if "link.pusch.mcs_index" in o:
        assert last.config.mcs_index == o["link.pusch.mcs_index"]
    if "harq.max_transmissions" in o:
        assert last.harq.max_transmissions == o["harq.max_transmissions"]
    assert Campaign(c.to_dict()).points == c.points
    assert Campaign.from_toml(to_toml(doc)).points == c.points


@pytest.mark.parametrize(("changes", "pattern"), [
    ({"receiver.detector": "ml", "link.pusch.mcs_index": 20},
     r"^receiver\.detector: detector='ml' is not allowed with num_layers=1 and Q_m=6"),
    ({"receiver.detector": "ml", "link.pusch.transform_precoding": True,
      "link.pusch.mcs_table": "tp-qam64", "link.pusch.mcs_index": 2},
     r"^receiver\.detector: detector='ml' is not allowed with transform_precoding=True"),
])
def test_ml_detector_limits_are_refused_at_load(changes, pattern):
    assert_refused(edit(changes), pattern)
