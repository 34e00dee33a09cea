"""PUCCH resource configuration, one dataclass per format (TS 38.213 §9.2.1, TS 38.331).

Each class is a PUCCH-Resource of one format (TS 38.331 PUCCH-format0 ... PUCCH-format4)
with the cell-level settings it needs (pucch-GroupHopping and hoppingId of
PUCCH-ConfigCommon, the scrambling identities of formats 2-4). PRBs are counted from the
start of the BWP (startingPRB, secondHopPRB), as signalled; :attr:`resource` gives the
resolved :class:`~nrlink.spec.ts38211.pucch.PucchResource` in carrier coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from nrlink.config._base import FromDictMixin
from nrlink.config.carrier import BwpConfig, CarrierConfig
from nrlink.errors import ConfigError, check_int
from nrlink.spec.ts38211.pucch import PucchResource, pucch_e_tot

__all__ = [
    "PUCCH_CONFIGS",
    "PucchConfig",
    "PucchFormat0Config",
    "PucchFormat1Config",
    "PucchFormat2Config",
    "PucchFormat3Config",
    "PucchFormat4Config",
    "pucch_config_from_dict",
]

_C_RES = "TS 38.213 §9.2.1, TS 38.331 PUCCH-Resource"


def _optional_id(name: str, value, hi: int, clause: str) -> None:
    if value is not None:
        check_int(name, value, f"None or an integer in 0..{hi}", clause, lo=0, hi=hi)


@dataclass(frozen=True, slots=True, kw_only=True)
class _PucchBase(FromDictMixin):
    """Fields shared by every PUCCH format (see the format classes)."""

    pucch_format: ClassVar[int] = -1
    carrier: CarrierConfig = field(default_factory=CarrierConfig)
    bwp: BwpConfig = field(default_factory=BwpConfig)
    starting_prb: int = 0
    second_hop_prb: int | None = None
    start_symbol: int = 0
    group_hopping: Literal["neither", "enable", "disable"] = "neither"
    hopping_id: int | None = None
    _resource: PucchResource | None = field(default=None, init=False, repr=False,
                                            compare=False)

    def _build(self, **fmt_fields: Any) -> None:
        """Validate the shared fields and build the resolved resource."""
        if not isinstance(self.carrier, CarrierConfig):
            raise ConfigError(f"carrier={self.carrier!r} is not allowed: carrier must be a "
                              "CarrierConfig")
        if not isinstance(self.bwp, BwpConfig):
            raise ConfigError(f"bwp={self.bwp!r} is not allowed: bwp must be a BwpConfig")
        start, size = self.bwp.resolve(self.carrier)
        n_prb = fmt_fields.get("n_prb", 1)
        for name in ("starting_prb", "second_hop_prb"):
            value = getattr(self, name)
            if value is None and name == "second_hop_prb":
                continue
            check_int(name, value, f"an integer in 0..{size - n_prb} (the {n_prb} PRB(s) must "
                      f"lie inside the {size}-PRB BWP)", _C_RES, lo=0, hi=size - n_prb)
        _optional_id("hopping_id", self.hopping_id, 1023, "TS 38.211 §6.3.2.2")
        offset = start - self.carrier.n_start_grid
        c = self.carrier
        n_id_cell = c.n_id_cell
        res = PucchResource(
            pucch_format=self.pucch_format,
            n_size_grid=c.n_size_grid, n_start_grid=c.n_start_grid,
            n_symb_slot=c.n_symb_slot, n_slot=c.slot,
            prb_start=offset + self.starting_prb,
            second_hop_prb=None if self.second_hop_prb is None else offset + self.second_hop_prb,
            start_symbol=self.start_symbol,
            group_hopping=self.group_hopping,
            n_id_hopping=n_id_cell if self.hopping_id is None else self.hopping_id,
            **fmt_fields,
        )
        object.__setattr__(self, "_resource", res)

    @property
    def resource(self) -> PucchResource:
        """The resolved resource (carrier-relative PRBs, default identities filled in)."""
        return self._resource  # type: ignore[return-value] - set by __post_init__

    @property
    def hopping(self) -> bool:
        """Intra-slot frequency hopping (a second-hop PRB is configured)."""
        return self.second_hop_prb is not None


def _scrambling_fields(cfg, n_prb: int) -> dict[str, Any]:
    """n_id / n_rnti / n_prb of formats 2-4, validated, with N_ID^cell defaults."""
    _optional_id("n_id", cfg.n_id, 1023, "TS 38.211 §6.3.2.5.1")
    return {"n_id": cfg.carrier.n_id_cell if cfg.n_id is None else cfg.n_id,
            "n_rnti": cfg.n_rnti, "n_prb": n_prb}


@dataclass(frozen=True, slots=True, kw_only=True)
class PucchFormat0Config(_PucchBase):
    """A PUCCH format 0 resource: 1 or 2 HARQ-ACK bits and/or SR by sequence selection.

    Implements the parameter set of TS 38.213 §9.2.1 (TS 38.331 PUCCH-format0) and
    TS 38.211 §6.3.2.2-§6.3.2.3.

    Parameters
    ----------
    carrier : CarrierConfig
        Numerology, grid, N_ID^cell, slot n_s,f^μ.
    bwp : BwpConfig
        The uplink BWP (default: the whole carrier).
    starting_prb : int, default 0
        startingPRB, counted from the BWP start.
    second_hop_prb : int or None, default None
        secondHopPRB (BWP start); ``None``: no intra-slot frequency hopping.
    start_symbol : int, default 0
        startingSymbolIndex, 0..13 (the resource must fit in the slot).
    group_hopping : {"neither", "enable", "disable"}, default "neither"
        pucch-GroupHopping (TS 38.211 §6.3.2.2.1).
    hopping_id : int or None, default None
        hoppingId, 0..1023 (``None``: N_ID^cell).
    initial_cyclic_shift : int, default 0
        initialCyclicShift m_0, 0..11.
    num_symbols : int, default 1
        nrofSymbols, 1..2.

    Examples
    --------
    >>> PucchFormat0Config(starting_prb=3, num_symbols=2).resource.prb_start
    3
    """

    pucch_format: ClassVar[int] = 0
    initial_cyclic_shift: int = 0
    num_symbols: int = 1

    def __post_init__(self) -> None:
        self._build(num_symbols=self.num_symbols, initial_cyclic_shift=self.initial_cyclic_shift)


@dataclass(frozen=True, slots=True, kw_only=True)
class PucchFormat1Config(_PucchBase):
    """A PUCCH format 1 resource: 1 or 2 HARQ-ACK bits (or SR) on a spread sequence.

    Implements the parameter set of TS 38.213 §9.2.1 (TS 38.331 PUCCH-format1) and
    TS 38.211 §6.3.2.4, §6.4.1.3.1.

    Parameters
    ----------
    carrier, bwp, starting_prb, second_hop_prb, start_symbol, group_hopping, hopping_id
        As :class:`PucchFormat0Config`.
    initial_cyclic_shift : int, default 0
        initialCyclicShift m_0, 0..11.
    num_symbols : int, default 14
        nrofSymbols, 4..14.
    time_domain_occ : int, default 0
        timeDomainOCC i, 0..6, below every spreading factor N_SF of the resource (Tables
        6.3.2.4.1-1, 6.4.1.3.1.1-1).
    """

    pucch_format: ClassVar[int] = 1
    initial_cyclic_shift: int = 0
    num_symbols: int = 14
    time_domain_occ: int = 0

    def __post_init__(self) -> None:
        self._build(num_symbols=self.num_symbols, initial_cyclic_shift=self.initial_cyclic_shift,
                    time_domain_occ=self.time_domain_occ)


class _UciResource(_PucchBase):
    """Formats 2-4: resources that carry channel-coded UCI."""

    __slots__ = ()

    @property
    def e_tot(self) -> int:
        """Coded UCI bits E_tot (TS 38.212 Table 6.3.1.4-1)."""
        return pucch_e_tot(self.resource)


@dataclass(frozen=True, slots=True, kw_only=True)
class PucchFormat2Config(_UciResource):
    """A PUCCH format 2 resource: more than 2 UCI bits, QPSK, OFDM, 1-2 symbols.

    Implements the parameter set of TS 38.213 §9.2.1 (TS 38.331 PUCCH-format2) and
    TS 38.211 §6.3.2.5, §6.4.1.3.2.

    Parameters
    ----------
    carrier, bwp, starting_prb, second_hop_prb, start_symbol
        As :class:`PucchFormat0Config` (group hopping does not apply to format 2).
    num_prbs : int, default 1
        nrofPRBs, 1..16.
    num_symbols : int, default 1
        nrofSymbols, 1..2.
    n_rnti : int, default 1
        C-RNTI, 0..65535 (scrambling).
    n_id : int or None, default None
        dataScramblingIdentityPUSCH, 0..1023 (``None``: N_ID^cell) (§6.3.2.5.1).
    dmrs_scrambling_id : int or None, default None
        N_ID^0: scramblingID0 of DMRS-UplinkConfig, 0..65535 (``None``: N_ID^cell).
    """

    pucch_format: ClassVar[int] = 2
    num_prbs: int = 1
    num_symbols: int = 1
    n_rnti: int = 1
    n_id: int | None = None
    dmrs_scrambling_id: int | None = None

    def __post_init__(self) -> None:
        _optional_id("dmrs_scrambling_id", self.dmrs_scrambling_id, 65535,
                     "TS 38.211 §6.4.1.3.2.1")
        n_id_0 = (self.carrier.n_id_cell if self.dmrs_scrambling_id is None
                  else self.dmrs_scrambling_id)
        self._build(num_symbols=self.num_symbols, n_id_0=n_id_0,
                    **_scrambling_fields(self, self.num_prbs))


@dataclass(frozen=True, slots=True, kw_only=True)
class PucchFormat3Config(_UciResource):
    """A PUCCH format 3 resource: more than 2 UCI bits, DFT-s-OFDM over 1-16 PRBs.

    Implements the parameter set of TS 38.213 §9.2.1 (TS 38.331 PUCCH-format3) and
    TS 38.211 §6.3.2.6, §6.4.1.3.3.

    Parameters
    ----------
    carrier, bwp, starting_prb, second_hop_prb, start_symbol, group_hopping, hopping_id
        As :class:`PucchFormat0Config`.
    num_prbs : int, default 1
        nrofPRBs: 1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15 or 16 (2^a 3^b 5^c).
    num_symbols : int, default 14
        nrofSymbols, 4..14.
    pi2_bpsk : bool, default False
        pi2BPSK: π/2-BPSK instead of QPSK.
    additional_dmrs : bool, default False
        additionalDMRS (Table 6.4.1.3.3.2-1).
    n_rnti, n_id
        As :class:`PucchFormat2Config`.
    """

    pucch_format: ClassVar[int] = 3
    num_prbs: int = 1
    num_symbols: int = 14
    pi2_bpsk: bool = False
    additional_dmrs: bool = False
    n_rnti: int = 1
    n_id: int | None = None

    def __post_init__(self) -> None:
        self._build(num_symbols=self.num_symbols, pi2_bpsk=self.pi2_bpsk,
                    additional_dmrs=self.additional_dmrs,
                    **_scrambling_fields(self, self.num_prbs))


@dataclass(frozen=True, slots=True, kw_only=True)
class PucchFormat4Config(_UciResource):
    """A PUCCH format 4 resource: more than 2 UCI bits, one PRB, block-spread DFT-s-OFDM.

    Implements the parameter set of TS 38.213 §9.2.1 (TS 38.331 PUCCH-format4) and
    TS 38.211 §6.3.2.6, §6.4.1.3.3.

    Parameters
    ----------
    carrier, bwp, starting_prb, second_hop_prb, start_symbol, group_hopping, hopping_id
        As :class:`PucchFormat0Config`.
    num_symbols : int, default 14
        nrofSymbols, 4..14.
    occ_length : int, default 2
        occ-Length N_SF^PUCCH,4: 2 or 4.
    occ_index : int, default 0
        occ-Index n, 0..occ_length-1.
    pi2_bpsk, additional_dmrs, n_rnti, n_id
        As :class:`PucchFormat3Config`.
    """

    pucch_format: ClassVar[int] = 4
    num_symbols: int = 14
    occ_length: int = 2
    occ_index: int = 0
    pi2_bpsk: bool = False
    additional_dmrs: bool = False
    n_rnti: int = 1
    n_id: int | None = None

    def __post_init__(self) -> None:
        self._build(num_symbols=self.num_symbols, occ_length=self.occ_length,
                    occ_index=self.occ_index, pi2_bpsk=self.pi2_bpsk,
                    additional_dmrs=self.additional_dmrs, **_scrambling_fields(self, 1))


#: Any PUCCH resource configuration.
PucchConfig = (PucchFormat0Config | PucchFormat1Config | PucchFormat2Config
               | PucchFormat3Config | PucchFormat4Config)

#: The configuration class of each PUCCH format.
PUCCH_CONFIGS: dict[int, type] = {
    0: PucchFormat0Config, 1: PucchFormat1Config, 2: PucchFormat2Config,
    3: PucchFormat3Config, 4: PucchFormat4Config,
}


def pucch_config_from_dict(data: dict[str, Any]) -> PucchConfig:
    """Build a PUCCH resource configuration from a mapping with a ``format`` key (0..4).

    Implements TS 38.331 PUCCH-Resource (the format CHOICE selects the class).

    Examples
    --------
    >>> pucch_config_from_dict({"format": 2, "num_prbs": 4}).e_tot
    64
    """
    if not isinstance(data, dict) or "format" not in data:
        raise ConfigError(f"data={data!r} is not allowed: a PUCCH resource table needs a "
                          f"'format' key, 0..4 ({_C_RES})")
    rest = {k: v for k, v in data.items() if k != "format"}
    fmt = check_int("format", data["format"], "one of 0, 1, 2, 3, 4", _C_RES,
                    choices=(0, 1, 2, 3, 4))
    return PUCCH_CONFIGS[fmt].from_dict(rest)
