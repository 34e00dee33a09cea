"""Carrier and bandwidth-part configuration (TS 38.211 §4.2-§4.4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from nrlink.config._base import FromDictMixin
from nrlink.errors import ConfigError, check_int
from nrlink.spec.ts38211 import numerology

__all__ = ["BwpConfig", "CarrierConfig"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CarrierConfig(FromDictMixin):
    """One carrier of one numerology: its resource grid, cell identity and slot.

    Implements the parameter set of TS 38.211 §4.2 (numerology), §4.3 (frame structure)
    and §4.4.2 (resource grid).

    Parameters
    ----------
    scs_khz : int, default 30
        Subcarrier spacing Δf = 2^μ · 15 kHz, μ = 0..6 (Table 4.2-1).
    cyclic_prefix : {"normal", "extended"}, default "normal"
        Extended CP only with 60 kHz (μ = 2).
    n_size_grid : int, default 52
        N_grid^size,μ: resource blocks of the carrier, 1..275 (§4.4.2).
    n_start_grid : int, default 0
        N_grid^start,μ: first common resource block of the carrier, 0..2199 (§4.4.2).
    n_id_cell : int, default 1
        Physical cell identity N_ID^cell, 0..1007 (§7.4.2.1).
    slot : int, default 0
        Slot number n_s,f^μ within the frame, 0..10·2^μ − 1 (§4.3.2).

    Examples
    --------
    >>> c = CarrierConfig(scs_khz=30, n_size_grid=273)
    >>> c.mu, c.n_symb_slot, c.n_sc
    (1, 14, 3276)
    """

    scs_khz: int = 30
    cyclic_prefix: Literal["normal", "extended"] = "normal"
    n_size_grid: int = 52
    n_start_grid: int = 0
    n_id_cell: int = 1
    slot: int = 0

    def __post_init__(self) -> None:
        mu = numerology.mu_from_scs(self.scs_khz)
        if self.cyclic_prefix not in numerology.CP_TYPES or (
            self.cyclic_prefix == "extended" and mu != 2
        ):
            raise ConfigError(
                f"cyclic_prefix={self.cyclic_prefix!r} is not allowed with scs_khz="
                f"{self.scs_khz}: cyclic_prefix must be 'normal', or 'extended' with 60 kHz "
                "(μ = 2) only (TS 38.211 §4.2, Table 4.2-1)"
            )
        numerology.check_n_size_grid(self.n_size_grid)
        check_int("n_start_grid", self.n_start_grid, "an integer in 0..2199",
                  "TS 38.211 §4.4.2", lo=0, hi=2199)
        check_int("n_id_cell", self.n_id_cell, "an integer in 0..1007",
                  "TS 38.211 §7.4.2.1", lo=0, hi=1007)
        numerology.check_slot(self.slot, mu)

    @property
    def mu(self) -> int:
        """Numerology μ (TS 38.211 Table 4.2-1)."""
        return numerology.mu_from_scs(self.scs_khz)

    @property
    def n_symb_slot(self) -> int:
        """OFDM symbols per slot N_symb^slot: 14 (normal CP) or 12 (extended CP)."""
        return numerology.symbols_per_slot(self.cyclic_prefix)

    @property
    def n_sc(self) -> int:
        """Subcarriers of the carrier grid, N_grid^size,μ · N_sc^RB."""
        return 12 * self.n_size_grid


@dataclass(frozen=True, slots=True, kw_only=True)
class BwpConfig(FromDictMixin):
    """A bandwidth part: contiguous common resource blocks inside the carrier.

    Implements TS 38.211 §4.4.5 (the BWP has the numerology of its carrier here).

    Parameters
    ----------
    n_start_bwp : int or None, default None
        N_BWP^start: first common resource block of the BWP (``None``: the carrier start
        N_grid^start).
    n_size_bwp : int or None, default None
        N_BWP^size: resource blocks of the BWP, 1..275 (``None``: to the end of the
        carrier).

    The BWP must lie inside the carrier; that is checked by the channel configuration,
    which knows the carrier (:meth:`resolve`).
    """

    n_start_bwp: int | None = None
    n_size_bwp: int | None = None

    def __post_init__(self) -> None:
        if self.n_start_bwp is not None:
            check_int("bwp.n_start_bwp", self.n_start_bwp, "an integer in 0..2474 or None",
                      "TS 38.211 §4.4.5", lo=0, hi=2474)
        if self.n_size_bwp is not None:
            check_int("bwp.n_size_bwp", self.n_size_bwp, "an integer in 1..275 or None",
                      "TS 38.211 §4.4.5", lo=1, hi=275)

    def resolve(self, carrier: CarrierConfig) -> tuple[int, int]:
        """``(n_start_bwp, n_size_bwp)`` with defaults filled in, checked against the carrier.

        Raises
        ------
        ConfigError
            If the BWP does not lie inside the carrier (TS 38.211 §4.4.5).
        """
        start = carrier.n_start_grid if self.n_start_bwp is None else self.n_start_bwp
        end_carrier = carrier.n_start_grid + carrier.n_size_grid
        size = end_carrier - start if self.n_size_bwp is None else self.n_size_bwp
        if start < carrier.n_start_grid or size < 1 or start + size > end_carrier:
            raise ConfigError(
                f"bwp.n_start_bwp={start}, bwp.n_size_bwp={size} is not allowed: the BWP "
                f"(CRBs {start}..{start + size - 1}) must lie inside the carrier (CRBs "
                f"{carrier.n_start_grid}..{end_carrier - 1}) (TS 38.211 §4.4.5)"
            )
        return start, size
