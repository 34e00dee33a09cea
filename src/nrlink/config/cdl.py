"""CDL channel and antenna-array configuration (TR 38.901 v19.2 §7.3, §7.7.1, §7.7.3-§7.7.6)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from nrlink.config._base import FromDictMixin
from nrlink.errors import ConfigError, check_int
from nrlink.spec.tr38901 import K_FACTOR_RANGE_DB, MAX_DELAY_SPREAD_NS

__all__ = ["CDL_MODELS", "SPEED_OF_LIGHT", "AntennaArrayConfig", "CdlConfig"]

#: The CDL delay profiles of TR 38.901 §7.7.1 (Tables 7.7.1-1..5).
CDL_MODELS: tuple[str, ...] = ("CDL-A", "CDL-B", "CDL-C", "CDL-D", "CDL-E")

#: Speed of light c in m/s (λ0 = c / f_c).
SPEED_OF_LIGHT = 299_792_458.0


def _real(name: str, value, allowed: str, clause: str, *, lo=None, lo_open=False) -> float:
    """A finite real number (not a bool), optionally bounded below; ConfigError otherwise."""
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
    if ok:
        v = float(value)
        ok = math.isfinite(v) and (lo is None or (v > lo if lo_open else v >= lo))
    if not ok:
        raise ConfigError(f"{name}={value!r} is not allowed: {name} must be {allowed} ({clause})")
    return float(value)


def _reals(name: str, value, n: int, allowed: str, clause: str) -> tuple[float, ...]:
    """A tuple of ``n`` finite real numbers; ConfigError otherwise."""
    if not isinstance(value, tuple | list) or len(value) != n:
        raise ConfigError(f"{name}={value!r} is not allowed: {name} must be {allowed} ({clause})")
    return tuple(_real(name, v, allowed, clause) for v in value)


@dataclass(frozen=True, slots=True, kw_only=True)
class AntennaArrayConfig(FromDictMixin):
    """A uniform planar antenna panel: M rows × N columns × P polarisations.

    Implements the single-panel array of TR 38.901 §7.3 (Figure 7.3-1, Table 7.3-1) with the
    polarisation model 2 of §7.3.2 and the orientation (bearing, downtilt, slant) of §7.1.3.

    Parameters
    ----------
    num_rows : int, default 1
        M: elements with the same polarisation in each column (vertical direction), ≥ 1.
    num_cols : int, default 1
        N: columns (horizontal direction), ≥ 1.
    polarization : {"single", "cross"}, default "single"
        P = 1: vertically polarised (slant ζ = 0); P = 2: cross-polarised ±45° (ζ = +45°,
        −45°), both by §7.3.2 model 2 (eq. 7.3-4/7.3-5).
    element : {"omni", "38.901"}, default "omni"
        ``"omni"``: isotropic element (A' = 0 dB, 0 dBi); ``"38.901"``: the directional
        pattern of Table 7.3-1 (θ_3dB = φ_3dB = 65°, SLA_V = 30 dB, A_max = 30 dB,
        G_E,max = 8 dBi).
    spacing_v, spacing_h : float, default 0.5
        d_V, d_H: vertical and horizontal element spacing in wavelengths (> 0).
    orientation_deg : tuple of 3 float, default (0, 0, 0)
        (α, β, γ): bearing, downtilt and slant angle of the panel in degrees (§7.1.3). With
        all zero the panel lies in the y-z plane and its boresight points along +x.

    Notes
    -----
    Element ``k`` has polarisation ``p = k // (M·N)``, column ``n = (k // M) % N`` and row
    ``m = k % M`` (the M × N × P array in column-major order: all elements of the first
    polarisation first, rows fastest), at the LCS position (0, n·d_H, m·d_V) wavelengths.
    Multiple panels (M_g × N_g) are not implemented.

    Examples
    --------
    >>> AntennaArrayConfig(num_rows=2, num_cols=4, polarization="cross").num_elements
    16
    """

    num_rows: int = 1
    num_cols: int = 1
    polarization: Literal["single", "cross"] = "single"
    element: Literal["omni", "38.901"] = "omni"
    spacing_v: float = 0.5
    spacing_h: float = 0.5
    orientation_deg: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def __post_init__(self) -> None:
        check_int("num_rows", self.num_rows, "an integer ≥ 1", "TR 38.901 §7.3", lo=1)
        check_int("num_cols", self.num_cols, "an integer ≥ 1", "TR 38.901 §7.3", lo=1)
        if self.polarization not in ("single", "cross"):
            raise ConfigError(
                f"polarization={self.polarization!r} is not allowed: polarization must be "
                "'single' (vertical) or 'cross' (±45° slant) (TR 38.901 §7.3.2)"
            )
        if self.element not in ("omni", "38.901"):
            raise ConfigError(
                f"element={self.element!r} is not allowed: element must be 'omni' or "
                "'38.901' (TR 38.901 §7.3, Table 7.3-1)"
            )
        _real("spacing_v", self.spacing_v, "a finite spacing > 0 in wavelengths",
              "TR 38.901 §7.3", lo=0.0, lo_open=True)
        _real("spacing_h", self.spacing_h, "a finite spacing > 0 in wavelengths",
              "TR 38.901 §7.3", lo=0.0, lo_open=True)
        o = _reals("orientation_deg", self.orientation_deg, 3,
                   "three finite angles (bearing α, downtilt β, slant γ) in degrees",
                   "TR 38.901 §7.1.3")
        object.__setattr__(self, "orientation_deg", o)

    @property
    def num_polarizations(self) -> int:
        """P: 1 (single) or 2 (cross)."""
        return 2 if self.polarization == "cross" else 1

    @property
    def num_elements(self) -> int:
        """M·N·P antenna elements."""
        return self.num_rows * self.num_cols * self.num_polarizations

    @property
    def slant_angles_deg(self) -> tuple[float, ...]:
        """ζ of each polarisation p (§7.3.2 model 2): (0,) or (+45, −45)."""
        return (45.0, -45.0) if self.polarization == "cross" else (0.0,)


@dataclass(frozen=True, slots=True, kw_only=True)
class CdlConfig(FromDictMixin):
    """A clustered-delay-line link: delay profile, scaling, mobility and antenna arrays.

    Implements the parameters of TR 38.901 §7.7.1 (CDL models), §7.7.3 (scaling of delays),
    §7.7.5.1 (scaling of angles), §7.7.6 (K-factor for LOS models) and the UE velocity of
    §7.5 step 11 (eq. 7.5-25/7.5-26).

    Parameters
    ----------
    model : {"CDL-A", "CDL-B", "CDL-C", "CDL-D", "CDL-E"}, default "CDL-C"
        Delay profile (Tables 7.7.1-1..5); CDL-D and CDL-E have a LoS path.
    delay_spread_ns : float, default 100.0
        Desired rms delay spread DS_desired in ns (> 0); τ_n = τ_n,model · DS (§7.7.3).
    carrier_frequency_hz : float, default 3.5e9
        f_c in Hz (> 0); λ0 = c / f_c.
    ue_speed_mps : float or None, default None
        UE speed v in m/s (≥ 0). Give this or ``doppler_hz``, not both; neither: static.
    doppler_hz : float or None, default None
        Maximum Doppler shift f_D = v / λ0 in Hz (≥ 0), an alternative to ``ue_speed_mps``.
    ue_direction_deg : tuple of 2 float, default (0, 90)
        (φ_v, θ_v) of the UE velocity in degrees, as in eq. 7.5-25:
        v̄ = v·[sin θ_v cos φ_v, sin θ_v sin φ_v, cos θ_v]. θ_v is measured from the zenith
        (the spec calls it the elevation of the velocity); the default moves along +x.
    tx_array, rx_array : AntennaArrayConfig, default 1 × 1 single-polarised omni
        Transmit and receive panels.
    link_direction : {"downlink", "uplink"}, default "downlink"
        Downlink: the transmitter is the BS, departure angles are the table's AOD/ZOD (with
        c_ASD, c_ZSD) and arrival angles its AOA/ZOA. Uplink: the UE transmits, the roles of
        the table's departure and arrival parameters are swapped (§7.7.1). The UE (the side
        of the table's AOA/ZOA) is the one that moves.
    angle_spreads_deg : tuple of 4 float or None, default None
        Desired (ASD, ASA, ZSD, ZSA) in degrees (> 0) for the angle scaling of §7.7.5.1,
        in the table's convention (D = BS side, A = UE side). ``None``: no scaling.
    mean_angles_deg : tuple of 4 float or None, default None
        Desired mean (AOD, AOA, ZOD, ZOA) in degrees for §7.7.5.1 (zenith in [0, 180]).
        ``None``: the model's mean angles.
    k_factor_db : float or None, default None
        Desired K-factor in dB (LoS over total NLoS power) for CDL-D/CDL-E, −40..40
        (§7.7.6, :func:`nrlink.spec.tr38901.scale_k_factor`); ``None``: the table's.

    Examples
    --------
    >>> cfg = CdlConfig(model="CDL-D", carrier_frequency_hz=3e9, ue_speed_mps=10.0)
    >>> round(cfg.max_doppler_hz, 3), cfg.has_los
    (100.069, True)
    """

    model: Literal["CDL-A", "CDL-B", "CDL-C", "CDL-D", "CDL-E"] = "CDL-C"
    delay_spread_ns: float = 100.0
    carrier_frequency_hz: float = 3.5e9
    ue_speed_mps: float | None = None
    doppler_hz: float | None = None
    ue_direction_deg: tuple[float, float] = (0.0, 90.0)
    tx_array: AntennaArrayConfig = field(default_factory=AntennaArrayConfig)
    rx_array: AntennaArrayConfig = field(default_factory=AntennaArrayConfig)
    link_direction: Literal["downlink", "uplink"] = "downlink"
    angle_spreads_deg: tuple[float, float, float, float] | None = None
    mean_angles_deg: tuple[float, float, float, float] | None = None
    k_factor_db: float | None = None

    def __post_init__(self) -> None:
        if self.model not in CDL_MODELS:
            raise ConfigError(
                f"model={self.model!r} is not allowed: model must be one of "
                f"{', '.join(CDL_MODELS)} (TR 38.901 §7.7.1)"
            )
        _real("delay_spread_ns", self.delay_spread_ns,
              f"a delay spread in (0, {MAX_DELAY_SPREAD_NS:g}] ns", "TR 38.901 §7.7.3",
              lo=0.0, lo_open=True)
        if self.delay_spread_ns > MAX_DELAY_SPREAD_NS:
            raise ConfigError(
                f"delay_spread_ns={self.delay_spread_ns!r} is not allowed: delay_spread_ns must "
                f"be a delay spread in (0, {MAX_DELAY_SPREAD_NS:g}] ns (TR 38.901 §7.7.3)"
            )
        _real("carrier_frequency_hz", self.carrier_frequency_hz,
              "a finite frequency > 0 in Hz", "TR 38.901 §7.7.1", lo=0.0, lo_open=True)
        if self.ue_speed_mps is not None and self.doppler_hz is not None:
            raise ConfigError(
                f"ue_speed_mps={self.ue_speed_mps!r} and doppler_hz={self.doppler_hz!r} "
                "are not allowed together: give the UE speed or the maximum Doppler shift "
                "v/λ0, not both (TR 38.901 §7.5 eq. 7.5-25)"
            )
        if self.ue_speed_mps is not None:
            _real("ue_speed_mps", self.ue_speed_mps, "a finite speed ≥ 0 in m/s or None",
                  "TR 38.901 §7.5 eq. 7.5-25", lo=0.0)
        if self.doppler_hz is not None:
            _real("doppler_hz", self.doppler_hz, "a finite Doppler shift ≥ 0 in Hz or None",
                  "TR 38.901 §7.5 eq. 7.5-25", lo=0.0)
        d = _reals("ue_direction_deg", self.ue_direction_deg, 2,
                   "two finite angles (azimuth φ_v, zenith θ_v) in degrees",
                   "TR 38.901 §7.5 eq. 7.5-25")
        object.__setattr__(self, "ue_direction_deg", d)
        for name in ("tx_array", "rx_array"):
            if not isinstance(getattr(self, name), AntennaArrayConfig):
                raise ConfigError(
                    f"{name}={getattr(self, name)!r} is not allowed: {name} must be an "
                    "AntennaArrayConfig (TR 38.901 §7.3)"
                )
        if self.link_direction not in ("downlink", "uplink"):
            raise ConfigError(
                f"link_direction={self.link_direction!r} is not allowed: link_direction "
                "must be 'downlink' or 'uplink' (TR 38.901 §7.7.1)"
            )
        if self.angle_spreads_deg is not None:
            a = _reals("angle_spreads_deg", self.angle_spreads_deg, 4,
                       "None or four finite angle spreads (ASD, ASA, ZSD, ZSA) > 0 in degrees",
                       "TR 38.901 §7.7.5.1")
            if min(a) <= 0:
                raise ConfigError(
                    f"angle_spreads_deg={self.angle_spreads_deg!r} is not allowed: "
                    "angle_spreads_deg must be None or four finite angle spreads (ASD, ASA, "
                    "ZSD, ZSA) > 0 in degrees (TR 38.901 §7.7.5.1)"
                )
            object.__setattr__(self, "angle_spreads_deg", a)
        if self.mean_angles_deg is not None:
            m = _reals("mean_angles_deg", self.mean_angles_deg, 4,
                       "None or four finite mean angles (AOD, AOA, ZOD, ZOA) in degrees, "
                       "zenith angles in [0, 180]", "TR 38.901 §7.7.5.1")
            if not (0 <= m[2] <= 180 and 0 <= m[3] <= 180):
                raise ConfigError(
                    f"mean_angles_deg={self.mean_angles_deg!r} is not allowed: the mean ZOD "
                    "and ZOA of mean_angles_deg must lie in [0, 180] degrees "
                    "(TR 38.901 §7.7.5.1)"
                )
            object.__setattr__(self, "mean_angles_deg", m)
        if self.k_factor_db is not None:
            lo, hi = K_FACTOR_RANGE_DB
            _real("k_factor_db", self.k_factor_db, f"a K-factor in {lo:g}..{hi:g} dB or None",
                  "TR 38.901 §7.7.6")
            if not lo <= self.k_factor_db <= hi:
                raise ConfigError(
                    f"k_factor_db={self.k_factor_db!r} is not allowed: k_factor_db must be a "
                    f"K-factor in {lo:g}..{hi:g} dB or None (TR 38.901 §7.7.6)"
                )
            if not self.has_los:
                raise ConfigError(
                    f"k_factor_db={self.k_factor_db!r} is not allowed with model="
                    f"{self.model!r}: a K-factor applies to the LOS models CDL-D and CDL-E "
                    "only (TR 38.901 §7.7.6)"
                )

    @property
    def has_los(self) -> bool:
        """Whether the profile has a specular LoS path (CDL-D, CDL-E)."""
        return self.model in ("CDL-D", "CDL-E")

    @property
    def wavelength_m(self) -> float:
        """λ0 = c / f_c in metres."""
        return SPEED_OF_LIGHT / self.carrier_frequency_hz

    @property
    def max_doppler_hz(self) -> float:
        """Maximum Doppler shift v / λ0 in Hz (``doppler_hz``, or from ``ue_speed_mps``)."""
        if self.doppler_hz is not None:
            return float(self.doppler_hz)
        if self.ue_speed_mps is not None:
            return float(self.ue_speed_mps) / self.wavelength_m
        return 0.0

    @property
    def speed_mps(self) -> float:
        """UE speed v in m/s (``ue_speed_mps``, or from ``doppler_hz``)."""
        return self.max_doppler_hz * self.wavelength_m
