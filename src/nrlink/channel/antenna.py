"""Antenna elements and uniform planar panels of TR 38.901 v19.2 §7.1 and §7.3 (deterministic).

Angles are in **radians** throughout this module: zenith θ ∈ [0, π] measured from +z,
azimuth φ measured from +x towards +y (§7.1.1). Primed symbols are in the local coordinate
system (LCS) of a panel, unprimed in the global one (GCS). Element positions are in
wavelengths, so the array phase of eq. 7.5-22 is exp(j2π r̂ᵀ d̄) with d̄ in wavelengths.
"""

from __future__ import annotations

import numpy as np

from nrlink.config.cdl import AntennaArrayConfig

__all__ = [
    "A_MAX_DB",
    "G_E_MAX_DBI",
    "PHI_3DB_DEG",
    "SLA_V_DB",
    "THETA_3DB_DEG",
    "array_field",
    "array_phase",
    "element_gain_dbi",
    "element_pattern_db",
    "element_positions",
    "field_gcs",
    "field_lcs",
    "gcs_to_lcs_angles",
    "panel_field",
    "polarisation_angle",
    "polarisation_index",
    "rotation_matrix",
    "unit_vector",
]

#: Table 7.3-1: half-power beamwidths θ_3dB = φ_3dB (degrees).
THETA_3DB_DEG = 65.0
PHI_3DB_DEG = 65.0
#: Table 7.3-1: side-lobe level limit SLA_V and front-back ratio A_max (dB).
SLA_V_DB = 30.0
A_MAX_DB = 30.0
#: Table 7.3-1: maximum directional gain of an element G_E,max (dBi).
G_E_MAX_DBI = 8.0


def unit_vector(theta, phi) -> np.ndarray:
    """Spherical unit vector r̂(θ, φ) = [sin θ cos φ, sin θ sin φ, cos θ]ᵀ.

    Implements TR 38.901 §7.5 step 11 (eq. 7.5-23/7.5-24).

    Parameters
    ----------
    theta, phi : array_like of float
        Zenith and azimuth angles in radians (broadcast together).

    Returns
    -------
    numpy.ndarray of float64, shape (..., 3)
    """
    theta = np.asarray(theta, dtype=np.float64)
    phi = np.asarray(phi, dtype=np.float64)
    st = np.sin(theta)
    return np.stack(np.broadcast_arrays(st * np.cos(phi), st * np.sin(phi), np.cos(theta)),
                    axis=-1)


def rotation_matrix(alpha, beta, gamma) -> np.ndarray:
    """Rotation R = R_Z(α) R_Y(β) R_X(γ) from the LCS to the GCS.

    Implements TR 38.901 §7.1.2 (eq. 7.1-4): a vector ρ̄' of the LCS is ρ̄ = R ρ̄' in the GCS.

    Parameters
    ----------
    alpha, beta, gamma : float
        Bearing α, downtilt β and slant γ in radians.

    Returns
    -------
    numpy.ndarray of float64, shape (3, 3)
    """
    ca, sa = np.cos(alpha), np.sin(alpha)
    cb, sb = np.cos(beta), np.sin(beta)
    cg, sg = np.cos(gamma), np.sin(gamma)
    return np.array([
        [ca * cb, ca * sb * sg - sa * cg, ca * sb * cg + sa * sg],
        [sa * cb, sa * sb * sg + ca * cg, sa * sb * cg - ca * sg],
        [-sb, cb * sg, cb * cg],
    ])


def gcs_to_lcs_angles(theta, phi, alpha, beta, gamma) -> tuple[np.ndarray, np.ndarray]:
    """The LCS angles (θ', φ') of the GCS direction (θ, φ) for a panel oriented (α, β, γ).

    Implements TR 38.901 §7.1.3 (eq. 7.1-7, 7.1-8).

    Returns
    -------
    theta_p, phi_p : numpy.ndarray of float64
        θ' ∈ [0, π] and φ' ∈ (−π, π].
    """
    theta = np.asarray(theta, dtype=np.float64)
    phi = np.asarray(phi, dtype=np.float64)
    ct, st = np.cos(theta), np.sin(theta)
    cd, sd = np.cos(phi - alpha), np.sin(phi - alpha)
    cb, sb = np.cos(beta), np.sin(beta)
    cg, sg = np.cos(gamma), np.sin(gamma)
    theta_p = np.arccos(np.clip(cb * cg * ct + (sb * cg * cd - sg * sd) * st, -1.0, 1.0))
    phi_p = np.arctan2(cb * sg * ct + (sb * sg * cd + cg * sd) * st, cb * st * cd - sb * ct)
    return theta_p, phi_p


def polarisation_angle(theta, phi, alpha, beta, gamma) -> np.ndarray:
    """Angle ψ that rotates the LCS field components (F_θ', F_φ') into the GCS.

    Implements TR 38.901 §7.1.3 (eq. 7.1-15).

    Returns
    -------
    numpy.ndarray of float64
        ψ in radians.
    """
    theta = np.asarray(theta, dtype=np.float64)
    phi = np.asarray(phi, dtype=np.float64)
    ct, st = np.cos(theta), np.sin(theta)
    cd, sd = np.cos(phi - alpha), np.sin(phi - alpha)
    cb, sb = np.cos(beta), np.sin(beta)
    cg, sg = np.cos(gamma), np.sin(gamma)
    re = sg * ct * sd + cg * (cb * st - sb * ct * cd)
    im = sg * cd + sb * cg * sd
    return np.arctan2(im, re)


def element_pattern_db(theta_p, phi_p) -> np.ndarray:
    """Relative 3-D power pattern A'(θ', φ') in dB of the TR 38.901 element (≤ 0 dB).

    Implements TR 38.901 §7.3 (Table 7.3-1):
    A'_V = −min{12((θ' − 90°)/θ_3dB)², SLA_V}, A'_H = −min{12(φ'/φ_3dB)², A_max},
    A' = −min{−(A'_V + A'_H), A_max}.

    Parameters
    ----------
    theta_p, phi_p : array_like of float
        LCS zenith θ' ∈ [0, π] and azimuth φ' ∈ [−π, π] in radians.
    """
    t = np.degrees(np.asarray(theta_p, dtype=np.float64))
    p = np.degrees(np.asarray(phi_p, dtype=np.float64))
    p = (p + 180.0) % 360.0 - 180.0
    a_v = -np.minimum(12.0 * ((t - 90.0) / THETA_3DB_DEG) ** 2, SLA_V_DB)
    a_h = -np.minimum(12.0 * (p / PHI_3DB_DEG) ** 2, A_MAX_DB)
    return -np.minimum(-(a_v + a_h), A_MAX_DB)


def element_gain_dbi(theta_p, phi_p, element: str = "38.901") -> np.ndarray:
    """Element gain G_E,max + A'(θ', φ') in dBi; 0 dBi everywhere for ``"omni"``.

    Implements TR 38.901 §7.3 (Table 7.3-1, G_E,max = 8 dBi).
    """
    a = element_pattern_db(theta_p, phi_p)
    if element == "omni":
        return np.zeros_like(a)
    return G_E_MAX_DBI + a


def field_lcs(theta_p, phi_p, zeta, element: str = "38.901") -> tuple[np.ndarray, np.ndarray]:
    """LCS field components (F_θ', F_φ') of an element with polarisation slant ζ.

    Implements TR 38.901 §7.3.2 model 2 (eq. 7.3-4, 7.3-5):
    F_θ' = √A' cos ζ, F_φ' = √A' sin ζ, with A' the linear element gain (1 for ``"omni"``).

    Parameters
    ----------
    theta_p, phi_p : array_like of float
        LCS angles in radians.
    zeta : float
        Polarisation slant ζ in radians (0: vertical, ±π/4: cross-polarised).
    element : {"omni", "38.901"}
    """
    amp = np.sqrt(10.0 ** (element_gain_dbi(theta_p, phi_p, element) / 10.0))
    return amp * np.cos(zeta), amp * np.sin(zeta)


def field_gcs(theta, phi, orientation, zeta, element: str = "38.901"):
    """GCS field components (F_θ, F_φ) of an element of a panel oriented (α, β, γ).

    Implements TR 38.901 §7.1.3 (eq. 7.1-11 with ψ of eq. 7.1-15):
    [F_θ; F_φ] = [[cos ψ, −sin ψ], [sin ψ, cos ψ]] [F_θ'(θ', φ'); F_φ'(θ', φ')].

    Parameters
    ----------
    theta, phi : array_like of float
        GCS zenith and azimuth in radians.
    orientation : sequence of 3 float
        (α, β, γ) in radians.
    zeta : float
        Polarisation slant ζ in radians.
    element : {"omni", "38.901"}

    Returns
    -------
    f_theta, f_phi : numpy.ndarray of float64
    """
    alpha, beta, gamma = orientation
    theta_p, phi_p = gcs_to_lcs_angles(theta, phi, alpha, beta, gamma)
    psi = polarisation_angle(theta, phi, alpha, beta, gamma)
    f_tp, f_pp = field_lcs(theta_p, phi_p, zeta, element)
    c, s = np.cos(psi), np.sin(psi)
    return c * f_tp - s * f_pp, s * f_tp + c * f_pp


def element_positions(array: AntennaArrayConfig, *, gcs: bool = False) -> np.ndarray:
    """Positions d̄ of the elements of a uniform planar panel, in wavelengths.

    Implements TR 38.901 §7.3 (Figure 7.3-1): element (m, n) of each polarisation sits at
    (0, n·d_H, m·d_V) in the LCS; co-located polarisations share a position. Element order
    as in :class:`~nrlink.config.cdl.AntennaArrayConfig` (polarisation slowest, row fastest).

    Parameters
    ----------
    array : AntennaArrayConfig
    gcs : bool, default False
        Rotate into the GCS with the panel orientation (eq. 7.1-4): d̄ = R d̄'.

    Returns
    -------
    numpy.ndarray of float64, shape (num_elements, 3)

    Examples
    --------
    >>> cfg = AntennaArrayConfig(num_rows=2, num_cols=2, spacing_v=0.8)
    >>> element_positions(cfg).tolist()
    [[0.0, 0.0, 0.0], [0.0, 0.0, 0.8], [0.0, 0.5, 0.0], [0.0, 0.5, 0.8]]
    """
    k = np.arange(array.num_elements)
    m = k % array.num_rows
    n = (k // array.num_rows) % array.num_cols
    d = np.stack([np.zeros(k.size), n * array.spacing_h, m * array.spacing_v], axis=-1)
    if gcs:
        d = d @ rotation_matrix(*np.radians(array.orientation_deg)).T
    return d


def panel_field(array: AntennaArrayConfig, theta, phi) -> np.ndarray:
    """GCS field components of each polarisation of a panel towards (θ, φ).

    Implements TR 38.901 §7.3 / §7.3.2 model 2 / §7.1.3 (eq. 7.1-11): the elements of one
    polarisation share their field pattern, only their positions differ.

    Parameters
    ----------
    array : AntennaArrayConfig
    theta, phi : array_like of float
        GCS angles in radians, broadcast together to shape S.

    Returns
    -------
    numpy.ndarray of float64, shape S + (num_polarizations, 2)
        [..., p, 0] = F_θ, [..., p, 1] = F_φ of polarisation p (slant ζ_p).
    """
    alpha, beta, gamma = np.radians(array.orientation_deg)
    theta_p, phi_p = gcs_to_lcs_angles(theta, phi, alpha, beta, gamma)
    psi = polarisation_angle(theta, phi, alpha, beta, gamma)
    amp = np.sqrt(10.0 ** (element_gain_dbi(theta_p, phi_p, array.element) / 10.0))
    zeta = np.radians(array.slant_angles_deg)
    # eq. 7.3-4/7.3-5 then eq. 7.1-11: F_θ = √A' cos(ψ + ζ), F_φ = √A' sin(ψ + ζ)
    ang = psi[..., None] + zeta
    return np.stack([amp[..., None] * np.cos(ang), amp[..., None] * np.sin(ang)], axis=-1)


def polarisation_index(array: AntennaArrayConfig) -> np.ndarray:
    """Polarisation p of every element k: k // (M·N) (§7.3, element order of the config)."""
    return np.arange(array.num_elements) // (array.num_rows * array.num_cols)


def array_field(array: AntennaArrayConfig, theta, phi) -> np.ndarray:
    """GCS field components of every element of a panel towards (θ, φ).

    Implements TR 38.901 §7.3 / §7.3.2 model 2 / §7.1.3 (eq. 7.1-11) for all elements.

    Parameters
    ----------
    array : AntennaArrayConfig
    theta, phi : array_like of float
        GCS angles in radians, broadcast together to shape S.

    Returns
    -------
    numpy.ndarray of float64, shape S + (num_elements, 2)
        [..., k, 0] = F_θ, [..., k, 1] = F_φ of element k.
    """
    return panel_field(array, theta, phi)[..., polarisation_index(array), :]


def array_phase(array: AntennaArrayConfig, theta, phi) -> np.ndarray:
    """Array phase terms exp(j2π r̂(θ, φ)ᵀ d̄_k) of every element k.

    Implements the location factors of TR 38.901 §7.5 step 11 (eq. 7.5-22, 7.5-29) with the
    GCS element positions of :func:`element_positions` (in wavelengths).

    Returns
    -------
    numpy.ndarray of complex128, shape S + (num_elements,)
    """
    d = element_positions(array, gcs=True)
    return np.exp(2j * np.pi * (unit_vector(theta, phi) @ d.T))
