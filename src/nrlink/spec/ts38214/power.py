"""DMRS power relative to the PDSCH/PUSCH data.

Implements TS 38.214 §4.1 (Table 4.1-1, PDSCH) and §6.2.2 (Table 6.2.2-1, PUSCH).
"""

from __future__ import annotations

import math

from nrlink.spec._checks import check_choice
from nrlink.spec.ts38211.dmrs_tables import (
    check_dmrs_config_type,
    check_num_cdm_groups_without_data,
)

__all__ = ["DMRS_EPRE_RATIO_DB", "dmrs_beta", "dmrs_power_offset_db"]

_CLAUSE = {"pdsch": "TS 38.214 §4.1 Table 4.1-1", "pusch": "TS 38.214 §6.2.2 Table 6.2.2-1"}

#: Tables 4.1-1 / 6.2.2-1 as printed: the ratio of PDSCH/PUSCH EPRE to DM-RS EPRE in dB,
#: ``(config_type, num_cdm_groups_without_data) -> dB`` ("-" entries absent).
DMRS_EPRE_RATIO_DB: dict[tuple[int, int], float] = {
    (1, 1): 0.0,
    (1, 2): -3.0,
    (2, 1): 0.0,
    (2, 2): -3.0,
    (2, 3): -4.77,
}


def _check(num_cdm_groups_without_data, config_type, channel):
    channel = check_choice("channel", channel, tuple(_CLAUSE), "TS 38.214 §4.1 / §6.2.2")
    clause = _CLAUSE[channel]
    config_type = check_dmrs_config_type(config_type, clause)
    num = check_num_cdm_groups_without_data(num_cdm_groups_without_data, config_type, clause)
    return num, config_type


def dmrs_power_offset_db(
    num_cdm_groups_without_data: int, config_type: int, channel: str = "pdsch"
) -> float:
    """Ratio of PDSCH/PUSCH EPRE to DM-RS EPRE in dB, as printed in the spec table.

    Implements TS 38.214 §4.1 (Table 4.1-1) and §6.2.2 (Table 6.2.2-1).

    Parameters
    ----------
    num_cdm_groups_without_data : int
        Number of DM-RS CDM groups without data: 1..2 (type 1), 1..3 (type 2).
    config_type : int
        DMRS configuration type 1 or 2.
    channel : {"pdsch", "pusch"}, default "pdsch"
        Selects the table (both tables hold the same values).

    Returns
    -------
    float
        0, -3 or -4.77 dB.

    Raises
    ------
    ConfigError
        For a "-" entry or an invalid parameter.

    Examples
    --------
    >>> dmrs_power_offset_db(3, 2, "pusch")
    -4.77
    """
    num, config_type = _check(num_cdm_groups_without_data, config_type, channel)
    return DMRS_EPRE_RATIO_DB[(config_type, num)]


def dmrs_beta(
    num_cdm_groups_without_data: int,
    config_type: int,
    channel: str = "pdsch",
    *,
    rounded_db: bool = False,
) -> float:
    """Amplitude scaling β_DMRS of the DMRS relative to unit-energy data symbols.

    Implements TS 38.214 §4.1 (Table 4.1-1) and §6.2.2 (Table 6.2.2-1).

    β_DMRS = 10^(-β_dB / 20) with β_dB the table's EPRE ratio. The table entries -3 and
    -4.77 dB are the equal-power-per-CDM-group values -10 log10(2) and -10 log10(3) rounded,
    so by default the exact amplitude √N (N = number of CDM groups without data) is
    returned; this is what the reference implementation (Sionna) emits.

    Parameters
    ----------
    num_cdm_groups_without_data, config_type : int
        As for :func:`dmrs_power_offset_db`.
    channel : {"pdsch", "pusch"}, default "pdsch"
    rounded_db : bool, default False
        Use the printed dB value literally: 10^(-β_dB / 20) (1.41254 instead of √2).

    Returns
    -------
    float

    Examples
    --------
    >>> round(dmrs_beta(2, 1), 6), round(dmrs_beta(2, 1, rounded_db=True), 6)
    (1.414214, 1.412538)
    """
    num, config_type = _check(num_cdm_groups_without_data, config_type, channel)
    if rounded_db:
        return 10.0 ** (-DMRS_EPRE_RATIO_DB[(config_type, num)] / 20.0)
    return math.sqrt(num)
