"""Downlink control information: DCI formats 0_0, 1_0, 0_1, 1_1 (field sizes, packing) and
the DCI coding chain (CRC attachment with RNTI masking, polar coding, rate matching).

Implements TS 38.212 §7.3.1 (DCI formats), §7.3.2 (CRC attachment), §7.3.3 (channel
coding) and §7.3.4 (rate matching).

Field sizes follow the configuration :class:`DciSizeConfig`; the per-format field lists
and the resource-allocation helpers live in :mod:`nrlink.spec.ts38212.dci_formats`
(re-exported here); the size alignment of §7.3.1.0 is applied here. Fields are mapped
to the payload a_0..a_{A−1} in the order of the clause, most significant bit first (§7.3.1).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from nrlink.errors import ConfigError, check_int
from nrlink.spec._checks import as_bits, check_choice, check_int_array
from nrlink.spec.ts38212.dci_formats import (
    CLAUSE_OF,
    DCI_FORMATS,
    RNTI_TYPES,
    SEARCH_SPACES,
    DciSizeConfig,
    Fields,
    check_format,
    fdra_type1_bits,
    fields_0_1,
    fields_1_1,
    n_rbg,
    nominal_rbg_size,
    raw_fields_0_0,
    raw_fields_1_0,
    riv,
    riv_inverse,
)
from nrlink.spec.ts38212.polar import polar_encode

__all__ = [
    "DCI_A_MAX",
    "DCI_A_MIN",
    "DCI_FORMATS",
    "RNTI_TYPES",
    "SEARCH_SPACES",
    "DciSizeConfig",
    "dci_encode",
    "dci_fields",
    "dci_size",
    "fdra_type1_bits",
    "n_rbg",
    "nominal_rbg_size",
    "pack_dci",
    "pad_to_minimum",
    "riv",
    "riv_inverse",
    "rnti_crc_mask",
    "unpack_dci",
]

_C731 = "TS 38.212 §7.3.1"
_C732 = "TS 38.212 §7.3.2"
_C7334 = "TS 38.212 §7.3.3, §7.3.4"
#: Payload sizes A of a polar-coded DCI: 12 (§7.3.1) .. 140 (K = A + 24 ≤ K_IL^max = 164).
DCI_A_MIN, DCI_A_MAX = 12, 140
_E_MAX = 8192
#: Fields that must hold zeros (§7.3.1.0 padding, §7.3.1 12-bit minimum).
_ZERO_FIELDS = ("padding", "min_size_padding")


# --------------------------------------------------------------------------- field sizes


def _size(fields: Fields) -> int:
    return sum(s for _, s in fields)


def _fallback(fmt: str, c: DciSizeConfig, search_space: str, rnti_type: str,
              step4: bool | None = None) -> Fields:
    """Steps 0 (common), 1 (UE-specific) and 4 (UE-specific sized as common) of §7.3.1.0."""
    if step4 is None:
        step4 = search_space == "ue-specific" and _budget_exceeded(c)
    css = search_space == "common" or step4
    n_ul = c.n_rb_ul_css if css else c.n_rb_ul_bwp
    n_dl = c.n_rb_dl_css if css else c.n_rb_dl_bwp
    f00, f10 = raw_fields_0_0(n_ul), raw_fields_1_0(n_dl, rnti_type)
    s00, s10 = _size(f00), _size(f10)
    if fmt == "1_0":
        if not css and s10 < s00:  # step 1: zeros appended to 1_0
            f10.append(("padding", s00 - s10))
        return f10
    sul = int(c.supplementary_uplink and s10 > s00)  # the UL/SUL bit is the last bit
    if s00 < s10:  # steps 0 and 1: zeros appended to 0_0 (before the UL/SUL indicator)
        if s10 - s00 - sul:
            f00.append(("padding", s10 - s00 - sul))
    elif s00 > s10 and css:  # step 0: the FDRA's most significant bits are truncated
        f00[1] = ("fdra", f00[1][1] - (s00 - s10))
    f00.append(("ul_sul_indicator", sul))
    return f00


def _check_context(fmt: str, search_space, rnti_type) -> tuple[str, str]:
    clause = CLAUSE_OF[fmt]
    rnti_type = check_choice("rnti_type", rnti_type, RNTI_TYPES, clause)
    if rnti_type != "c-rnti" and fmt != "1_0":
        raise ConfigError(f"rnti_type={rnti_type!r} is not allowed for DCI format {fmt}: "
                          f"rnti_type must be 'c-rnti' (the P-/SI-/RA-RNTI layouts are those of "
                          f"format 1_0, {clause})")
    common_only = rnti_type != "c-rnti"
    if search_space is None:
        search_space = "common" if common_only else "ue-specific"
    search_space = check_choice("search_space", search_space, SEARCH_SPACES, "TS 38.213 §10.1")
    if search_space == "common" and fmt in ("0_1", "1_1"):
        raise ConfigError(f"search_space='common' is not allowed for DCI format {fmt}: "
                          f"search_space must be 'ue-specific' (TS 38.213 §10.1)")
    if search_space == "ue-specific" and common_only:
        raise ConfigError(f"search_space='ue-specific' is not allowed with rnti_type="
                          f"{rnti_type!r}: search_space must be 'common' (TS 38.213 §10.1)")
    return search_space, rnti_type


def pad_to_minimum(fields: Fields) -> Fields:
    """Append zeros ("min_size_padding") until the payload has 12 bits.

    Implements TS 38.212 §7.3.1 ("If the number of information bits in a DCI format is
    less than 12 bits, zeros shall be appended ... until the payload size equals 12").
    None of formats 0_0, 1_0, 0_1, 1_1 can be that short (the smallest, 0_0 with a
    one-RB BWP, has 20 bits), so this only matters for other formats.
    """
    short = 12 - _size(fields)
    return [*fields, ("min_size_padding", short)] if short > 0 else list(fields)


def _field_list(fmt, config, search_space, rnti_type) -> tuple[tuple[str, int], ...]:
    """Ordered fields after §7.3.1.0 (steps 0-2) and the §7.3.1 12-bit minimum."""
    fmt = check_format(fmt)
    config = DciSizeConfig() if config is None else config
    if not isinstance(config, DciSizeConfig):
        raise ConfigError(f"config={config!r} is not allowed: config must be a DciSizeConfig "
                          f"({_C731})")
    search_space, rnti_type = _check_context(fmt, search_space, rnti_type)
    return _aligned(fmt, config, search_space, rnti_type)


@lru_cache(maxsize=256)
def _aligned(fmt: str, config: DciSizeConfig, search_space: str,
             rnti_type: str) -> tuple[tuple[str, int], ...]:
    if fmt in ("0_0", "1_0"):
        fields = _fallback(fmt, config, search_space, rnti_type)
    else:
        fields = _non_fallback(fmt, config, step2=not _budget_exceeded(config))
    return tuple(pad_to_minimum(fields))


def _non_fallback(fmt: str, c: DciSizeConfig, step2: bool) -> Fields:
    """Format 0_1 / 1_1, with the one-bit padding of step 2 of §7.3.1.0 if ``step2``."""
    fields = fields_0_1(c) if fmt == "0_1" else fields_1_1(c)
    # step 2: one zero bit when the size equals that of 0_0/1_0 in another USS
    if step2 and c.fallback_in_uss and _size(fields) == _size(
            _fallback("1_0", c, "ue-specific", "c-rnti", step4=False)):
        fields.append(("padding", 1))
    return fields


def _budget_exceeded(c: DciSizeConfig) -> bool:
    """Step 3 of §7.3.1.0 fails: more than 3 DCI sizes with C-RNTI after steps 0-2.

    The sizes counted are those of 0_0/1_0 in a common search space, 0_0/1_0 in a
    UE-specific one (when ``fallback_in_uss``), 0_1 and 1_1 (the budget of 4 sizes in
    all is then met too). Step 4 then removes the step-2 padding and sizes the fallback
    formats of the UE-specific search space as in a common one.
    """
    if not c.fallback_in_uss:
        return False  # at most 3 sizes: CSS fallback, 0_1, 1_1
    sizes = {_size(_fallback("1_0", c, "common", "c-rnti", step4=False)),
             _size(_fallback("1_0", c, "ue-specific", "c-rnti", step4=False)),
             _size(_non_fallback("0_1", c, step2=True)),
             _size(_non_fallback("1_1", c, step2=True))}
    return len(sizes) > 3


def dci_fields(format, config: DciSizeConfig | None = None, *, search_space=None,
               rnti_type="c-rnti") -> tuple[tuple[str, int], ...]:
    """Ordered fields (name, size in bits) of a DCI format after size alignment.

    Implements TS 38.212 §7.3.1 (§7.3.1.0, §7.3.1.1.1, §7.3.1.1.2, §7.3.1.2.1,
    §7.3.1.2.2).

    Every field of the clause is listed, 0-bit ones included (their value is 0), in the
    order of the clause ("identifier" first where the format has it). Size alignment
    (§7.3.1.0): in a common search space format 0_0 is padded with zeros (field
    "padding") or its FDRA truncated (most significant bits) to the size of format 1_0
    (step 0); in a UE-specific search space the smaller of 0_0 and 1_0 is padded (step
    1); with ``config.fallback_in_uss`` formats 0_1 / 1_1 get one zero bit when their
    size equals that of 0_0/1_0 (step 2), and if that leaves more than 3 sizes (CSS and
    USS fallback, 0_1, 1_1; step 3) the step-2 bit is removed and the USS 0_0/1_0 are
    sized as in a common search space (step 4). The UL/SUL indicator of 0_0 takes the last
    bit (after the padding) when ``supplementary_uplink`` is set and 1_0 is larger.
    A payload of fewer than 12 bits would be padded ("min_size_padding", §7.3.1).

    Parameters
    ----------
    format : {"0_0", "1_0", "0_1", "1_1"}
    config : DciSizeConfig, optional
        Default ``DciSizeConfig()``.
    search_space : {"common", "ue-specific"} or None, optional
        Search space type of the PDCCH candidate (TS 38.213 §10.1); 0_1 / 1_1 only in
        "ue-specific". None: "common" for the P-/SI-/RA-RNTI layouts of 1_0, else
        "ue-specific".
    rnti_type : {"c-rnti", "p-rnti", "si-rnti", "ra-rnti"}, default "c-rnti"
        Field layout of format 1_0 by the RNTI of its CRC ("c-rnti" also stands for
        CS-RNTI, MCS-C-RNTI and TC-RNTI); other formats take "c-rnti" only.

    Returns
    -------
    fields : tuple of (str, int)

    Raises
    ------
    ConfigError
        Unknown format, search space or RNTI type, or a combination the spec does not
        monitor (0_1 / 1_1 in a common search space, P-/SI-/RA-RNTI in a UE-specific one).

    Examples
    --------
    >>> dci_fields("0_0")[:3]
    (('identifier', 1), ('fdra', 11), ('tdra', 4))
    """
    return _field_list(format, config, search_space, rnti_type)


def dci_size(format, config: DciSizeConfig | None = None, *, search_space=None,
             rnti_type="c-rnti") -> int:
    """Payload size A (bits) of a DCI format after size alignment.

    Implements TS 38.212 §7.3.1 (see :func:`dci_fields`).

    Examples
    --------
    >>> dci_size("1_0"), dci_size("0_0"), dci_size("1_0", DciSizeConfig(n_rb_dl_bwp=106))
    (39, 39, 41)
    """
    return sum(s for _, s in dci_fields(format, config, search_space=search_space,
                                        rnti_type=rnti_type))


def _fixed_identifier(fmt: str) -> int:
    return 0 if fmt.startswith("0") else 1


def pack_dci(format, values: dict, config: DciSizeConfig | None = None, *, search_space=None,
             rnti_type="c-rnti") -> np.ndarray:
    """Pack field values into the DCI payload bits a_0..a_{A−1}.

    Implements TS 38.212 §7.3.1 (fields in the order of the clause, each most
    significant bit first).

    Parameters
    ----------
    format, config, search_space, rnti_type
        As :func:`dci_fields`.
    values : dict of str to int or integer array
        Field values by name (:func:`dci_fields`), each in 0..2^size − 1; arrays
        broadcast together to a batch shape. Missing fields are 0, except
        "identifier", which defaults to its fixed value (0 for 0_x, 1 for 1_x).

    Returns
    -------
    a : ndarray of uint8, shape (..., A)

    Raises
    ------
    ConfigError
        Unknown field name, a value that does not fit its field (naming the field),
        padding that is not zero, a wrong identifier, values that do not broadcast, or
        an invalid format / context (see :func:`dci_fields`).

    Examples
    --------
    >>> a = pack_dci("1_0", {"mcs": 9, "harq_process_number": 3})
    >>> a.shape, int(a[0])
    ((39,), 1)
    """
    fields = dci_fields(format, config, search_space=search_space, rnti_type=rnti_type)
    clause = CLAUSE_OF[format]
    if not isinstance(values, dict):
        raise ConfigError(f"values={values!r} is not allowed: values must be a dict of field "
                          f"values ({clause})")
    names = [n for n, _ in fields]
    unknown = [k for k in values if k not in names]
    if unknown:
        raise ConfigError(f"field {unknown[0]!r} is not allowed: DCI format {format} has the "
                          f"fields {', '.join(names)} ({clause})")
    arrays = []
    for name, size in fields:
        if name == "identifier":
            fixed = _fixed_identifier(format)
            v = check_int_array(name, values.get(name, fixed), clause, lo=fixed, hi=fixed,
                                range_text=f"{fixed} (DCI format {format})")
        else:
            hi = 0 if name in _ZERO_FIELDS else (1 << size) - 1
            what = f"0..{hi} (a {size}-bit field of DCI format {format})"
            if name in _ZERO_FIELDS:
                what = f"0 (zero padding of DCI format {format})"
            v = check_int_array(name, values.get(name, 0), clause, lo=0, hi=hi,
                                range_text=what)
        arrays.append(v)
    try:
        batch = np.broadcast_shapes(*(v.shape for v in arrays))
    except ValueError:
        raise ConfigError(f"the field values of shapes {[v.shape for v in arrays]} are not "
                          f"allowed: they must broadcast together ({clause})") from None
    size_a = sum(s for _, s in fields)
    out = np.empty((*batch, size_a), dtype=np.uint8)
    pos = 0
    for (_, size), v in zip(fields, arrays, strict=True):
        if size:
            shifts = np.arange(size - 1, -1, -1, dtype=np.int64)
            out[..., pos:pos + size] = (v[..., None] >> shifts) & 1
        pos += size
    return out


def unpack_dci(format, bits, config: DciSizeConfig | None = None, *, search_space=None,
               rnti_type="c-rnti") -> dict:
    """Field values of DCI payload bits; inverse of :func:`pack_dci`.

    Implements TS 38.212 §7.3.1.

    The identifier and padding bits are returned as received (not checked): a 0_0 and a
    1_0 of equal size are told apart by the "identifier" value.

    Parameters
    ----------
    format, config, search_space, rnti_type
        As :func:`dci_fields`.
    bits : array_like of 0/1, shape (..., A)
        Payload a_0..a_{A−1}, A = :func:`dci_size`.

    Returns
    -------
    values : dict of str to int (one payload) or int64 ndarray of shape (...) (a batch)
        Every field of :func:`dci_fields`, in order.

    Raises
    ------
    ConfigError
        ``bits`` not 0/1 or not of length A, or an invalid format / context.

    Examples
    --------
    >>> unpack_dci("1_0", pack_dci("1_0", {"mcs": 9}))["mcs"]
    9
    """
    fields = dci_fields(format, config, search_space=search_space, rnti_type=rnti_type)
    clause = CLAUSE_OF[format]
    b = as_bits("bits", bits, clause)
    size_a = sum(s for _, s in fields)
    if b.shape[-1] != size_a:
        raise ConfigError(f"bits has length {b.shape[-1]} along its last axis: it must be the "
                          f"payload size A={size_a} of DCI format {format} ({clause})")
    out = {}
    pos = 0
    for name, size in fields:
        weights = np.left_shift(1, np.arange(size - 1, -1, -1, dtype=np.int64))
        v = b[..., pos:pos + size].astype(np.int64) @ weights
        out[name] = int(v) if b.ndim == 1 else v
        pos += size
    return out


# --------------------------------------------------------------------------- CRC and coding


def rnti_crc_mask(rnti) -> np.ndarray:
    """Scrambling sequence of the DCI CRC: 8 zeros, then the 16 RNTI bits MSB first.

    Implements TS 38.212 §7.3.2.

    c_k = b_k for k < A + 8 and c_k = (b_k + x_rnti,k−A−8) mod 2 for the last 16 CRC bits,
    x_rnti,0 the MSB of the RNTI; as a mask on the 24 CRC bits p_0..p_23 this is
    (0, ..., 0, x_rnti,0, ..., x_rnti,15).

    Parameters
    ----------
    rnti : int or array_like of int
        RNTI values, 0..65535.

    Returns
    -------
    mask : ndarray of uint8, shape rnti.shape + (24,)

    Raises
    ------
    ConfigError
        An RNTI out of 0..65535 or not an integer.

    Examples
    --------
    >>> rnti_crc_mask(0x8001)[8:].tolist()
    [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    """
    r = check_int_array("rnti", rnti, _C732, lo=0, hi=65535)
    mask = np.zeros((*r.shape, 24), dtype=np.uint8)
    mask[..., 8:] = (r[..., None] >> np.arange(15, -1, -1, dtype=np.int64)) & 1
    return mask


def dci_encode(a, rnti, e: int) -> np.ndarray:
    """DCI coding chain: payload a → CRC24C over 24 ones + a, RNTI masked → polar → E bits.

    Implements TS 38.212 §7.3.2 (CRC attachment and RNTI scrambling), §7.3.3 (channel
    coding: input interleaving I_IL = 1, n_max = 9, no parity-check bits) and §7.3.4
    (rate matching, I_BIL = 0).

    The CRC is computed over a' = (1, ..., 1, a_0, ..., a_{A−1}) with 24 leading ones
    (§7.3.2), its last 16 bits are XORed with the RNTI (:func:`rnti_crc_mask`), and
    c = (a, masked CRC) goes through the downlink polar chain
    (:func:`~nrlink.spec.ts38212.polar.polar_encode`).

    Parameters
    ----------
    a : array_like of 0/1, shape (..., A)
        DCI payloads (e.g. from :func:`pack_dci`), 12 ≤ A ≤ 140.
    rnti : int or array_like of int
        RNTI scrambling the CRC, 0..65535; an array broadcasts with ``a.shape[:-1]``.
    e : int
        Rate-matched length E (108 per CCE on a PDCCH), A + 24 ≤ E ≤ 8192.

    Returns
    -------
    f : ndarray of uint8, shape broadcast(a.shape[:-1], rnti.shape) + (E,)

    Raises
    ------
    ConfigError
        A outside 12..140, E out of range, ``a`` not 0/1 bits, an RNTI out of range, or
        ``rnti`` not broadcastable with the batch of ``a``.
    """
    a = as_bits("a", a, _C732)
    size_a = a.shape[-1]
    if not DCI_A_MIN <= size_a <= DCI_A_MAX:
        raise ConfigError(f"A={size_a} (the last axis of a) is not allowed: A must be in "
                          f"{DCI_A_MIN}..{DCI_A_MAX} (zeros are appended below 12 bits, "
                          f"TS 38.212 §7.3.1; K = A + 24 ≤ 164, §7.3.2)")
    e = check_int("e", e, f"an integer in {size_a + 24}..{_E_MAX} (K = A + 24 ≤ E)", _C7334,
                  lo=size_a + 24, hi=_E_MAX)
    mask = rnti_crc_mask(rnti)
    try:
        batch = np.broadcast_shapes(a.shape[:-1], mask.shape[:-1])
    except ValueError:
        raise ConfigError(f"rnti of shape {mask.shape[:-1]} is not allowed: rnti must be a "
                          f"scalar or broadcast with the batch shape {a.shape[:-1]} of a "
                          f"({_C732})") from None
    a = np.broadcast_to(a, (*batch, size_a))
    mask = np.broadcast_to(mask, (*batch, 24))
    return polar_encode(a, size_a, e, "downlink", crc_ones=True, crc_mask=mask)
