"""Deterministic rules of TR 38.901 shared by the TDL and CDL models.

Implements TR 38.901 §7.7.3 (delay scaling) and §7.7.6 (K-factor of the LoS models).
"""

from __future__ import annotations

import numpy as np

from nrlink.errors import ConfigError

__all__ = ["K_FACTOR_RANGE_DB", "MAX_DELAY_SPREAD_NS", "rms_delay_spread", "scale_k_factor"]

#: Largest desired delay spread accepted (ns). TR 38.901 Table 7.7.3-1 tops out at 1000 ns
#: ("very long"); 100 µs leaves room for exploration while keeping tap counts sane.
MAX_DELAY_SPREAD_NS = 1e5

#: Desired K-factors accepted by :func:`scale_k_factor`, in dB. Beyond ±40 dB the NLoS
#: clusters carry < 1e-4 (or the LoS < 1e-4) of the power and keeping the delay spread
#: stretches the delays by orders of magnitude, which is not a meaningful channel.
K_FACTOR_RANGE_DB = (-40.0, 40.0)


def rms_delay_spread(delays, powers) -> float:
    """RMS delay spread sqrt(E[τ²] − E[τ]²) of a power delay profile (linear powers).

    Implements TR 38.901 §7.7.3 (the normalised delays have an RMS delay spread of 1).
    """
    d = np.asarray(delays, dtype=np.float64)
    p = np.asarray(powers, dtype=np.float64)
    p = p / p.sum()
    mean = np.sum(p * d)
    return float(np.sqrt(max(np.sum(p * d * d) - mean * mean, 0.0)))


def scale_k_factor(
    delays, powers_db, k_desired_db: float, *, delay_spread: float | None = None
) -> tuple[np.ndarray, np.ndarray, float]:
    """Change the K-factor of a LoS delay profile to ``k_desired_db``, keeping its delay spread.

    Implements TR 38.901 §7.7.6: with the first entry the specular LoS path,
    K_model = P_LoS − 10 log10 Σ_{n≥2} 10^(P_n/10) (LoS over the *total* NLoS power); the
    NLoS powers are shifted by K_model − K_desired; the delays are then rescaled so that the
    RMS delay spread of the new profile is ``delay_spread`` (1 for the normalised tables of
    §7.7, which are then scaled by the desired DS, §7.7.3), or that of the original profile.

    Parameters
    ----------
    delays : array_like of float, shape (n,)
        Delays (normalised or absolute); entry 0 is the LoS path.
    powers_db : array_like of float, shape (n,)
        Powers in dB; entry 0 is the LoS path.
    k_desired_db : float
        K_desired in dB, within :data:`K_FACTOR_RANGE_DB`.
    delay_spread : float, optional
        RMS delay spread of the result, in the unit of ``delays``; ``None``: keep the input's.

    Returns
    -------
    delays, powers_db : numpy.ndarray of float64
        The scaled profile.
    k_model_db : float
        The model's own K-factor.
    """
    d = np.asarray(delays, dtype=np.float64)
    p = np.asarray(powers_db, dtype=np.float64)
    lo, hi = K_FACTOR_RANGE_DB
    if not (isinstance(k_desired_db, int | float | np.number) and lo <= k_desired_db <= hi):
        raise ConfigError(
            f"k_factor_db={k_desired_db!r} is not allowed: k_factor_db must be a K-factor in "
            f"{lo:g}..{hi:g} dB (TR 38.901 §7.7.6)"
        )
    k_model = float(p[0] - 10.0 * np.log10(np.sum(10.0 ** (p[1:] / 10.0))))
    p_new = p.copy()
    p_new[1:] += k_model - float(k_desired_db)
    target = rms_delay_spread(d, 10.0 ** (p / 10.0)) if delay_spread is None else delay_spread
    return d * (target / rms_delay_spread(d, 10.0 ** (p_new / 10.0))), p_new, k_model
