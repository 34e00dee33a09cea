"""SS/PBCH block burst configuration (TS 38.211 §7.4.3, TS 38.213 §4.1, TS 38.331 MIB)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from nrlink.config._base import FromDictMixin
from nrlink.errors import ConfigError, check_int
from nrlink.spec._checks import check_bool, check_real
from nrlink.spec.ts38211 import numerology
from nrlink.spec.ts38211.ssb import SSB_N_SC
from nrlink.spec.ts38212.bch import Mib
from nrlink.spec.ts38213.ssb_burst import (
    frequency_range,
    ssb_case_scs_khz,
    ssb_first_symbols,
)

__all__ = ["SsbConfig"]

_C41 = "TS 38.213 §4.1"
_C_MIB = "TS 38.331 §6.2.2"
#: Default subCarrierSpacingCommon per case: the SSB SCS in FR1, 120 kHz in FR2.
_DEFAULT_SCS_COMMON = {"A": 15, "B": 30, "C": 30, "D": 120, "E": 120}


@dataclass(frozen=True, slots=True, kw_only=True)
class SsbConfig(FromDictMixin):
    """A cell's SS/PBCH block burst: pattern, transmitted blocks, position, MIB, powers.

    Implements the parameter set of TS 38.213 §4.1 (burst pattern, L_max,
    ssb-PositionsInBurst), TS 38.211 §7.4.3 (block content and amplitudes β) and
    TS 38.331 §6.2.2 (MIB content). Checked at construction.

    The resource grid of the burst uses the SS/PBCH block numerology (the SCS of the
    case) and normal CP; ``ssb_offset_sc`` places the block's subcarrier 0 in that grid.

    Parameters
    ----------
    n_id_cell : int, default 1
        Physical cell identity N_ID^cell, 0..1007.
    case : {"A", "B", "C", "D", "E"}, default "C"
        SS/PBCH block pattern (A 15 kHz, B/C 30 kHz, D 120 kHz, E 240 kHz).
    carrier_frequency_hz : float, default 3.5e9
        Carrier frequency; sets L_max and the candidate positions with ``case``.
    paired : bool, default False
        Paired (FDD) or unpaired (TDD) spectrum (Case C only).
    ssb_positions_in_burst : tuple of int or None, default None
        ssb-PositionsInBurst: L_max bits, bit i = 1 if block i is transmitted (``None``:
        all blocks).
    n_size_grid : int, default 52
        Resource blocks of the carrier grid in the SSB numerology, 20..275.
    ssb_offset_sc : int, default 0
        Subcarrier of the carrier grid holding subcarrier 0 of the SS/PBCH blocks,
        0..12·n_size_grid − 240.
    sub_carrier_spacing_common : int or None, default None
        MIB subCarrierSpacingCommon in kHz (15/30 in FR1, 60/120 in FR2); ``None``: the
        SSB SCS in FR1, 120 kHz in FR2.
    k_ssb : int, default 0
        k_SSB signalled in the MIB (and PBCH bit ā_29): 0..31 in FR1, 0..15 in FR2. It
        describes the SSB's offset to the common resource grid to the UE; nrlink places
        the block with ``ssb_offset_sc`` and does not derive one from the other.
    dmrs_type_a_position : {2, 3}, default 2
    pdcch_config_sib1 : int, default 0
    cell_barred : {"barred", "notBarred"}, default "notBarred"
    intra_freq_reselection : {"allowed", "notAllowed"}, default "allowed"
    spare : {0, 1}, default 0
        The other MIB fields (see :class:`~nrlink.spec.ts38212.bch.Mib`).
    beta_pss, beta_sss, beta_pbch, beta_dmrs : float, default 1.0
        Amplitude scaling factors β of TS 38.211 §7.4.3.1.1-3 (e.g. β_PSS for the
        0 / 3 dB PSS-to-SSS EPRE ratio of TS 38.213 §4.1).

    Examples
    --------
    >>> c = SsbConfig(case="A", carrier_frequency_hz=2.1e9, ssb_positions_in_burst=(1, 0, 1, 0))
    >>> c.l_max, c.transmitted_ssb_indices.tolist(), c.first_symbols.tolist()
    (4, [0, 2], [2, 16])
    """

    n_id_cell: int = 1
    case: Literal["A", "B", "C", "D", "E"] = "C"
    carrier_frequency_hz: float = 3.5e9
    paired: bool = False
    ssb_positions_in_burst: tuple[int, ...] | None = None
    n_size_grid: int = 52
    ssb_offset_sc: int = 0
    sub_carrier_spacing_common: int | None = None
    k_ssb: int = 0
    dmrs_type_a_position: int = 2
    pdcch_config_sib1: int = 0
    cell_barred: str = "notBarred"
    intra_freq_reselection: str = "allowed"
    spare: int = 0
    beta_pss: float = 1.0
    beta_sss: float = 1.0
    beta_pbch: float = 1.0
    beta_dmrs: float = 1.0

    def __post_init__(self) -> None:
        check_int("n_id_cell", self.n_id_cell, "an integer in 0..1007", "TS 38.211 §7.4.2.1",
                  lo=0, hi=1007)
        check_bool("paired", self.paired, _C41)
        l_max = ssb_first_symbols(self.case, self.carrier_frequency_hz,
                                  paired=self.paired).size  # checks case and frequency
        pos = self.ssb_positions_in_burst
        if pos is not None:
            ok = (isinstance(pos, tuple) and len(pos) == l_max
                  and all(isinstance(x, int | np.integer) and not isinstance(x, bool)
                          and x in (0, 1) for x in pos) and any(pos))
            if not ok:
                raise ConfigError(
                    f"ssb_positions_in_burst={pos!r} is not allowed: ssb_positions_in_burst "
                    f"must be a tuple of L_max={l_max} bits 0/1 with at least one 1, or None "
                    f"({_C41}, TS 38.331 ServingCellConfigCommon)")
        numerology.check_n_size_grid(self.n_size_grid)
        if self.n_size_grid < 20:
            raise ConfigError(f"n_size_grid={self.n_size_grid} is not allowed: n_size_grid must "
                              f"be at least 20 (an SS/PBCH block spans 20 RBs, TS 38.211 "
                              f"§7.4.3.1)")
        hi = 12 * self.n_size_grid - SSB_N_SC
        check_int("ssb_offset_sc", self.ssb_offset_sc, f"an integer in 0..{hi} (the block's "
                  f"240 subcarriers inside the {12 * self.n_size_grid} of the grid)",
                  "TS 38.211 §7.4.3.1", lo=0, hi=hi)
        fr2 = frequency_range(self.carrier_frequency_hz) == "FR2"
        if self.sub_carrier_spacing_common is not None:
            allowed = (60, 120) if fr2 else (15, 30)
            check_int("sub_carrier_spacing_common", self.sub_carrier_spacing_common,
                      f"one of {allowed[0]}, {allowed[1]} ({'FR2' if fr2 else 'FR1'}) or None",
                      _C_MIB, choices=allowed)
        k_hi = 15 if fr2 else 31
        check_int("k_ssb", self.k_ssb, f"an integer in 0..{k_hi} ({'FR2' if fr2 else 'FR1'})",
                  f"{_C_MIB}, TS 38.211 §7.4.3.1", lo=0, hi=k_hi)
        self.mib(0)  # validates the remaining MIB fields
        for name in ("beta_pss", "beta_sss", "beta_pbch", "beta_dmrs"):
            check_real(name, getattr(self, name), "a finite number > 0", "TS 38.211 §7.4.3.1",
                       positive=True)

    @property
    def scs_khz(self) -> int:
        """Subcarrier spacing of the SS/PBCH blocks (of the case), kHz."""
        return ssb_case_scs_khz(self.case)

    @property
    def mu(self) -> int:
        """Numerology μ of the SS/PBCH blocks."""
        return numerology.mu_from_scs(self.scs_khz)

    @property
    def n_sc(self) -> int:
        """Subcarriers of the carrier grid, 12 · n_size_grid."""
        return 12 * self.n_size_grid

    @property
    def n_symbols_half_frame(self) -> int:
        """OFDM symbols in a half frame: 5 subframes × 14 · 2^μ."""
        return 70 << self.mu

    @property
    def candidate_first_symbols(self) -> np.ndarray:
        """First symbols of all L_max candidate blocks in the half frame (TS 38.213 §4.1)."""
        return ssb_first_symbols(self.case, self.carrier_frequency_hz, paired=self.paired)

    @property
    def l_max(self) -> int:
        """L_max: the number of candidate SS/PBCH blocks in a half frame."""
        return int(self.candidate_first_symbols.size)

    @property
    def transmitted_ssb_indices(self) -> np.ndarray:
        """Indices of the transmitted blocks (the 1s of ssb_positions_in_burst), ascending."""
        if self.ssb_positions_in_burst is None:
            return np.arange(self.l_max)
        return np.flatnonzero(np.asarray(self.ssb_positions_in_burst))

    @property
    def first_symbols(self) -> np.ndarray:
        """First symbols of the transmitted blocks (order of :attr:`transmitted_ssb_indices`)."""
        return self.candidate_first_symbols[self.transmitted_ssb_indices]

    def mib(self, sfn: int) -> Mib:
        """The MIB (with the full SFN) sent in frame ``sfn``, 0..1023."""
        scs = self.sub_carrier_spacing_common
        if scs is None:
            scs = _DEFAULT_SCS_COMMON[self.case]
        return Mib(system_frame_number=sfn, sub_carrier_spacing_common=scs, k_ssb=self.k_ssb,
                   dmrs_type_a_position=self.dmrs_type_a_position,
                   pdcch_config_sib1=self.pdcch_config_sib1, cell_barred=self.cell_barred,
                   intra_freq_reselection=self.intra_freq_reselection, spare=self.spare)
