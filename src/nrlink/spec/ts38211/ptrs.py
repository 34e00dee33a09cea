"""Phase-tracking reference signals (PT-RS) of PDSCH and PUSCH (no transform precoding).

Implements TS 38.211 §7.4.1.2 (PDSCH: §7.4.1.2.1 sequence, §7.4.1.2.2 mapping, Table
7.4.1.2.2-1) and §6.4.1.2 (PUSCH without transform precoding: §6.4.1.2.1.1 sequence,
§6.4.1.2.2.1 mapping, Table 6.4.1.2.2.1-1).

The PT-RS of a port is the DM-RS sequence of its associated DM-RS port at the first DM-RS
symbol l0, taken at the PT-RS subcarrier, scaled by β_PT-RS and repeated on every PT-RS
symbol. DM-RS ports are given 0-based: index p means port 1000 + p on PDSCH and port p on
PUSCH.

Notes
-----
Not covered: PT-RS with transform precoding (§6.4.1.2.1.2, §6.4.1.2.2.2), non-contiguous
or interleaved allocations, intra-slot frequency hopping, PUSCH repetition type B, and the
precoding of the PUSCH PT-RS (apply it with the layer's precoder, as for the DM-RS). REs
that the PT-RS must avoid besides the DM-RS (CSI-RS, SS/PBCH, CORESET, reserved REs of
§7.4.1.2.2) are for the caller to mask out.
"""

from __future__ import annotations

import numpy as np

from nrlink.errors import ConfigError, check_int
from nrlink.spec._checks import check_choice, check_real
from nrlink.spec.ts38211.dmrs import dmrs_c_init, dmrs_sequence
from nrlink.spec.ts38211.dmrs_tables import DMRS_PORT_TABLE, check_dmrs_config_type
from nrlink.spec.ts38211.mapping import check_symbol_allocation
from nrlink.spec.ts38211.numerology import N_SC_RB, check_n_size_grid, check_n_start_grid
from nrlink.spec.ts38214.ptrs import (
    PTRS_FREQUENCY_DENSITIES,
    PTRS_TIME_DENSITIES,
    ptrs_beta_pdsch,
    ptrs_beta_pusch,
)

__all__ = [
    "K_REF_RE",
    "PTRS_RE_OFFSETS",
    "ptrs_grid",
    "ptrs_k_ref_rb",
    "ptrs_k_ref_re",
    "ptrs_subcarriers",
    "ptrs_symbols",
]

#: Values of resourceElementOffset, the columns of Tables 7.4.1.2.2-1 / 6.4.1.2.2.1-1
#: ('offset00' when the parameter is not configured).
PTRS_RE_OFFSETS: tuple[str, ...] = ("offset00", "offset01", "offset10", "offset11")

#: TS 38.211 Table 7.4.1.2.2-1 (PDSCH, ports 1000 + p) = Table 6.4.1.2.2.1-1 (PUSCH,
#: ports p): ``config_type -> k_ref^RE[p][column]`` for DM-RS port index p and the
#: columns of :data:`PTRS_RE_OFFSETS`.
K_REF_RE: dict[int, tuple[tuple[int, int, int, int], ...]] = {
    1: (
        (0, 2, 6, 8),  # 1000 / 0
        (2, 4, 8, 10),  # 1001 / 1
        (1, 3, 7, 9),  # 1002 / 2
        (3, 5, 9, 11),  # 1003 / 3
    ),
    2: (
        (0, 1, 6, 7),  # 1000 / 0
        (1, 6, 7, 0),  # 1001 / 1
        (2, 3, 8, 9),  # 1002 / 2
        (3, 8, 9, 2),  # 1003 / 3
        (4, 5, 10, 11),  # 1004 / 4
        (5, 10, 11, 4),  # 1005 / 5
    ),
}

_CLAUSE_MAP = "TS 38.211 §7.4.1.2.2, §6.4.1.2.2.1"
_CLAUSE_TABLE = "TS 38.211 Table 7.4.1.2.2-1, Table 6.4.1.2.2.1-1"
_CLAUSE_SEQ = "TS 38.211 §7.4.1.2.1, §6.4.1.2.1.1"
_CHANNELS = ("pdsch", "pusch")


# ---------------------------------------------------------------------------------------
# Validation helpers


def _check_port(name: str, port, config_type: int) -> int:
    hi = len(K_REF_RE[config_type]) - 1
    allowed = f"an integer in 0..{hi} (a DM-RS port of a PT-RS port, type {config_type})"
    return check_int(name, port, allowed, _CLAUSE_TABLE, lo=0, hi=hi)


def _check_re_offset(resource_element_offset) -> int:
    offset = check_choice(
        "resource_element_offset", resource_element_offset, PTRS_RE_OFFSETS, _CLAUSE_TABLE
    )
    return PTRS_RE_OFFSETS.index(offset)


def _check_n_rb(n_rb) -> int:
    return check_n_size_grid(n_rb, "n_rb", _CLAUSE_MAP)


def _check_dmrs_symbols(dmrs_symbols, l_start: int, l_duration: int) -> tuple[int, ...]:
    try:
        d = tuple(dmrs_symbols)
    except TypeError:
        d = None
    ok = (
        d is not None
        and len(d) > 0
        and all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in d)
    )
    if ok:
        d = tuple(int(v) for v in d)
        ok = all(a < b for a, b in zip(d, d[1:], strict=False))
    if not ok:
        raise ConfigError(
            f"dmrs_symbols={dmrs_symbols!r} is not allowed: dmrs_symbols must be a non-empty, "
            f"strictly increasing sequence of slot symbol indices (both symbols of a "
            f"double-symbol DM-RS) ({_CLAUSE_MAP})"
        )
    if d[0] < l_start or d[-1] >= l_start + l_duration:
        raise ConfigError(
            f"dmrs_symbols={list(d)} is not allowed: every DM-RS symbol must lie in the "
            f"allocation {l_start}..{l_start + l_duration - 1} ({_CLAUSE_MAP})"
        )
    return d


# ---------------------------------------------------------------------------------------
# Time domain


def ptrs_symbols(
    *, l_start: int, l_duration: int, dmrs_symbols, l_ptrs: int, n_symb_slot: int = 14
) -> tuple[int, ...]:
    """OFDM symbols of the slot that carry PT-RS.

    Implements TS 38.211 §7.4.1.2.2 (PDSCH) and §6.4.1.2.2.1 (PUSCH).

    With l counted from the start of the allocation (l = 0 is symbol ``l_start``):

    1. set i = 0 and l_ref = 0;
    2. if any symbol in max(l_ref + (i - 1) L_PT-RS + 1, l_ref), ..., l_ref + i L_PT-RS
       overlaps a DM-RS symbol, set i = 1, set l_ref to that DM-RS symbol (the second one
       of a double-symbol DM-RS) and repeat step 2 as long as l_ref + i L_PT-RS is inside
       the allocation;
    3. add l_ref + i L_PT-RS to the PT-RS symbols;
    4. increment i by one;
    5. repeat from step 2 as long as l_ref + i L_PT-RS is inside the allocation.

    Parameters
    ----------
    l_start : int
        First symbol S of the PDSCH/PUSCH allocation in the slot.
    l_duration : int
        Number of allocated symbols L_d (``l_start + l_duration <= n_symb_slot``).
    dmrs_symbols : sequence of int
        The DM-RS symbols of the allocation as slot symbol indices, strictly increasing,
        with both symbols of a double-symbol DM-RS.
    l_ptrs : int
        Time density L_PT-RS, 1, 2 or 4 (TS 38.214 Table 5.1.6.3-1).
    n_symb_slot : int, default 14
        Symbols per slot (14 normal, 12 extended cyclic prefix).

    Returns
    -------
    tuple of int
        The PT-RS symbols as slot symbol indices, increasing; never a DM-RS symbol.

    Raises
    ------
    ConfigError
        For an allocation outside the slot, DM-RS symbols that are empty, not strictly
        increasing or outside the allocation, or ``l_ptrs`` not in {1, 2, 4}.

    Notes
    -----
    Step 2 takes the last DM-RS symbol of the interval as l_ref. When the interval holds
    only the first symbol of a double-symbol DM-RS, the next interval starts at the second
    symbol, which then becomes l_ref: the same result as the spec's "second DM-RS symbol".

    Examples
    --------
    >>> ptrs_symbols(l_start=0, l_duration=14, dmrs_symbols=(2,), l_ptrs=4)
    (0, 6, 10)
    >>> ptrs_symbols(l_start=0, l_duration=14, dmrs_symbols=(2, 3, 11), l_ptrs=2)
    (0, 5, 7, 9, 13)
    """
    l_start, l_duration, n_symb_slot = check_symbol_allocation(
        l_start, l_duration, n_symb_slot, _CLAUSE_MAP
    )
    dmrs = _check_dmrs_symbols(dmrs_symbols, l_start, l_duration)
    l_ptrs = check_int(
        "l_ptrs", l_ptrs, "1, 2 or 4 (L_PT-RS)", _CLAUSE_MAP, choices=PTRS_TIME_DENSITIES
    )
    dmrs_rel = {d - l_start for d in dmrs}  # l relative to the start of the allocation
    out = []
    i, l_ref = 0, 0  # step 1
    while l_ref + i * l_ptrs < l_duration:  # steps 2 and 5: stay inside the allocation
        window = range(max(l_ref + (i - 1) * l_ptrs + 1, l_ref), l_ref + i * l_ptrs + 1)
        overlap = [l for l in window if l in dmrs_rel]
        if overlap:  # step 2
            i, l_ref = 1, overlap[-1]
            continue
        out.append(l_start + l_ref + i * l_ptrs)  # step 3
        i += 1  # step 4
    return tuple(out)


# ---------------------------------------------------------------------------------------
# Frequency domain


def ptrs_k_ref_re(
    *, config_type: int, dmrs_port_index: int, resource_element_offset: str = "offset00"
) -> int:
    """Subcarrier offset k_ref^RE of the PT-RS within its resource block.

    Implements TS 38.211 Table 7.4.1.2.2-1 (PDSCH) and Table 6.4.1.2.2.1-1 (PUSCH).

    Parameters
    ----------
    config_type : int
        DM-RS configuration type, 1 or 2.
    dmrs_port_index : int
        0-based DM-RS port associated with the PT-RS port (port 1000 + index on PDSCH,
        port index on PUSCH): 0..3 for type 1, 0..5 for type 2.
    resource_element_offset : str, default "offset00"
        resourceElementOffset, one of :data:`PTRS_RE_OFFSETS` ('offset00' when not
        configured).

    Returns
    -------
    int
        k_ref^RE in 0..11.

    Raises
    ------
    ConfigError
        For a bad configuration type, port or offset.

    Examples
    --------
    >>> ptrs_k_ref_re(config_type=1, dmrs_port_index=2, resource_element_offset="offset10")
    7
    """
    config_type = check_dmrs_config_type(config_type, _CLAUSE_TABLE)
    port = _check_port("dmrs_port_index", dmrs_port_index, config_type)
    column = _check_re_offset(resource_element_offset)
    return K_REF_RE[config_type][port][column]


def ptrs_k_ref_rb(*, n_rb: int, k_ptrs: int, n_rnti: int) -> int:
    """Resource-block offset k_ref^RB of the PT-RS within the allocation.

    Implements TS 38.211 §7.4.1.2.2 and §6.4.1.2.2.1.

    k_ref^RB = n_RNTI mod K_PT-RS if N_RB mod K_PT-RS = 0, else
    n_RNTI mod (N_RB mod K_PT-RS).

    Parameters
    ----------
    n_rb : int
        Number of scheduled resource blocks N_RB, 1..275.
    k_ptrs : int
        Frequency density K_PT-RS, 2 or 4.
    n_rnti : int
        RNTI n_RNTI associated with the DCI scheduling the transmission, 0..65535.

    Returns
    -------
    int
        k_ref^RB, always < min(K_PT-RS, N_RB).

    Raises
    ------
    ConfigError
        For a parameter out of range.

    Examples
    --------
    >>> ptrs_k_ref_rb(n_rb=10, k_ptrs=4, n_rnti=1001)
    1
    """
    n_rb = _check_n_rb(n_rb)
    k_ptrs = check_int("k_ptrs", k_ptrs, "2 or 4", _CLAUSE_MAP, choices=PTRS_FREQUENCY_DENSITIES)
    n_rnti = check_int("n_rnti", n_rnti, "an integer in 0..65535", _CLAUSE_MAP, lo=0, hi=65535)
    r = n_rb % k_ptrs
    return n_rnti % k_ptrs if r == 0 else n_rnti % r


def ptrs_subcarriers(
    *,
    n_rb: int,
    k_ptrs: int,
    n_rnti: int,
    resource_element_offset: str = "offset00",
    config_type: int = 1,
    dmrs_port_index: int = 0,
) -> np.ndarray:
    """Subcarriers of the allocation that carry PT-RS.

    Implements TS 38.211 §7.4.1.2.2 (PDSCH, Table 7.4.1.2.2-1) and §6.4.1.2.2.1 (PUSCH,
    Table 6.4.1.2.2.1-1).

    k = k_ref^RE + (i K_PT-RS + k_ref^RB) N_sc^RB, i = 0, 1, ..., for every k inside the
    N_RB scheduled resource blocks, numbered from 0 at the lowest subcarrier of the lowest
    scheduled resource block.

    Parameters
    ----------
    n_rb : int
        Number of scheduled resource blocks N_RB, 1..275.
    k_ptrs : int
        Frequency density K_PT-RS, 2 or 4 (TS 38.214 Table 5.1.6.3-2).
    n_rnti : int
        RNTI associated with the DCI scheduling the transmission, 0..65535.
    resource_element_offset : str, default "offset00"
        resourceElementOffset ('offset00' ... 'offset11').
    config_type : int, default 1
        DM-RS configuration type, 1 or 2.
    dmrs_port_index : int, default 0
        0-based DM-RS port associated with the PT-RS port (see :func:`ptrs_k_ref_re`).

    Returns
    -------
    k : ndarray of int64, shape (n,)
        Increasing subcarrier indices in 0..12 N_RB - 1, one per PT-RS resource block.

    Raises
    ------
    ConfigError
        For a parameter out of range.

    Examples
    --------
    >>> ptrs_subcarriers(n_rb=10, k_ptrs=4, n_rnti=1001, resource_element_offset="offset10",
    ...                  config_type=1, dmrs_port_index=2)
    array([ 19,  67, 115])
    """
    k_ref_rb = ptrs_k_ref_rb(n_rb=n_rb, k_ptrs=k_ptrs, n_rnti=n_rnti)
    k_ref_re = ptrs_k_ref_re(
        config_type=config_type,
        dmrs_port_index=dmrs_port_index,
        resource_element_offset=resource_element_offset,
    )
    rbs = np.arange(k_ref_rb, n_rb, k_ptrs, dtype=np.int64)  # i K_PT-RS + k_ref^RB
    return k_ref_re + rbs * N_SC_RB


# ---------------------------------------------------------------------------------------
# Sequence and resource grid


def _dmrs_sequence_index(k_abs: np.ndarray, config_type: int, delta: int) -> np.ndarray:
    """Index 2n + k' of the DM-RS sequence r at absolute subcarrier ``k_abs``.

    Inverts the DM-RS mapping k = 4n + 2k' + Δ (type 1) / k = 6n + k' + Δ (type 2) of
    §7.4.1.1.2 and §6.4.1.1.3, for subcarriers that carry the port's DM-RS.
    """
    if config_type == 1:
        return (k_abs - delta) // 2  # 4n + 2k' = k - Δ  ->  2n + k'
    n, k_prime = np.divmod(k_abs - delta, 6)
    return 2 * n + k_prime


def _per_port(name: str, value, num_ports: int, allowed: str, lo: int, hi: int) -> list[int]:
    values = [value] * num_ports if not isinstance(value, tuple | list) else list(value)
    if len(values) != num_ports:
        raise ConfigError(
            f"{name}={value!r} is not allowed: {name} must be an integer or one integer per "
            f"PT-RS port ({num_ports}) ({_CLAUSE_SEQ})"
        )
    return [check_int(name, v, allowed, _CLAUSE_SEQ, lo=lo, hi=hi) for v in values]


def ptrs_grid(
    *,
    n_size_grid: int,
    rb_start: int,
    n_rb: int,
    l_start: int,
    l_duration: int,
    dmrs_symbols,
    l_ptrs: int,
    k_ptrs: int,
    n_rnti: int,
    n_id: int,
    n_scid=0,
    lambda_bar=0,
    n_slot: int = 0,
    n_symb_slot: int = 14,
    n_start_grid: int = 0,
    resource_element_offset: str = "offset00",
    config_type: int = 1,
    dmrs_ports=(0,),
    channel: str = "pdsch",
    n_layers: int = 1,
    epre_ratio: int = 0,
    beta_ptrs: float | None = None,
    rounded_db: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """PT-RS resource elements and values of a PDSCH/PUSCH allocation in a slot.

    Implements TS 38.211 §7.4.1.2 (PDSCH) and §6.4.1.2.1.1, §6.4.1.2.2.1 (PUSCH without
    transform precoding), with β_PT-RS of TS 38.214 §4.1 (Table 4.1-2) on PDSCH.

    a_(k,l) = β_PT-RS r_k on the PT-RS symbols l (:func:`ptrs_symbols`) and subcarriers k
    (:func:`ptrs_subcarriers`), where r_k = r(2m + k') is the DM-RS sequence of
    §7.4.1.1.1 / §6.4.1.1.1.1 generated for the first DM-RS symbol l0 of the slot, taken at
    subcarrier k of the associated DM-RS port (the index 2m + k' of the DM-RS mapping at
    that subcarrier).

    Parameters
    ----------
    n_size_grid : int
        Width of the returned grid in resource blocks, 1..275 (the carrier or BWP grid).
    rb_start : int
        Lowest allocated resource block within the grid.
    n_rb : int
        Number of allocated (contiguous) resource blocks N_RB; ``rb_start + n_rb <=
        n_size_grid``.
    l_start, l_duration : int
        First symbol and number of symbols of the allocation in the slot.
    dmrs_symbols : sequence of int
        DM-RS symbols of the slot (both symbols of a double-symbol DM-RS), increasing.
    l_ptrs, k_ptrs : int
        Time density L_PT-RS (1, 2, 4) and frequency density K_PT-RS (2, 4).
    n_rnti : int
        RNTI of the scheduling DCI, 0..65535.
    n_id : int
        DM-RS scrambling identity N_ID^{n̄_SCID,λ̄} of the associated DM-RS, 0..65535.
    n_scid, lambda_bar : int or sequence of int, default 0
        n̄_SCID and λ̄ of the DM-RS c_init (see :func:`~nrlink.spec.ts38211.dmrs.dmrs_c_init`),
        one value for all PT-RS ports or one per port.
    n_slot : int, default 0
        Slot number n_s,f^μ in the frame.
    n_symb_slot : int, default 14
        Symbols per slot (12 with extended cyclic prefix).
    n_start_grid : int, default 0
        Common resource block of the grid's first resource block, 0..2199: grid
        subcarrier k is subcarrier 12 n_start_grid + k counted from CRB 0, the reference
        point of the DM-RS sequence.
    resource_element_offset : str, default "offset00"
        resourceElementOffset.
    config_type : int, default 1
        DM-RS configuration type, 1 or 2.
    dmrs_ports : sequence of int, default (0,)
        The distinct 0-based DM-RS ports associated with the PT-RS ports (one or two);
        0..3 for type 1, 0..5 for type 2.
    channel : str, default "pdsch"
        ``"pdsch"`` or ``"pusch"``; selects how β_PT-RS is found when not given.
    n_layers : int, default 1
        PDSCH layers with DM-RS associated to the PT-RS port, 1..6 (Table 4.1-2).
    epre_ratio : int, default 0
        epre-Ratio of PTRS-DownlinkConfig, 0 or 1.
    beta_ptrs : float, optional
        β_PT-RS > 0; overrides the Table 4.1-2 value. Required for ``"pusch"``.
    rounded_db : bool, default False
        Table 4.1-2 taken literally in dB instead of the exact √n_layers (see
        :func:`~nrlink.spec.ts38214.ptrs.ptrs_beta_pdsch`).

    Returns
    -------
    values : ndarray of complex64, shape (num_ports, n_symb_slot, 12 n_size_grid)
        β_PT-RS r_k on the PT-RS REs of each PT-RS port, 0 elsewhere.
    mask : ndarray of bool, same shape
        The PT-RS REs.

    Raises
    ------
    ConfigError
        For any parameter out of range (see the functions above), an allocation outside
        the grid, repeated or too many ``dmrs_ports``, or a bad ``channel``.
    NotImplementedError
        For ``channel="pusch"`` without ``beta_ptrs`` (TS 38.214 Table 6.2.3.1-3 is not
        implemented).

    Examples
    --------
    >>> values, mask = ptrs_grid(n_size_grid=4, rb_start=0, n_rb=4, l_start=0, l_duration=14,
    ...                          dmrs_symbols=(2,), l_ptrs=4, k_ptrs=2, n_rnti=1, n_id=0)
    >>> values.shape, np.argwhere(mask[0]).tolist()
    ((1, 14, 48), [[0, 12], [0, 36], [6, 12], [6, 36], [10, 12], [10, 36]])
    """
    n_size_grid = check_n_size_grid(n_size_grid)
    rb_start = check_int(
        "rb_start", rb_start, f"an integer in 0..{n_size_grid - 1}", _CLAUSE_MAP, lo=0,
        hi=n_size_grid - 1,
    )  # fmt: skip
    n_rb = _check_n_rb(n_rb)
    if rb_start + n_rb > n_size_grid:
        raise ConfigError(
            f"rb_start={rb_start}, n_rb={n_rb} is not allowed: the allocation must fit in the "
            f"grid of n_size_grid={n_size_grid} resource blocks ({_CLAUSE_MAP})"
        )
    n_start_grid = check_n_start_grid(n_start_grid)
    config_type = check_dmrs_config_type(config_type, _CLAUSE_TABLE)
    try:
        ports = tuple(dmrs_ports)
    except TypeError:
        ports = ()
    if not 1 <= len(ports) <= 2:
        raise ConfigError(
            f"dmrs_ports={dmrs_ports!r} is not allowed: dmrs_ports must hold one or two DM-RS "
            f"port indices, one per PT-RS port ({_CLAUSE_MAP})"
        )
    ports = tuple(_check_port("dmrs_ports", p, config_type) for p in ports)
    if len(set(ports)) != len(ports):
        raise ConfigError(
            f"dmrs_ports={list(ports)} is not allowed: the DM-RS ports of the PT-RS ports "
            f"must be distinct ({_CLAUSE_MAP})"
        )
    channel = check_choice("channel", channel, _CHANNELS, _CLAUSE_MAP)
    if beta_ptrs is None:
        beta = (
            ptrs_beta_pdsch(n_layers, epre_ratio, rounded_db=rounded_db)
            if channel == "pdsch"
            else ptrs_beta_pusch()
        )
    else:
        beta = check_real(
            "beta_ptrs", beta_ptrs, "a finite number > 0", _CLAUSE_MAP, positive=True
        )
    n_scid = _per_port("n_scid", n_scid, len(ports), "0 or 1", 0, 1)
    lambda_bar = _per_port("lambda_bar", lambda_bar, len(ports), "in 0..2", 0, 2)
    l_start, l_duration, n_symb_slot = check_symbol_allocation(
        l_start, l_duration, n_symb_slot, _CLAUSE_MAP
    )
    dmrs = _check_dmrs_symbols(dmrs_symbols, l_start, l_duration)
    symbols = ptrs_symbols(
        l_start=l_start,
        l_duration=l_duration,
        dmrs_symbols=dmrs,
        l_ptrs=l_ptrs,
        n_symb_slot=n_symb_slot,
    )
    l0 = dmrs[0]  # first DM-RS symbol l0 of the slot
    shape = (len(ports), n_symb_slot, N_SC_RB * n_size_grid)
    values = np.zeros(shape, dtype=np.complex64)
    mask = np.zeros(shape, dtype=bool)
    # Length of r(.) needed up to the top of the allocation, counted from CRB 0.
    seq_len = (N_SC_RB * (n_start_grid + rb_start + n_rb)) // 2 + 1
    for j, port in enumerate(ports):
        k = N_SC_RB * rb_start + ptrs_subcarriers(
            n_rb=n_rb,
            k_ptrs=k_ptrs,
            n_rnti=n_rnti,
            resource_element_offset=resource_element_offset,
            config_type=config_type,
            dmrs_port_index=port,
        )
        c_init = dmrs_c_init(
            n_symb_slot=n_symb_slot,
            n_slot=n_slot,
            l=l0,
            n_id=n_id,
            n_scid=n_scid[j],
            lambda_bar=lambda_bar[j],
        )
        r = dmrs_sequence(c_init, seq_len)
        delta = DMRS_PORT_TABLE[config_type][port][1]
        r_k = beta * r[_dmrs_sequence_index(N_SC_RB * n_start_grid + k, config_type, delta)]
        for sym in symbols:
            values[j, sym, k] = r_k
            mask[j, sym, k] = True
    return values, mask
