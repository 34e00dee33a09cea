"""Campaign descriptions: what to simulate, over which SNRs, until when.

A campaign is a TOML document (or the equivalent mapping)::

    name = "pusch-awgn"                  # required
    description = "PUSCH MCS sweep over AWGN"
    seed = 2026                          # campaign seed (SeedSequence entropy)

    [link]
    type = "pusch"                       # "pusch", "pdsch" or "tb" (coding chain only)
    num_rx = 1                           # AWGN receive antennas (TDL/CDL: the channel's)
    waveform = false                     # time-domain path (TDL/CDL only)
    timing_offset_s = 0.0

    [link.pusch]                         # PuschConfig (link.pdsch: PdschConfig,
    mcs_index = 14                       #  link.tb: TransportBlockConfig)
    carrier = { scs_khz = 30, n_size_grid = 52 }

    [channel]
    type = "awgn"                        # "awgn", "tdl" or "cdl"; the other keys are the
                                         # TdlConfig / CdlConfig fields (model = "TDL-C",
                                         # delay_spread_ns, ...), or name = "TDLC300-100"
    [receiver]                           # ReceiverConfig
    [harq]                               # HarqConfig
    [decoder]                            # LdpcDecoderConfig

    [snr]
    values_db = [7.0, 7.5, 8.0]          # or start_db, stop_db, step_db

    [sweep]                              # optional: one configuration per combination
    "link.pusch.mcs_index" = [4, 14, 24]

    [stopping]                           # StoppingRule
    target_errors = 100
    max_tbs = 20000

    [run]
    batch_size = 8                       # links simulated together in a work unit
    slots_per_unit = 4                   # consecutive slots of each link in a work unit

Points are (configuration, SNR) pairs, numbered configuration-major. Loading validates
everything, builds every configuration's link once, and reports the first problem as a
:class:`CampaignError` whose one-line message starts with the key path.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nrlink.config.cdl import CdlConfig
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
from nrlink.rx.receiver import ReceiverConfig, check_ml_detector
from nrlink.sim.stopping import StoppingRule

__all__ = ["Campaign", "CampaignError", "Point", "RunSettings", "load_campaign"]

#: Shared-channel link types (HARQ, LDPC); the control-channel ones come from
#: :data:`nrlink.link.control.CONTROL_LINKS`.
SHARED_LINK_TYPES = ("pusch", "pdsch", "tb")
LINK_TYPES = (*SHARED_LINK_TYPES, *CONTROL_LINKS)
CHANNEL_MODELS = ("awgn", "tdl", "cdl")
_TOP_KEYS = ("name", "description", "seed", "link", "channel", "receiver", "harq", "decoder",
             "snr", "sweep", "stopping", "run")
_LINK_KEYS = ("type", "num_rx", "waveform", "timing_offset_s", *LINK_TYPES)
MAX_POINTS = 10_000


class CampaignError(ConfigError):
    """A campaign description that cannot run; the message names the key path."""


def _fail(path: str, msg: str) -> CampaignError:
    text = " ".join(f"{path}: {msg}".split())  # one line
    return CampaignError(text)


def _table(d: dict, key: str, path: str, *, required: bool = False) -> dict:
    v = d.get(key)
    if v is None:
        if required:
            raise _fail(f"{path}{key}", "missing table")
        return {}
    if not isinstance(v, dict):
        raise _fail(f"{path}{key}", f"expected a table, got {type(v).__name__} {v!r}")
    return v


def _unknown(d: dict, allowed: tuple[str, ...], path: str) -> None:
    import difflib

    for k in d:
        if not isinstance(k, str):
            raise _fail(f"{path}{k!r}", "keys must be strings")
        if k not in allowed:
            near = difflib.get_close_matches(k, allowed, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            what = f"allowed: {', '.join(allowed)}" if allowed else "no keys are allowed here"
            raise _fail(f"{path}{k if k.strip() else repr(k)}", f"unknown key ({what}){hint}")


def _int(v, path: str, lo: int, hi: int | None = None) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < lo or (hi is not None and v > hi):
        rng = f"{lo}..{hi}" if hi is not None else f"≥ {lo}"
        raise _fail(path, f"{v!r} is not allowed: expected an integer {rng}")
    return v


def _number(v, path: str) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise _fail(path, f"{v!r} is not allowed: expected a finite number")
    return float(v)


_NAMED = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(None\b)?")


def _find_key(table, name: str, prefix: str = "") -> str | None:
    """Dotted path of the first key ``name`` in ``table`` (breadth first), if any."""
    queue = [(table, prefix)]
    while queue:
        node, pre = queue.pop(0)
        if not isinstance(node, dict):
            continue
        if name in node:
            return f"{pre}{name}"
        queue.extend((v, f"{pre}{k}.") for k, v in node.items() if isinstance(v, dict))
    return None


def _build(where: str, table, fn, /, *args, **kwargs):
    """Call a configuration constructor; any failure becomes a CampaignError at ``where``.

    A message that already starts with its key path (nested ``from_dict`` errors) keeps
    it. Otherwise the path is refined to the first ``name=`` of the message that is a key
    the user wrote in ``table`` (the mapping that was built, searched through its nested
    tables), e.g. ``link.pusch.carrier.n_size_grid``, or a ``name=None`` they left out.
    """
    try:
        return fn(*args, **kwargs)
    except CampaignError:
        raise
    except RecursionError as e:
        raise _fail(where, "nested too deeply") from e
    except Exception as e:  # noqa: BLE001 - any failure of user input is a CampaignError
        msg = " ".join((str(e) or type(e).__name__).split())
        if msg.startswith(f"{where}.") or msg.startswith(f"{where}:"):
            raise CampaignError(msg) from e
        path = where
        for name, missing in _NAMED.findall(msg):
            found = _find_key(table, name, f"{where}.")
            if found is None and missing:  # a required key the user left out
                found = f"{where}.{name}"
            if found is not None:
                path = found
                break
        raise _fail(path, msg) from e


MAX_DEPTH = 32


def _check_depth(doc) -> None:
    """Refuse documents nested deeper than MAX_DEPTH (iteratively: no recursion)."""
    stack = [(doc, 0, "")]
    while stack:
        node, depth, path = stack.pop()
        if depth > MAX_DEPTH:
            raise _fail(path.rstrip(".") or "campaign", f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, dict):
            for k in node:
                if not isinstance(k, str):
                    raise _fail(f"{path}{k!r}", "keys must be strings")
            stack.extend((v, depth + 1, f"{path}{k}.") for k, v in node.items())
        elif isinstance(node, list | tuple):
            stack.extend((v, depth + 1, path) for v in node)


@dataclass(frozen=True, slots=True)
class Point:
    """One simulated point: a configuration at one SNR."""

    index: int
    config_index: int
    label: str
    snr_db: float
    overrides: tuple[tuple[str, Any], ...]

    @property
    def params(self) -> dict[str, Any]:
        """The point's parameters as stored in the results database."""
        return {"config": self.config_index, "label": self.label, "snr_db": self.snr_db,
                **dict(self.overrides)}


@dataclass(frozen=True, slots=True)
class RunSettings:
    """Work-unit size: ``batch_size`` links × ``slots_per_unit`` slots."""

    batch_size: int = 8
    slots_per_unit: int = 4

    @property
    def slots(self) -> int:
        """Transmissions (first transmissions and retransmissions) per work unit."""
        return self.batch_size * self.slots_per_unit


def _snr_values(snr: dict) -> tuple[float, ...]:
    path = "snr."
    if "values_db" in snr:
        _unknown(snr, ("values_db",), path)
        vals = snr["values_db"]
        if not isinstance(vals, list | tuple) or not vals:
            raise _fail("snr.values_db", f"{vals!r} is not allowed: expected a non-empty list "
                        "of numbers (dB)")
        out = tuple(_number(v, f"snr.values_db[{i}]") for i, v in enumerate(vals))
    else:
        _unknown(snr, ("start_db", "stop_db", "step_db"), path)
        for k in ("start_db", "stop_db", "step_db"):
            if k not in snr:
                raise _fail(f"snr.{k}", "missing (give values_db, or start_db, stop_db and "
                            "step_db)")
        a, b, s = (_number(snr[k], f"snr.{k}") for k in ("start_db", "stop_db", "step_db"))
        if s <= 0:
            raise _fail("snr.step_db", f"{s} is not allowed: expected step_db > 0")
        if b < a:
            raise _fail("snr.stop_db", f"{b} is not allowed: expected stop_db ≥ start_db={a}")
        span = (b - a) / s
        if not math.isfinite(span) or span + 1 > MAX_POINTS:
            raise _fail("snr.step_db", f"{s} is not allowed: more than {MAX_POINTS} points "
                        f"from {a} to {b} dB")
        n = math.floor(span + 1e-9) + 1
        out = tuple(round(a + i * s, 10) for i in range(n))
        if len(set(out)) != len(out):
            raise _fail("snr.step_db", f"{s} is not allowed: SNRs closer than 1e-10 dB")
        return out
    if len(out) > MAX_POINTS:
        raise _fail("snr.values_db", f"{len(out)} values is not allowed: at most {MAX_POINTS}")
    if any(b <= a for a, b in itertools.pairwise(out)):
        raise _fail("snr.values_db", f"{list(out)} is not allowed: SNRs must increase (points "
                    "past the waterfall are skipped in order)")
    return out


def _set_path(doc: dict, dotted: str, value) -> None:
    keys = dotted.split(".")
    node = doc
    for i, k in enumerate(keys[:-1]):
        nxt = node.get(k)
        if nxt is None:
            nxt = node[k] = {}
        if not isinstance(nxt, dict):
            raise _fail(f"sweep.{dotted}", f"{'.'.join(keys[: i + 1])} is not a table")
        node = nxt
    node[keys[-1]] = value


def _channel(d: dict, models: tuple[str, ...], kind: str):
    """The ``[channel]`` table: None (AWGN), a TdlConfig or a CdlConfig."""
    ch = dict(_table(d, "channel", ""))
    model = ch.pop("type", "awgn")
    if model not in models:
        raise _fail("channel.type", f"{model!r} is not allowed with link.type={kind!r}: "
                    f"expected one of {', '.join(models)}")
    if model == "awgn":
        _unknown(ch, (), "channel.")
        return None
    if model == "cdl":
        return _build("channel", ch, CdlConfig.from_dict, ch, path="channel.")
    name = ch.pop("name", None)
    if name is None:
        return _build("channel", ch, TdlConfig.from_dict, ch, path="channel.")
    for k in ("model", "delay_spread_ns", "doppler_hz"):
        if k in ch:
            raise _fail(f"channel.{k}", f"not allowed with name={name!r}: the name sets the "
                        "model, delay spread and Doppler")
    _unknown(ch, tuple(f.name for f in dataclasses.fields(TdlConfig)
                       if f.name not in ("model", "delay_spread_ns", "doppler_hz")), "channel.")
    return _build("channel", {"name": name, **ch}, lambda: TdlConfig.from_name(name, **ch))


def _label(overrides: tuple[tuple[str, Any], ...], fallback: str) -> str:
    if not overrides:
        return fallback
    return ", ".join(f"{k.rsplit('.', 1)[-1]}={v}" for k, v in overrides)


class Campaign:
    """A validated campaign description (see the module docstring for the format).

    Attributes
    ----------
    name, description : str
    seed : int
    document : dict
        The description as given (plain data): what the results database stores.
    snr_db : tuple of float
    configurations : tuple of tuple of (str, value)
        The sweep overrides of each configuration (one empty tuple without a sweep).
    labels : tuple of str
    points : tuple of Point
    stopping : StoppingRule
    run : RunSettings
    """

    def __init__(self, document: dict):
        if not isinstance(document, dict):
            raise _fail("campaign", f"expected a table, got {type(document).__name__}")
        _check_depth(document)
        doc = copy.deepcopy(document)
        _unknown(doc, _TOP_KEYS, "")
        name = doc.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            raise _fail("name", f"{name!r} is not allowed: expected a non-empty string "
                        "(≤ 200 characters)")
        desc = doc.get("description", "")
        if not isinstance(desc, str):
            raise _fail("description", f"{desc!r} is not allowed: expected a string")
        self.name, self.description = name.strip(), desc
        self.seed = _int(doc.get("seed", 0), "seed", 0, 2**63 - 1)
        self.document = doc
        self.snr_db = _snr_values(_table(doc, "snr", "", required=True))
        stop = _table(doc, "stopping", "")
        self.stopping = _build("stopping", stop, StoppingRule.from_dict, stop,
                               path="stopping.")
        run = _table(doc, "run", "")
        _unknown(run, ("batch_size", "slots_per_unit"), "run.")
        self.run = RunSettings(
            batch_size=_int(run.get("batch_size", 8), "run.batch_size", 1, 4096),
            slots_per_unit=_int(run.get("slots_per_unit", 4), "run.slots_per_unit", 1, 100_000))
        sweep = _table(doc, "sweep", "")
        axes = []
        for key, values in sweep.items():
            if not isinstance(key, str) or not key.strip():
                raise _fail(f"sweep.{key!r}", "expected a dotted key path such as "
                            "'link.pusch.mcs_index'")
            if not isinstance(values, list | tuple) or not values:
                raise _fail(f"sweep.{key}", f"{values!r} is not allowed: expected a non-empty "
                            "list of values")
            if key.split(".")[0] not in ("link", "channel", "receiver", "harq", "decoder"):
                raise _fail(f"sweep.{key}", "only keys under link, channel, receiver, harq or "
                            "decoder can be swept")
            if key in ("link.type", "channel.type"):
                raise _fail(f"sweep.{key}", "the link and channel types cannot be swept: run "
                            "one campaign per type")
            axes.append([(key, v) for v in values])
        n_conf = math.prod(len(a) for a in axes)
        if n_conf * len(self.snr_db) > MAX_POINTS:
            raise _fail("sweep", f"{n_conf} configurations × {len(self.snr_db)} SNRs is "
                        f"more than {MAX_POINTS} points")
        combos = [tuple(c) for c in itertools.product(*axes)] if axes else [()]
        self.configurations = tuple(combos)
        self._links: dict[int, Any] = {}
        self._parts = []
        for overrides in combos:
            d = copy.deepcopy(doc)
            for key, v in overrides:
                _set_path(d, key, v)
            self._parts.append(self._parse(d, overrides))
        self.labels = tuple(_label(o, self.name) for o in combos)
        if len(set(self.labels)) != len(self.labels):
            raise _fail("sweep", "two configurations have the same label; sweep distinct values")
        self.points = tuple(
            Point(index=c * len(self.snr_db) + i, config_index=c, label=self.labels[c],
                  snr_db=s, overrides=combos[c])
            for c in range(len(combos)) for i, s in enumerate(self.snr_db))

    # ------------------------------------------------------------------ parsing
    @staticmethod
    def _parse(d: dict, overrides) -> dict:
        """Validate one configuration's link, channel, receiver, HARQ and decoder."""
        where = f" (sweep {', '.join(f'{k}={v!r}' for k, v in overrides)})" if overrides else ""
        try:
            link = _table(d, "link", "", required=True)
            _unknown(link, _LINK_KEYS, "link.")
            kind = link.get("type")
            if kind not in LINK_TYPES:
                raise _fail("link.type", f"{kind!r} is not allowed: expected one of "
                            f"{', '.join(LINK_TYPES)}")
            for other in LINK_TYPES:
                if other != kind and other in link:
                    raise _fail(f"link.{other}", f"not allowed with link.type={kind!r}")
            if kind in CONTROL_LINKS:
                return Campaign._parse_control(d, link, kind)
            body = _table(link, kind, "link.", required=kind == "tb")
            cls = {"pusch": PuschConfig, "pdsch": PdschConfig,
                   "tb": TransportBlockConfig}[kind]
            if kind == "tb":
                _unknown(body, ("tbs", "target_code_rate", "g", "qm", "layers", "tbs_lbrm",
                                "r_lbrm", "enforce_max_rate"), "link.tb.")
                cfg = _build("link.tb", body, cls, **body)
            else:
                cfg = _build(f"link.{kind}", body, cls.from_dict, body, path=f"link.{kind}.")
            if kind != "tb":
                _build(f"link.{kind}", body, lambda: cfg.resources)
            waveform = link.get("waveform", False)
            if not isinstance(waveform, bool):
                raise _fail("link.waveform", f"{waveform!r} is not allowed: expected true or "
                            "false")
            timing = _number(link.get("timing_offset_s", 0.0), "link.timing_offset_s")
            num_rx = link.get("num_rx")
            if num_rx is not None:
                num_rx = _int(num_rx, "link.num_rx", 1, 8)
            channel = _channel(d, CHANNEL_MODELS, kind)
            if waveform and channel is None and kind != "tb":
                raise _fail("link.waveform", "true is not allowed with channel.type='awgn': the "
                            "time-domain path needs a TDL or CDL channel")
            if kind == "tb" and (channel is not None or num_rx is not None or waveform
                                 or timing):
                raise _fail("link.type", "'tb' links are QAM over AWGN: channel.type must be "
                            "'awgn', without num_rx, waveform or timing_offset_s")
            if kind == "tb":
                _unknown(_table(d, "receiver", ""), ("demapper",), "receiver.")
            rt, ht, dt = (_table(d, k, "") for k in ("receiver", "harq", "decoder"))
            receiver = _build("receiver", rt, ReceiverConfig.from_dict, rt, path="receiver.")
            harq = _build("harq", ht, HarqConfig.from_dict, ht, path="harq.")
            decoder = _build("decoder", dt, LdpcDecoderConfig.from_dict, dt,
                             path="decoder.")
            if kind != "tb" and receiver.detector == "ml":
                _build("receiver.detector", {}, check_ml_detector, cfg)
            parts = {"kind": kind, "link_table": link, "config": cfg, "channel": channel,
                     "num_rx": num_rx, "receiver": receiver, "harq": harq, "decoder": decoder,
                     "waveform": waveform, "timing_offset_s": timing}
            Campaign._make_link(parts)  # the link's own cross-checks, before any simulation
            return parts
        except CampaignError as e:
            raise CampaignError(" ".join(f"{e}{where}".split())) from e

    @staticmethod
    def _parse_control(d: dict, link: dict, kind: str) -> dict:
        """A control-channel link: its ``[link.<kind>]`` table, AWGN or TDL, no receiver,
        HARQ or decoder tables (their options live in the link table)."""
        cls = CONTROL_LINKS[kind]
        body = _table(link, kind, "link.")
        cfg = _build(f"link.{kind}", body, cls.config_type.from_dict, body,
                     path=f"link.{kind}.")
        for key in ("waveform", "timing_offset_s"):
            if key in link:
                raise _fail(f"link.{key}", f"not allowed with link.type={kind!r}: the control "
                            "links run in the frequency domain")
        for key in ("receiver", "harq", "decoder"):
            if _table(d, key, ""):
                raise _fail(key, f"not allowed with link.type={kind!r}: set the receiver "
                            f"options in [link.{kind}]")
        num_rx = link.get("num_rx")
        if num_rx is not None:
            num_rx = _int(num_rx, "link.num_rx", 1, 8)
        channel = _channel(d, ("awgn", "tdl"), kind)
        parts = {"kind": kind, "link_table": link, "config": cfg, "channel": channel,
                 "num_rx": num_rx}
        Campaign._make_link(parts)
        return parts

    @staticmethod
    def _make_link(p: dict):
        if p["kind"] in CONTROL_LINKS:
            return _build("link", p["link_table"], CONTROL_LINKS[p["kind"]], p["config"],
                          channel=p["channel"], num_rx=p["num_rx"])
        if p["kind"] == "tb":
            return _build("link", p["link_table"], TransportBlockLink, p["config"],
                          harq=p["harq"],
                          decoder=p["decoder"], demapper=p["receiver"].demapper)
        cls = PuschLink if p["kind"] == "pusch" else PdschLink
        return _build("link", p["link_table"], cls, p["config"], channel=p["channel"],
                      num_rx=p["num_rx"],
                      receiver=p["receiver"], harq=p["harq"], decoder=p["decoder"],
                      waveform=p["waveform"], timing_offset_s=p["timing_offset_s"])

    # ------------------------------------------------------------------ use
    @property
    def link_type(self) -> str:
        return self._parts[0]["kind"]

    def link(self, config_index: int):
        """The link object of configuration ``config_index`` (built once, cached)."""
        if config_index not in self._links:
            self._links[config_index] = self._make_link(self._parts[config_index])
        return self._links[config_index]

    def point_rng(self, point: int, unit: int) -> np.random.Generator:
        """The generator of work unit ``unit`` of point ``point``.

        ``SeedSequence(seed, spawn_key=(point, unit))``: independent streams, the same
        whatever the number of workers or the order in which units run.
        """
        ss = np.random.SeedSequence(self.seed, spawn_key=(point, unit))
        return np.random.Generator(np.random.PCG64(ss))

    def unit_seed(self, point: int, unit: int) -> str:
        """How a unit's seed is stored: ``"<campaign seed>/<point>/<unit>"``."""
        return f"{self.seed}/{point}/{unit}"

    def to_dict(self) -> dict:
        """The description as given (a deep copy)."""
        return copy.deepcopy(self.document)

    def __repr__(self) -> str:
        return (f"Campaign(name={self.name!r}, link={self.link_type!r}, "
                f"configurations={len(self.configurations)}, snr_db={list(self.snr_db)})")

    # ------------------------------------------------------------------ loading
    @classmethod
    def from_toml(cls, text: str) -> Campaign:
        """Parse TOML text (malformed TOML is a :class:`CampaignError` with its position)."""
        if not isinstance(text, str):
            raise _fail("campaign", f"expected TOML text, got {type(text).__name__}")
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise _fail("toml", f"malformed TOML: {e}") from e
        except RecursionError as e:
            raise _fail("toml", "malformed TOML: nested too deeply") from e
        return cls(doc)

    @classmethod
    def from_file(cls, path: str | Path) -> Campaign:
        """Read and parse a TOML file."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise _fail(str(p), f"cannot read the campaign file ({e.__class__.__name__}: "
                        f"{e})") from e
        try:
            return cls.from_toml(text)
        except CampaignError as e:
            raise CampaignError(f"{p.name}: {e}") from e


def load_campaign(name_or_path: str | Path) -> Campaign:
    """A campaign from a TOML file path, a built-in preset by name, or a TS 38.104 fixed
    reference channel (``G-FR1-A3-8``: :func:`nrlink.sim.conformance.frc_campaign_document`).

    Raises
    ------
    CampaignError
        If it is neither an existing file nor a preset, or does not validate.
    """
    from nrlink.sim.presets import preset_names, preset_text

    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        if not p.exists():
            raise _fail(str(p), "no such campaign file")
        return Campaign.from_file(p)
    name = str(name_or_path)
    from nrlink.sim.conformance import frc_campaign_document, frc_names

    if name in frc_names():  # the TS 38.104 fixed reference channels
        return Campaign(frc_campaign_document(name))
    if name not in preset_names():
        import difflib

        near = difflib.get_close_matches(name, (*preset_names(), *frc_names()), n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise _fail(name, f"neither a campaign file nor a preset (presets: "
                    f"{', '.join(preset_names())}; or an FRC such as G-FR1-A3-8){hint}")
    return Campaign.from_toml(preset_text(name))
