"""PDCCH transmitter: DCIs → PDCCH candidates of a search space → the CORESET in a slot grid."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nrlink.config.pdcch import PdcchConfig
from nrlink.errors import ConfigError, check_int
from nrlink.spec._checks import as_bits
from nrlink.spec.ts38211.pdcch import pdcch_symbols

__all__ = ["DciMessage", "PdcchTransmitter"]

_C_MAP = "TS 38.211 §7.3.2.5"
_C_SS = "TS 38.213 §10.1"


@dataclass(frozen=True, slots=True)
class DciMessage:
    """One DCI to send on a PDCCH candidate.

    Parameters
    ----------
    bits : array_like of 0/1, shape (A,)
        DCI payload a_0..a_{A−1} (e.g. from :func:`nrlink.spec.ts38212.dci.pack_dci`).
    rnti : int
        RNTI masking the CRC (and the C-RNTI of the USS hashing), 0..65535.
    aggregation_level : int
        L ∈ {1, 2, 4, 8, 16}.
    candidate : int, default 0
        Candidate index m of level L in the search space (TS 38.213 §10.1).
    """

    bits: np.ndarray
    rnti: int
    aggregation_level: int
    candidate: int = 0

    def __post_init__(self) -> None:
        bits = as_bits("bits", self.bits, "TS 38.212 §7.3.1")
        if bits.ndim != 1:
            raise ConfigError(f"bits of shape {bits.shape} is not allowed: bits must be one "
                              f"DCI payload, shape (A,) (TS 38.212 §7.3.1)")
        object.__setattr__(self, "bits", bits)
        check_int("rnti", self.rnti, "an integer in 0..65535", "TS 38.212 §7.3.2", lo=0,
                  hi=65535)


class PdcchTransmitter:
    """The PDCCH transmit side of one search space set in one slot.

    Implements TS 38.211 §7.3.2 (PDCCH: scrambling, modulation via
    :func:`nrlink.spec.ts38211.pdcch.pdcch_symbols`, CCE-to-REG mapping §7.3.2.2, mapping
    to physical resources §7.3.2.5, antenna port 2000, β_PDCCH = 1) with its DM-RS
    (§7.4.1.3, β = 1), placing each DCI on the CCEs that TS 38.213 §10.1 gives its
    candidate.

    Parameters
    ----------
    config : PdcchConfig

    Examples
    --------
    >>> from nrlink.config.pdcch import PdcchConfig
    >>> tx = PdcchTransmitter(PdcchConfig())
    >>> g = tx.grid([DciMessage(np.zeros(40, np.uint8), rnti=0x4601, aggregation_level=4)])
    >>> g.shape, int(np.count_nonzero(g))
    ((1, 14, 624), 288)
    """

    def __init__(self, config: PdcchConfig):
        if not isinstance(config, PdcchConfig):
            raise ConfigError(f"config={config!r} is not allowed: config must be a PdcchConfig")
        self.config = config
        self.plan = config.plan

    def _first_symbol(self, first_symbol) -> int:
        return self.config.monitoring_symbol(first_symbol)

    def empty_grid(self) -> np.ndarray:
        """A zero grid (1, N_symb^slot, N_grid^size 12) complex64 (port 2000)."""
        c = self.config.carrier
        return np.zeros((1, c.n_symb_slot, c.n_sc), np.complex64)

    def place(self, grid, symbols, first_cce: int, aggregation_level: int, *,
              first_symbol=None) -> None:
        """Write one PDCCH (54 L symbols) and its DM-RS into ``grid`` in place.

        Implements TS 38.211 §7.3.2.5 and §7.4.1.3.2.

        Parameters
        ----------
        grid : ndarray of complex, shape (ports, N_symb^slot, n_sc)
            Every port receives the PDCCH (port 2000 without precoding).
        symbols : array_like of complex, shape (54 L,)
            d(0..M_symb − 1) of the PDCCH.
        first_cce : int
        aggregation_level : int
        first_symbol : int or None
            Monitoring occasion (default: the first of ``monitoring_symbols``).
        """
        fs = self._first_symbol(first_symbol)
        regs = self.plan.regs(first_cce, aggregation_level)
        d = np.asarray(symbols)
        if d.shape != (54 * aggregation_level,) or not np.iscomplexobj(d):
            raise ConfigError(
                f"symbols of shape {d.shape} is not allowed: a PDCCH of aggregation level "
                f"{aggregation_level} carries 54·L = {54 * aggregation_level} complex symbols "
                f"({_C_MAP})"
            )
        res = self.plan.data_res(regs, fs)
        grid[..., res.l, res.k] = d
        l, k, r = self.plan.dmrs_res(self.plan.dmrs_regs(regs), fs)
        grid[..., l, k] = r

    def allocate(self, dcis) -> list[int]:
        """First CCE of each DCI's candidate, checked for overlapping PDCCHs.

        Raises
        ------
        ConfigError
            If two DCIs share a CCE (TS 38.211 §7.3.2; TS 38.213 §10.1).
        """
        if not isinstance(dcis, list | tuple) or not all(isinstance(x, DciMessage) for x in dcis):
            raise ConfigError(f"dcis={dcis!r} is not allowed: dcis must be a list of DciMessage")
        used = np.full(self.plan.n_cce, -1)
        firsts = []
        for i, dci in enumerate(dcis):
            first = self.config.first_cce(dci.rnti, dci.aggregation_level, dci.candidate)
            span = slice(first, first + dci.aggregation_level)
            if np.any(used[span] >= 0):
                j = int(used[span][used[span] >= 0][0])
                raise ConfigError(
                    f"dcis[{i}] (rnti={dci.rnti}, aggregation_level={dci.aggregation_level}, "
                    f"candidate={dci.candidate}: CCEs {first}..{first + dci.aggregation_level - 1})"
                    f" is not allowed: it overlaps dcis[{j}]; PDCCHs of one slot must use "
                    f"disjoint CCEs ({_C_SS})"
                )
            used[span] = i
            firsts.append(first)
        return firsts

    def grid(self, dcis, *, first_symbol=None) -> np.ndarray:
        """The resource grid of port 2000 carrying ``dcis`` and their DM-RS.

        Implements TS 38.211 §7.3.2 and §7.4.1.3 (see the class docstring).

        Parameters
        ----------
        dcis : list of DciMessage
            DCIs on disjoint candidates of the search space.
        first_symbol : int or None
            Monitoring occasion (default: the first of ``monitoring_symbols``).

        Returns
        -------
        grid : ndarray of complex64, shape (1, N_symb^slot, 12 N_grid^size)
            Subcarrier 0 = lowest of the carrier; zero outside the PDCCHs and DM-RS.

        Raises
        ------
        ConfigError
            For overlapping candidates, candidates absent from the search space, or bad
            DCI payloads.
        """
        firsts = self.allocate(dcis)
        grid = self.empty_grid()
        for dci, first in zip(dcis, firsts, strict=True):
            n_id, n_rnti = self.config.scrambling_ids(dci.rnti)
            d = pdcch_symbols(dci.bits, dci.rnti, dci.aggregation_level, n_id, n_rnti)
            self.place(grid, d, first, dci.aggregation_level, first_symbol=first_symbol)
        return grid
