"""PDCCH configuration: CORESETs and search space sets (TS 38.211 §7.3.2; TS 38.213 §10.1).

:class:`CoresetConfig` and :class:`SearchSpaceConfig` mirror the RRC information elements
ControlResourceSet and SearchSpace (TS 38.331) as far as the physical layer needs them;
:class:`PdcchConfig` ties both to a carrier and BWP, checks them against each other and
holds the derived CORESET geometry
(:class:`nrlink.spec.ts38211.coreset.CoresetGeometry`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from nrlink.config._base import FromDictMixin
from nrlink.config.carrier import BwpConfig, CarrierConfig
from nrlink.errors import ConfigError, check_int
from nrlink.spec.ts38211.coreset import CCE_REGS, CoresetGeometry, cce_regs
from nrlink.spec.ts38213.search_space import (
    AGGREGATION_LEVELS,
    SearchSpaceCandidates,
    hashing_y,
    search_space_candidates,
)

__all__ = ["CoresetConfig", "PdcchConfig", "SearchSpaceConfig"]

_C_CORESET = "TS 38.211 §7.3.2.2"
_C_FREQ = "TS 38.213 §10.1, TS 38.331 ControlResourceSet"
_C_SS = "TS 38.213 §10.1"
_C_SS_RRC = "TS 38.213 §10.1, TS 38.331 SearchSpace"
_MAPPINGS = ("interleaved", "non-interleaved")
_GRANULARITIES = ("sameAsREG-bundle", "allContiguousRBs")
_SS_TYPES = ("common", "ue-specific")
#: nrofCandidates values of TS 38.331 SearchSpace (n0..n6, n8).
_CANDIDATE_COUNTS = (0, 1, 2, 3, 4, 5, 6, 8)
#: monitoringSlotPeriodicityAndOffset periodicities in slots (TS 38.331 SearchSpace).
_PERIODICITIES = (1, 2, 4, 5, 8, 10, 16, 20, 40, 80, 160, 320, 640, 1280, 2560)
_N_BITMAP = 45
_CORESET0_RBS = (24, 48, 96)


def _bitmap(value) -> str | None:
    """frequencyDomainResources as a str of '0'/'1' (None stays None); raises if malformed."""
    if value is None:
        return None
    if isinstance(value, str):
        s = value
    elif isinstance(value, tuple | list) and all(
            isinstance(b, int | np.integer) and not isinstance(b, bool) for b in value):
        s = "".join(str(int(b)) for b in value)
    else:
        s = None
    if s is None or not 1 <= len(s) <= _N_BITMAP or set(s) - {"0", "1"} or "1" not in s:
        raise ConfigError(
            f"frequency_domain_resources={value!r} is not allowed: frequency_domain_resources "
            f"must be a bitmap of 1..{_N_BITMAP} bits (str of '0'/'1' or tuple of 0/1), one "
            f"per group of 6 RBs, with at least one 1, or None with n_rb ({_C_FREQ})"
        )
    return s


@dataclass(frozen=True, slots=True, kw_only=True)
class CoresetConfig(FromDictMixin):
    """A control-resource set (CORESET).

    Implements the parameter set of TS 38.211 §7.3.2.2 (RRC ControlResourceSet of
    TS 38.331; CORESET 0 of TS 38.213 §13).

    Parameters
    ----------
    coreset_id : int, default 1
        controlResourceSetId p, 0..15 (0: CORESET 0).
    frequency_domain_resources : str or tuple of int or None, default "11111111"
        frequencyDomainResources: one bit per group of 6 RBs (1..45 bits, first bit =
        first group), the first group starting at CRB 6 ⌈N_BWP^start / 6⌉, or at
        N_BWP^start + ``rb_offset`` when ``rb_offset`` is given (rb-Offset-r16). Stored as
        a str of '0'/'1'. ``None``: a contiguous CORESET of ``n_rb`` RBs instead.
    n_rb : int or None, default None
        With ``frequency_domain_resources=None``: N_RB^CORESET contiguous RBs from
        N_BWP^start + ``rb_offset`` (CORESET 0 style; 24, 48 or 96 when configured by
        the PBCH).
    rb_offset : int or None, default None
        RB offset from the BWP start: 0..5 with a bitmap, 0..274 with ``n_rb`` (``None``:
        aligned groups, resp. 0).
    duration : int, default 2
        N_symb^CORESET, 1..3 (3 requires dmrs-TypeA-Position = 3 for the PDSCH; not
        checked here).
    cce_reg_mapping : {"interleaved", "non-interleaved"}, default "interleaved"
    reg_bundle_size : int, default 6
        L: 6 non-interleaved; interleaved {2, 6} for duration 1-2, {3, 6} for duration 3.
    interleaver_size : int, default 2
        R ∈ {2, 3, 6} (interleaved mapping; N_REG^CORESET / (L R) must be an integer).
    shift_index : int or None, default None
        n_shift, 0..274 (``None``: N_ID^cell).
    precoder_granularity : {"sameAsREG-bundle", "allContiguousRBs"}, default "sameAsREG-bundle"
        Extent of the DM-RS (TS 38.211 §7.4.1.3.2).
    dmrs_scrambling_id : int or None, default None
        pdcch-DMRS-ScramblingID, 0..65535 (``None``: N_ID^cell).
    configured_by_pbch : bool, default False
        CORESET 0 configured by the PBCH or SIB1 (controlResourceSetZero): interleaved,
        L = 6, R = 2, n_shift = N_ID^cell, DM-RS reference point its lowest RB.

    Examples
    --------
    >>> cs = CoresetConfig(frequency_domain_resources="1111", duration=1)
    >>> plan = cs.resolve(CarrierConfig(n_size_grid=52), BwpConfig())
    >>> plan.n_cce, plan.rbs[[0, -1]].tolist()
    (4, [0, 23])
    """

    coreset_id: int = 1
    frequency_domain_resources: str | tuple[int, ...] | None = "11111111"
    n_rb: int | None = None
    rb_offset: int | None = None
    duration: int = 2
    cce_reg_mapping: Literal["interleaved", "non-interleaved"] = "interleaved"
    reg_bundle_size: int = 6
    interleaver_size: int = 2
    shift_index: int | None = None
    precoder_granularity: Literal["sameAsREG-bundle", "allContiguousRBs"] = "sameAsREG-bundle"
    dmrs_scrambling_id: int | None = None
    configured_by_pbch: bool = False

    def __post_init__(self) -> None:
        check_int("coreset_id", self.coreset_id, "an integer in 0..15",
                  "TS 38.331 ControlResourceSetId", lo=0, hi=15)
        bitmap = _bitmap(self.frequency_domain_resources)
        object.__setattr__(self, "frequency_domain_resources", bitmap)
        if (bitmap is None) == (self.n_rb is None):
            raise ConfigError(
                f"n_rb={self.n_rb!r} is not allowed with frequency_domain_resources="
                f"{bitmap!r}: give exactly one of the two (bitmap of 6-RB groups, or n_rb "
                f"contiguous RBs) ({_C_FREQ})"
            )
        if bitmap is None:
            check_int("n_rb", self.n_rb, "an integer in 1..275", _C_CORESET, lo=1, hi=275)
        if self.rb_offset is not None:
            hi = 5 if bitmap is not None else 274
            check_int("rb_offset", self.rb_offset,
                      f"an integer in 0..{hi} (with {'a bitmap' if hi == 5 else 'n_rb'})",
                      _C_FREQ, lo=0, hi=hi)
        check_int("duration", self.duration, "one of 1, 2, 3", _C_CORESET, choices=(1, 2, 3))
        if self.cce_reg_mapping not in _MAPPINGS:
            raise ConfigError(
                f"cce_reg_mapping={self.cce_reg_mapping!r} is not allowed: cce_reg_mapping "
                f"must be 'interleaved' or 'non-interleaved' ({_C_CORESET})"
            )
        if self.cce_reg_mapping == "non-interleaved":
            check_int("reg_bundle_size", self.reg_bundle_size,
                      "6 with cce_reg_mapping='non-interleaved'", _C_CORESET, choices=(6,))
        else:
            allowed = (2, 6) if self.duration < 3 else (3, 6)
            check_int("reg_bundle_size", self.reg_bundle_size,
                      f"one of {allowed[0]}, 6 with interleaving and duration={self.duration}",
                      _C_CORESET, choices=allowed)
        check_int("interleaver_size", self.interleaver_size, "one of 2, 3, 6", _C_CORESET,
                  choices=(2, 3, 6))
        if self.shift_index is not None:
            check_int("shift_index", self.shift_index, "an integer in 0..274 or None",
                      _C_CORESET, lo=0, hi=274)
        if self.precoder_granularity not in _GRANULARITIES:
            raise ConfigError(
                f"precoder_granularity={self.precoder_granularity!r} is not allowed: "
                f"precoder_granularity must be 'sameAsREG-bundle' or 'allContiguousRBs' "
                f"(TS 38.211 §7.3.2.2, §7.4.1.3.2)"
            )
        if self.dmrs_scrambling_id is not None:
            check_int("dmrs_scrambling_id", self.dmrs_scrambling_id,
                      "an integer in 0..65535 or None", "TS 38.211 §7.4.1.3.1", lo=0, hi=65535)
        if not isinstance(self.configured_by_pbch, bool):
            raise ConfigError(f"configured_by_pbch={self.configured_by_pbch!r} is not allowed: "
                              f"configured_by_pbch must be True or False ({_C_CORESET})")
        if self.configured_by_pbch:
            self._check_coreset0()
        n_reg = self.n_rb_coreset * self.duration
        if n_reg % CCE_REGS:
            raise ConfigError(
                f"n_rb={self.n_rb} is not allowed with duration={self.duration}: N_REG^CORESET "
                f"= {n_reg} must be a multiple of 6 (whole CCEs) ({_C_CORESET})"
            )
        if self.interleaved and n_reg % (self.reg_bundle_size * self.interleaver_size):
            raise ConfigError(
                f"interleaver_size={self.interleaver_size} is not allowed with reg_bundle_size="
                f"{self.reg_bundle_size} and N_REG^CORESET={n_reg}: C = N_REG^CORESET / (L R) "
                f"must be an integer ({_C_CORESET})"
            )

    def _check_coreset0(self) -> None:
        required = (("coreset_id", 0), ("frequency_domain_resources", None),
                    ("cce_reg_mapping", "interleaved"), ("reg_bundle_size", 6),
                    ("interleaver_size", 2), ("shift_index", None),
                    ("dmrs_scrambling_id", None))
        for name, value in required:
            if getattr(self, name) != value:
                raise ConfigError(
                    f"{name}={getattr(self, name)!r} is not allowed with configured_by_pbch="
                    f"True: CORESET 0 configured by the PBCH or SIB1 has {name}={value!r} "
                    f"(L = 6, R = 2, n_shift = N_ID^cell) ({_C_CORESET}; TS 38.213 §13)"
                )
        check_int("n_rb", self.n_rb, "one of 24, 48, 96 for CORESET 0", "TS 38.213 §13",
                  choices=_CORESET0_RBS)

    # -- derived ------------------------------------------------------------------------
    @property
    def interleaved(self) -> bool:
        """Whether the CCE-to-REG mapping is interleaved."""
        return self.cce_reg_mapping == "interleaved"

    @property
    def n_rb_coreset(self) -> int:
        """N_RB^CORESET: 6 per set bit of the bitmap, or ``n_rb``."""
        bitmap = self.frequency_domain_resources
        return self.n_rb if bitmap is None else 6 * bitmap.count("1")

    @property
    def n_cce(self) -> int:
        """N_CCE = N_RB^CORESET N_symb^CORESET / 6."""
        return self.n_rb_coreset * self.duration // CCE_REGS

    def crbs(self, carrier: CarrierConfig, bwp: BwpConfig) -> np.ndarray:
        """The CORESET's common resource blocks, checked to lie inside the BWP.

        Implements TS 38.213 §10.1 / TS 38.331 frequencyDomainResources (groups of 6 RBs
        from CRB 6 ⌈N_BWP^start / 6⌉, or from N_BWP^start + rb-Offset).

        Raises
        ------
        ConfigError
            If an RB of the CORESET is outside the BWP (TS 38.211 §7.3.2.2).
        """
        start, size = bwp.resolve(carrier)
        end = start + size
        bitmap = self.frequency_domain_resources
        if bitmap is None:
            first = start + (self.rb_offset or 0)
            crb = np.arange(first, first + self.n_rb, dtype=np.int64)
        else:
            g0 = 6 * math.ceil(start / 6) if self.rb_offset is None else start + self.rb_offset
            groups = np.array([i for i, b in enumerate(bitmap) if b == "1"], dtype=np.int64)
            crb = (g0 + 6 * groups[:, None] + np.arange(6)).ravel()
        if crb[-1] >= end:
            raise ConfigError(
                f"frequency_domain_resources={bitmap!r} (n_rb={self.n_rb!r}, rb_offset="
                f"{self.rb_offset!r}) is not allowed in the BWP of CRBs {start}..{end - 1}: "
                f"the CORESET reaches CRB {int(crb[-1])}; it must lie inside the BWP "
                f"({_C_CORESET}; {_C_FREQ})"
            )
        return crb

    def resolve(self, carrier: CarrierConfig, bwp: BwpConfig | None = None) -> CoresetGeometry:
        """The CORESET geometry in ``carrier`` / ``bwp`` (default: the whole carrier).

        Implements TS 38.211 §7.3.2.2 (n_shift = shiftIndex or N_ID^cell; CCE-to-REG
        mapping) and the DM-RS identities of §7.4.1.3.

        Raises
        ------
        ConfigError
            If the CORESET does not fit in the BWP.
        """
        bwp = BwpConfig() if bwp is None else bwp
        rbs = self.crbs(carrier, bwp) - carrier.n_start_grid
        n_reg = rbs.size * self.duration
        if self.interleaved:
            n_shift = carrier.n_id_cell if self.shift_index is None else self.shift_index
            regs = cce_regs(n_reg, self.reg_bundle_size, interleaved=True,
                            interleaver_size=self.interleaver_size, n_shift=n_shift)
            r = self.interleaver_size
        else:
            n_shift, r = 0, 0
            regs = cce_regs(n_reg, 6, interleaved=False)
        rbs.setflags(write=False)
        regs.setflags(write=False)
        n_id = carrier.n_id_cell if self.dmrs_scrambling_id is None else self.dmrs_scrambling_id
        offset = -int(rbs[0]) if self.configured_by_pbch else carrier.n_start_grid
        return CoresetGeometry(
            rbs=rbs, duration=self.duration, n_reg=n_reg, n_cce=n_reg // CCE_REGS,
            reg_bundle_size=self.reg_bundle_size, interleaved=self.interleaved,
            interleaver_size=r, n_shift=n_shift, cce_regs=regs, dmrs_n_id=n_id,
            dmrs_n_offset=offset, precoder_granularity=self.precoder_granularity,
            scrambling_id_configured=self.dmrs_scrambling_id is not None,
            slot=carrier.slot, n_symb_slot=carrier.n_symb_slot)


def _candidate_tuple(value) -> tuple[int, ...]:
    """M^(L) for L = 1, 2, 4, 8, 16 from a 5-sequence or a {L: M} mapping."""
    bad = ConfigError(
        f"candidates={value!r} is not allowed: candidates must be 5 counts for aggregation "
        f"levels 1, 2, 4, 8, 16 or a mapping {{L: count}} with L in 1, 2, 4, 8, 16 ({_C_SS_RRC})"
    )
    if isinstance(value, dict):
        counts = dict.fromkeys(AGGREGATION_LEVELS, 0)
        for key, count in value.items():
            try:
                ell = int(key)
            except (TypeError, ValueError):
                raise bad from None
            if ell not in counts or isinstance(key, bool):
                raise bad
            counts[ell] = count
        value = tuple(counts.values())
    if not isinstance(value, tuple | list) or len(value) != len(AGGREGATION_LEVELS):
        raise bad
    for ell, count in zip(AGGREGATION_LEVELS, value, strict=True):
        check_int(f"candidates[L={ell}]", count, "one of 0, 1, 2, 3, 4, 5, 6, 8", _C_SS_RRC,
                  choices=_CANDIDATE_COUNTS)
    if not any(value):
        raise ConfigError(f"candidates={tuple(value)!r} is not allowed: a search space needs "
                          f"at least one PDCCH candidate ({_C_SS})")
    return tuple(int(c) for c in value)


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchSpaceConfig(FromDictMixin):
    """A PDCCH search space set.

    Implements the parameter set of TS 38.213 §10.1 (RRC SearchSpace of TS 38.331): what
    the hashing function and the monitoring occasions need.

    Parameters
    ----------
    search_space_id : int, default 1
        searchSpaceId s, 0..39.
    search_space_type : {"common", "ue-specific"}, default "ue-specific"
    coreset_id : int, default 1
        controlResourceSetId p of the associated CORESET.
    candidates : tuple of 5 int or dict, default (0, 0, 2, 2, 1)
        nrofCandidates M^(L) for L = 1, 2, 4, 8, 16, each one of 0..6, 8; a mapping
        {L: M} (int or str keys) is accepted and stored as the tuple.
    monitoring_periodicity : int, default 1
        k_s slots, one of 1, 2, 4, 5, 8, 10, 16, 20, 40, 80, 160, 320, 640, 1280, 2560.
    monitoring_offset : int, default 0
        o_s, 0..k_s − 1.
    monitoring_symbols : tuple of int, default (0,)
        First symbols of the monitoring occasions in a slot (monitoringSymbolsWithinSlot),
        increasing, each 0..13.
    n_ci : int, default 0
        Carrier indicator n_CI, 0..7 (0 for a common search space).
    """

    search_space_id: int = 1
    search_space_type: Literal["common", "ue-specific"] = "ue-specific"
    coreset_id: int = 1
    candidates: tuple[int, ...] = (0, 0, 2, 2, 1)
    monitoring_periodicity: int = 1
    monitoring_offset: int = 0
    monitoring_symbols: tuple[int, ...] = (0,)
    n_ci: int = 0

    def __post_init__(self) -> None:
        check_int("search_space_id", self.search_space_id, "an integer in 0..39",
                  "TS 38.331 SearchSpaceId", lo=0, hi=39)
        if self.search_space_type not in _SS_TYPES:
            raise ConfigError(
                f"search_space_type={self.search_space_type!r} is not allowed: "
                f"search_space_type must be 'common' or 'ue-specific' ({_C_SS})"
            )
        check_int("coreset_id", self.coreset_id, "an integer in 0..15",
                  "TS 38.331 ControlResourceSetId", lo=0, hi=15)
        object.__setattr__(self, "candidates", _candidate_tuple(self.candidates))
        k_s = check_int("monitoring_periodicity", self.monitoring_periodicity,
                        "one of " + ", ".join(map(str, _PERIODICITIES)), _C_SS_RRC,
                        choices=_PERIODICITIES)
        check_int("monitoring_offset", self.monitoring_offset, f"an integer in 0..{k_s - 1}",
                  _C_SS_RRC, lo=0, hi=k_s - 1)
        syms = self.monitoring_symbols
        if (not isinstance(syms, tuple) or not syms
                or any(not isinstance(s, int) or isinstance(s, bool) or not 0 <= s <= 13
                       for s in syms)
                or any(b <= a for a, b in zip(syms, syms[1:], strict=False))):
            raise ConfigError(
                f"monitoring_symbols={syms!r} is not allowed: monitoring_symbols must be a "
                f"non-empty increasing tuple of symbols in 0..13 ({_C_SS_RRC})"
            )
        check_int("n_ci", self.n_ci, "0 for a common search space" if self.common else
                  "an integer in 0..7", _C_SS, lo=0, hi=0 if self.common else 7)

    @property
    def common(self) -> bool:
        """Whether this is a common search space (CSS)."""
        return self.search_space_type == "common"

    def is_monitoring_slot(self, slot: int, slots_per_frame: int, frame: int = 0) -> bool:
        """Whether slot ``slot`` of frame ``frame`` holds PDCCH monitoring occasions.

        Implements TS 38.213 §10.1: (n_f N_slot^frame,μ + n_s,f^μ − o_s) mod k_s = 0.
        """
        return (frame * slots_per_frame + slot - self.monitoring_offset) \
            % self.monitoring_periodicity == 0


@dataclass(frozen=True, slots=True, kw_only=True)
class PdcchConfig(FromDictMixin):
    """PDCCH monitoring of one search space set in one slot: carrier, BWP, CORESET, search space.

    Implements TS 38.211 §7.3.2 and TS 38.213 §10.1. Checked at construction: the CORESET
    lies in the BWP, the search space uses this CORESET, each monitored aggregation level
    and candidate count fits the CORESET's CCEs, the monitoring occasions fit the slot
    and ``carrier.slot`` is a monitoring slot.

    Parameters
    ----------
    carrier : CarrierConfig
    bwp : BwpConfig
    coreset : CoresetConfig
    search_space : SearchSpaceConfig
    frame : int, default 0
        System frame number n_f, 0..1023 (for the monitoring periodicity).

    Examples
    --------
    >>> cfg = PdcchConfig(coreset=CoresetConfig(), search_space=SearchSpaceConfig())
    >>> cfg.plan.n_cce, cfg.candidates(0x4601).level.tolist()
    (16, [4, 4, 8, 8, 16])
    """

    carrier: CarrierConfig = field(default_factory=CarrierConfig)
    bwp: BwpConfig = field(default_factory=BwpConfig)
    coreset: CoresetConfig = field(default_factory=CoresetConfig)
    search_space: SearchSpaceConfig = field(default_factory=SearchSpaceConfig)
    frame: int = 0
    _plan: CoresetGeometry | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name, cls in (("carrier", CarrierConfig), ("bwp", BwpConfig),
                          ("coreset", CoresetConfig), ("search_space", SearchSpaceConfig)):
            if not isinstance(getattr(self, name), cls):
                raise ConfigError(f"{name}={getattr(self, name)!r} is not allowed: {name} "
                                  f"must be a {cls.__name__}")
        check_int("frame", self.frame, "an integer in 0..1023", "TS 38.211 §4.3.1",
                  lo=0, hi=1023)
        cs, ss = self.coreset, self.search_space
        if ss.coreset_id != cs.coreset_id:
            raise ConfigError(
                f"search_space.coreset_id={ss.coreset_id} is not allowed: the search space "
                f"must be associated with the configured CORESET (coreset_id={cs.coreset_id}) "
                f"({_C_SS})"
            )
        plan = cs.resolve(self.carrier, self.bwp)
        object.__setattr__(self, "_plan", plan)
        for ell, count in zip(AGGREGATION_LEVELS, ss.candidates, strict=True):
            if count and ell > plan.n_cce:
                raise ConfigError(
                    f"search_space.candidates[L={ell}]={count} is not allowed: aggregation "
                    f"level {ell} exceeds the CORESET's N_CCE={plan.n_cce} CCEs ({_C_SS})"
                )
            if count > plan.n_cce // ell:
                raise ConfigError(
                    f"search_space.candidates[L={ell}]={count} is not allowed: at most "
                    f"⌊N_CCE / L⌋ = {plan.n_cce // ell} distinct candidates of level {ell} fit "
                    f"the CORESET's {plan.n_cce} CCEs ({_C_SS})"
                )
        n_symb = self.carrier.n_symb_slot
        for s in ss.monitoring_symbols:
            if s + cs.duration > n_symb:
                raise ConfigError(
                    f"search_space.monitoring_symbols={ss.monitoring_symbols!r} is not allowed "
                    f"with coreset.duration={cs.duration}: a monitoring occasion starting at "
                    f"symbol {s} must end within the slot's {n_symb} symbols ({_C_SS})"
                )
        n_slots = 10 << self.carrier.mu
        if not ss.is_monitoring_slot(self.carrier.slot, n_slots, self.frame):
            raise ConfigError(
                f"carrier.slot={self.carrier.slot} is not allowed: it is not a monitoring slot "
                f"of the search space (periodicity {ss.monitoring_periodicity}, offset "
                f"{ss.monitoring_offset}, frame {self.frame}) ({_C_SS})"
            )

    @property
    def plan(self) -> CoresetGeometry:
        """The CORESET geometry (:class:`CoresetGeometry`)."""
        return self._plan

    def hashing_y(self, rnti):
        """Y_{p,n_s} of ``rnti`` in this slot (0 for a common search space) (TS 38.213 §10.1)."""
        return hashing_y(rnti, self.coreset.coreset_id, self.carrier.slot,
                         common=self.search_space.common)

    def candidates(self, rnti) -> SearchSpaceCandidates:
        """All PDCCH candidates for ``rnti`` (int or array) in this slot (TS 38.213 §10.1)."""
        return search_space_candidates(self.plan.n_cce, self.search_space.candidates,
                                       self.hashing_y(rnti), n_ci=self.search_space.n_ci)

    def first_cce(self, rnti: int, aggregation_level: int, candidate: int) -> int:
        """First CCE of candidate m = ``candidate`` of level L for ``rnti`` (TS 38.213 §10.1).

        Raises
        ------
        ConfigError
            If the search space monitors no candidate ``candidate`` at level L.
        """
        ell = check_int("aggregation_level", aggregation_level, "one of 1, 2, 4, 8, 16", _C_SS,
                        choices=AGGREGATION_LEVELS)
        count = self.search_space.candidates[AGGREGATION_LEVELS.index(ell)]
        if count == 0:
            raise ConfigError(
                f"aggregation_level={ell} is not allowed: the search space monitors no "
                f"candidate of level {ell} (candidates={self.search_space.candidates}) ({_C_SS})"
            )
        m = check_int("candidate", candidate, f"an integer in 0..{count - 1} (M^(L={ell}) = "
                      f"{count} candidates)", _C_SS, lo=0, hi=count - 1)
        rnti = check_int("rnti", rnti, "an integer in 0..65535" if self.search_space.common
                         else "an integer in 1..65535 (the C-RNTI)", _C_SS,
                         lo=0 if self.search_space.common else 1, hi=65535)
        c = self.candidates(rnti)
        return int(c.first_cce[(c.level == ell) & (c.m == m)][0])

    def monitoring_symbol(self, first_symbol=None) -> int:
        """The first symbol of the monitoring occasion: ``first_symbol`` checked against
        monitoringSymbolsWithinSlot, or the first of them when None (TS 38.213 §10.1)."""
        syms = self.search_space.monitoring_symbols
        if first_symbol is None:
            return syms[0]
        return check_int("first_symbol", first_symbol,
                         f"one of {', '.join(map(str, syms))} (monitoring_symbols)", _C_SS,
                         choices=syms)

    def scrambling_ids(self, rnti) -> tuple[int, int]:
        """(n_ID, n_RNTI) of the PDCCH scrambling for ``rnti`` (TS 38.211 §7.3.2.3).

        n_ID = pdcch-DMRS-ScramblingID if configured, else N_ID^cell; n_RNTI = the C-RNTI
        in a UE-specific search space with pdcch-DMRS-ScramblingID configured, else 0.
        """
        rnti = check_int("rnti", rnti, "an integer in 0..65535", "TS 38.211 §7.3.2.3",
                         lo=0, hi=65535)
        use_rnti = self.plan.scrambling_id_configured and not self.search_space.common
        return self.plan.dmrs_n_id, rnti if use_rnti else 0
