"""PDSCH configuration (TS 38.211 §7.3.1, §7.4.1; TS 38.214 §5)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from nrlink.config._base import FromDictMixin
from nrlink.config._resources import (
    ResourcePlan,
    SharedChannelMixin,
    check_shared_fields,
    config_mcs,
    contiguous_prbs,
    plan_resources,
)
from nrlink.config.carrier import BwpConfig, CarrierConfig
from nrlink.config.dmrs import DmrsConfig, PtrsConfig
from nrlink.errors import ConfigError, check_int
from nrlink.spec.ts38211.scrambling import c_init_pdsch
from nrlink.spec.ts38214.mcs import McsEntry
from nrlink.spec.ts38214.tbs import SCALING_VALUES

__all__ = ["PdschConfig", "RateMatchPattern", "PDSCH_MCS_TABLES"]

#: MCS tables of PDSCH (TS 38.214 Tables 5.1.3.1-1..4).
PDSCH_MCS_TABLES = ("qam64", "qam256", "qam64LowSE", "qam1024")


@dataclass(frozen=True, slots=True, kw_only=True)
class RateMatchPattern(FromDictMixin):
    """Reserved resources: a set of PRBs over a set of symbols, not used by the PDSCH.

    Implements the RB-symbol-level rate matching pattern of TS 38.214 §5.1.4.1 (bitmaps
    over resource blocks and symbols within one slot; periodicity is not modelled).

    Parameters
    ----------
    prbs : tuple of int
        Reserved PRBs, as indices into the carrier grid.
    symbols : tuple of int
        Reserved OFDM symbols of the slot.
    """

    prbs: tuple[int, ...]
    symbols: tuple[int, ...]

    def __post_init__(self) -> None:
        for name in ("prbs", "symbols"):
            v = getattr(self, name)
            if not isinstance(v, tuple) or not v or not all(
                isinstance(i, int | np.integer) and i >= 0 for i in v
            ):
                raise ConfigError(
                    f"reserved.{name}={v!r} is not allowed: it must be a non-empty tuple of "
                    "non-negative indices (TS 38.214 §5.1.4.1)"
                )

    def mask(self, n_symb: int, n_sc: int) -> np.ndarray:
        """The reserved REs as an ``(n_symb, n_sc)`` mask (checked against the grid)."""
        if max(self.prbs) >= n_sc // 12 or max(self.symbols) >= n_symb:
            raise ConfigError(
                f"reserved pattern prbs={self.prbs}, symbols={self.symbols} is not allowed: "
                f"it must lie inside the grid of {n_sc // 12} PRBs × {n_symb} symbols "
                "(TS 38.214 §5.1.4.1)"
            )
        m = np.zeros((n_symb, n_sc), dtype=bool)
        sc = (np.asarray(self.prbs)[:, None] * 12 + np.arange(12)).ravel()
        m[np.ix_(list(self.symbols), sc)] = True
        return m


@dataclass(frozen=True, slots=True, kw_only=True)
class PdschConfig(SharedChannelMixin):
    """A PDSCH transmission in one slot: allocation, MCS, layers, DM-RS, PT-RS.

    Implements the parameter set of TS 38.211 §7.3.1 (PDSCH), §7.4.1.1 (DM-RS),
    §7.4.1.2 (PT-RS) and TS 38.214 §5.1.2 (allocation), §5.1.3 (MCS, TBS), §5.1.4 (rate
    matching around reserved resources). The precoder (§7.3.1.4, left to the
    implementation by the spec) is given to the transmitter.

    Parameters
    ----------
    carrier : CarrierConfig
    bwp : BwpConfig
    mapping_type : {"A", "B"}, default "A"
    start_symbol, num_symbols : int, default 0, 14
        S and L (TS 38.214 Table 5.1.2.1-1).
    prb_start : int, default 0
        First PRB relative to the BWP (contiguous allocation, type 1).
    n_prb : int or None, default None
        Contiguous PRBs (``None``: to the end of the BWP).
    prbs : tuple of int or None, default None
        Explicit PRB list relative to the BWP (resource allocation type 0); overrides
        ``prb_start``/``n_prb``.
    mcs_index : int, default 14
    mcs_table : {"qam64", "qam256", "qam64LowSE", "qam1024"}, default "qam64"
    num_layers : int, default 1
        1..8; 5..8 layers use two codewords (TS 38.211 Table 7.3.1.3-1), both with this
        MCS.
    dmrs : DmrsConfig
    ptrs : PtrsConfig or None
    n_rnti : int, default 1
    n_id : int or None, default None
        dataScramblingIdentityPDSCH 0..1023 (``None``: N_ID^cell) (§7.3.1.1).
    x_overhead : int, default 0
    tb_scaling : float, default 1.0
        TB scaling S: 1, 0.5 or 0.25 (TS 38.214 Table 5.1.3.2-2).
    rv : int, default 0
    lbrm : bool, default False
        Limited-buffer rate matching (TS 38.212 §5.4.2.1).
    lbrm_max_layers : int or None, default None
        X of TBS_LBRM: maxMIMO-Layers of the serving cell (``None``: ``num_layers``);
        min(X, 4) layers enter TBS_LBRM (TS 38.212 §5.4.2.1).
    lbrm_max_bwp_prb : int or None, default None
        The largest BWP size of the serving cell, for n_PRB,LBRM (``None``: this BWP).
    reserved : tuple of RateMatchPattern, default ()

    Examples
    --------
    >>> cfg = PdschConfig(carrier=CarrierConfig(n_size_grid=52), mcs_index=14)
    >>> cfg.resources.tbs, cfg.resources.dmrs_symbols
    ((16136,), (2, 11))
    """

    carrier: CarrierConfig = field(default_factory=CarrierConfig)
    bwp: BwpConfig = field(default_factory=BwpConfig)
    mapping_type: Literal["A", "B"] = "A"
    start_symbol: int = 0
    num_symbols: int = 14
    prb_start: int = 0
    n_prb: int | None = None
    prbs: tuple[int, ...] | None = None
    mcs_index: int = 14
    mcs_table: str = "qam64"
    num_layers: int = 1
    dmrs: DmrsConfig = field(default_factory=DmrsConfig)
    ptrs: PtrsConfig | None = None
    n_rnti: int = 1
    n_id: int | None = None
    x_overhead: int = 0
    tb_scaling: float = 1.0
    rv: int = 0
    lbrm: bool = False
    lbrm_max_layers: int | None = None
    lbrm_max_bwp_prb: int | None = None
    reserved: tuple[RateMatchPattern, ...] = ()
    _resources: ResourcePlan | None = field(default=None, init=False, repr=False,
                                            compare=False)

    def __post_init__(self) -> None:
        check_shared_fields(self, "pdsch")
        if not isinstance(self.reserved, tuple):
            raise ConfigError(f"reserved={self.reserved!r} is not allowed: reserved must be a "
                              "tuple of RateMatchPattern")
        if any(isinstance(r, dict) for r in self.reserved):
            object.__setattr__(self, "reserved", tuple(
                RateMatchPattern.from_dict(r, path=f"reserved[{i}].") if isinstance(r, dict)
                else r for i, r in enumerate(self.reserved)))
        if not all(isinstance(r, RateMatchPattern) for r in self.reserved):
            raise ConfigError(f"reserved={self.reserved!r} is not allowed: reserved must be a "
                              "tuple of RateMatchPattern")
        if self.tb_scaling not in SCALING_VALUES or isinstance(self.tb_scaling, bool):
            raise ConfigError(
                f"tb_scaling={self.tb_scaling!r} is not allowed: tb_scaling must be one of 1, "
                "0.5, 0.25 (TS 38.214 Table 5.1.3.2-2)"
            )
        check_int("num_layers", self.num_layers, "an integer in 1..8", "TS 38.211 §7.3.1.3",
                  lo=1, hi=8)
        if self.mcs_table not in PDSCH_MCS_TABLES:
            raise ConfigError(
                f"mcs_table={self.mcs_table!r} is not allowed: mcs_table must be one of "
                f"{', '.join(PDSCH_MCS_TABLES)} (TS 38.214 §5.1.3.1)"
            )
        if self.prbs is not None and (not isinstance(self.prbs, tuple) or not self.prbs):
            raise ConfigError(f"prbs={self.prbs!r} is not allowed: prbs must be a non-empty "
                              "tuple of PRB indices or None (TS 38.214 §5.1.2.2.1)")
        if self.prbs is not None and (self.prb_start != 0 or self.n_prb is not None):
            raise ConfigError(
                f"prbs={self.prbs} is not allowed with prb_start={self.prb_start}, n_prb="
                f"{self.n_prb}: give either a PRB list (allocation type 0) or a contiguous "
                "range (type 1) (TS 38.214 §5.1.2.2)"
            )
        object.__setattr__(self, "_resources", plan_resources(
            self, channel="pdsch", mcs=self.mcs, ptrs_allowed=True))

    @property
    def mcs(self) -> McsEntry:
        """Q_m and target code rate (TS 38.214 §5.1.3.1)."""
        return config_mcs(self)

    @property
    def max_qm(self) -> int:
        """Largest Q_m of the MCS table (for TBS_LBRM, TS 38.212 §5.4.2.1)."""
        return {"qam256": 8, "qam1024": 10}.get(self.mcs_table, 6)

    @property
    def transform_precoding(self) -> bool:
        """Always False (PDSCH is CP-OFDM)."""
        return False

    def c_init(self, q: int = 0) -> int:
        """Scrambling initialisation c_init of codeword ``q`` (TS 38.211 §7.3.1.1)."""
        return c_init_pdsch(self.n_rnti, self.data_scrambling_id, q)

    def reserved_mask(self, n_symb: int, n_sc: int) -> np.ndarray | None:
        """Union of the reserved patterns (None when there are none)."""
        if not self.reserved:
            return None
        m = np.zeros((n_symb, n_sc), dtype=bool)
        for r in self.reserved:
            m |= r.mask(n_symb, n_sc)
        return m

    def prb_indices(self, n_size_bwp: int) -> list[int]:
        """Allocated PRBs relative to the BWP, checked to lie inside it."""
        if self.prbs is not None:
            if not all(isinstance(i, int | np.integer) and not isinstance(i, bool)
                       for i in self.prbs):
                raise ConfigError(
                    f"prbs={self.prbs} is not allowed: PRB indices must be integers "
                    "(TS 38.214 §5.1.2.2.1)"
                )
            p = sorted(int(i) for i in self.prbs)
            if len(set(p)) != len(p) or p[0] < 0 or p[-1] >= n_size_bwp:
                raise ConfigError(
                    f"prbs={self.prbs} is not allowed: PRB indices must be distinct and in "
                    f"0..{n_size_bwp - 1} (the BWP) (TS 38.214 §5.1.2.2.1)"
                )
            return p
        return contiguous_prbs(self, n_size_bwp, "pdsch")
