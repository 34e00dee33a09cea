"""Clustered delay line (CDL) channels with antenna arrays and Doppler (TR 38.901 v19.2 §7.7.1).

:class:`CdlChannel` turns a :class:`~nrlink.config.cdl.CdlConfig` into a deterministic
profile (:func:`cdl_profile`: delays §7.7.3, powers with the K-factor of §7.7.6, ray angles
of §7.7.1 step 1 with the optional angle scaling of §7.7.5.1), then draws realisations
(:meth:`CdlChannel.realise`: random ray coupling, step 2; initial phases, §7.5 step 10)
whose path coefficients (§7.5 step 11, eq. 7.5-22 and 7.5-29) are evaluated at any instants
by :meth:`CdlRealisation.cir`. A realisation is deterministic, so evaluating it on later
times continues the same channel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nrlink.channel.antenna import (
    array_field,
    array_phase,
    element_positions,
    panel_field,
    polarisation_index,
    unit_vector,
)
from nrlink.channel.cir import ChannelImpulseResponse, check_times
from nrlink.config.cdl import CdlConfig
from nrlink.errors import ConfigError, check_int, check_rng
from nrlink.spec.tables import tr38901_table
from nrlink.spec.tr38901 import scale_k_factor

__all__ = [
    "NUM_RAYS",
    "RAY_OFFSETS",
    "CdlChannel",
    "CdlProfile",
    "CdlRealisation",
    "cdl_profile",
    "circular_angle_stats",
]

#: M: rays per cluster of the CDL models (TR 38.901 §7.7.1, Table 7.5-3).
NUM_RAYS = 20

#: α_m: ray offset angles within a cluster for an rms angle spread normalised to 1
#: (TR 38.901 §7.5 step 7, Table 7.5-3), in the table's order m = 1..20.
RAY_OFFSETS = np.array([
    0.0447, -0.0447, 0.1413, -0.1413, 0.2492, -0.2492, 0.3715, -0.3715, 0.5129, -0.5129,
    0.6797, -0.6797, 0.8844, -0.8844, 1.1481, -1.1481, 1.5195, -1.5195, 2.1551, -2.1551,
])
RAY_OFFSETS.setflags(write=False)

#: Ray × instant phasors evaluated per block in CdlRealisation.cir (cache-sized).
_BLOCK_ELEMENTS = 1 << 16


def _wrap_azimuth(a):
    """Azimuth in degrees wrapped into [−180, 180)."""
    return (np.asarray(a, dtype=np.float64) + 180.0) % 360.0 - 180.0


def _fold_zenith(z):
    """Zenith in degrees folded into [0, 180]: θ ∈ (180°, 360°) → 360° − θ (§7.5 eq. 7.5-16)."""
    z = np.asarray(z, dtype=np.float64) % 360.0
    return np.where(z > 180.0, 360.0 - z, z)


def circular_angle_stats(angles_deg, powers) -> tuple[float, float]:
    """Power-weighted circular mean angle and angular spread (both in degrees).

    Implements TR 38.901 Annex A (eq. A-1): AS = √(−2 ln |Σ P_i e^{jφ_i} / Σ P_i|), and the
    mean angle μ = arg Σ P_i e^{jφ_i}.

    Parameters
    ----------
    angles_deg, powers : array_like of float
        Angles in degrees and their (linear) powers, same shape.
    """
    s = np.sum(np.asarray(powers) * np.exp(1j * np.radians(angles_deg))) / np.sum(powers)
    r = min(abs(s), 1.0)
    return float(np.degrees(np.angle(s))), float(np.degrees(np.sqrt(-2.0 * np.log(r))))


def _cis_cycles(x) -> np.ndarray:
    """e^{j2πx} as complex64 for x in cycles (float64, any shape).

    The cycles are reduced modulo 1 in float64 before the float32 sine and cosine, so the
    phase stays accurate (≈ 1e-6 rad) however large x is.
    """
    x = np.asarray(x, dtype=np.float64)
    ang = (2.0 * np.pi * (x - np.rint(x))).astype(np.float32)
    out = np.empty(ang.shape, dtype=np.complex64)
    out.real = np.cos(ang)
    out.imag = np.sin(ang)
    return out


def _phasors(nu, t) -> np.ndarray:
    """e^{j2πνt} (complex64) for every ν (any shape) and instant t: ν.shape + t.shape."""
    return _cis_cycles(np.multiply.outer(nu, t))


@dataclass(frozen=True, eq=False)
class CdlProfile:
    """The deterministic part of a CDL link: paths, powers and ray angles.

    Implements TR 38.901 §7.7.1 step 1, §7.7.3, §7.7.5.1 and §7.7.6 (see :func:`cdl_profile`).
    Angles are in degrees and in the **link's** sense: departure at the transmitter, arrival
    at the receiver (for the uplink the table's AOA/ZOA are departure angles).

    Attributes
    ----------
    delays : numpy.ndarray of float64, shape (n_paths,)
        Path delays in seconds, one per table row (for CDL-D/E path 0 is the specular LoS
        path, path 1 the Laplacian cluster at the same delay).
    powers : numpy.ndarray of float64, shape (n_paths,)
        Linear path powers normalised to Σ = 1.
    aod, aoa, zod, zoa : numpy.ndarray of float64, shape (n_clusters, NUM_RAYS)
        Ray angles φ_n,m / θ_n,m of the non-LoS clusters before random coupling
        (φ_n + c_AS·α_m in ray order m).
    los_angles : tuple of 4 float or None
        (AOD, AOA, ZOD, ZOA) of the LoS path, or ``None`` for CDL-A/B/C.
    xpr_db : float
        Cross-polarisation power ratio of every ray (§7.7.1 step 3).
    k_factor_db : float or None
        K-factor P_LOS / Σ P_NLOS in dB after §7.7.6 (``None`` without LoS).
    ue_is_rx : bool
        Whether the UE (the moving side) is the receiver (downlink) or the transmitter.
    """

    delays: np.ndarray
    powers: np.ndarray
    aod: np.ndarray
    aoa: np.ndarray
    zod: np.ndarray
    zoa: np.ndarray
    los_angles: tuple[float, float, float, float] | None
    xpr_db: float
    k_factor_db: float | None
    ue_is_rx: bool

    @property
    def has_los(self) -> bool:
        """Whether path 0 is a specular LoS path."""
        return self.los_angles is not None

    @property
    def num_clusters(self) -> int:
        """Non-LoS clusters (paths carrying NUM_RAYS rays)."""
        return self.aod.shape[0]


def cdl_profile(config: CdlConfig) -> CdlProfile:
    """Deterministic paths, powers and ray angles of a CDL configuration.

    Implements TR 38.901 §7.7.1 (Tables 7.7.1-1..5, step 1 eq. 7.7-0a..d), §7.7.6 (K-factor
    scaling of the non-LoS powers, P_n − K_desired + K_model, then the delays normalised
    again to an rms delay spread of 1), §7.7.3 (τ_n = τ_n,model · DS_desired) and §7.7.5.1
    (eq. 7.7-5 with the model mean angle and angular spread of Annex A over all rays).

    Parameters
    ----------
    config : CdlConfig

    Returns
    -------
    CdlProfile

    Notes
    -----
    Angle scaling (§7.7.5.1) applies eq. 7.7-5 to every ray angle, the LoS ray included:
    φ_scaled = (AS_desired / AS_model)·wrap(φ − μ_model) + μ_desired, where AS_model and
    μ_model are the circular spread and mean (Annex A, eq. A-1) of the table's ray angles
    weighted by P_n / M (and P_LOS). Azimuths are then wrapped into [−180°, 180°) and
    zenith angles folded into [0°, 180°]. The LoS-anchored variant and any numerically
    solved scaling factor are not implemented.
    """
    t = tr38901_table(config.model)
    p_db = np.asarray(t["powers"], dtype=np.float64)
    tau = np.asarray(t["delays"], dtype=np.float64)
    los = bool(t["los"])
    k_db = None
    if los:
        k_db = float(p_db[0] - 10.0 * np.log10(np.sum(10.0 ** (p_db[1:] / 10.0))))
        if config.k_factor_db is not None:
            tau, p_db, _ = scale_k_factor(tau, p_db, config.k_factor_db, delay_spread=1.0)
            k_db = float(config.k_factor_db)
    p = 10.0 ** (p_db / 10.0)
    p /= p.sum()
    delays = tau * config.delay_spread_ns * 1e-9

    first = 1 if los else 0
    spreads = (t["cASD"], t["cASA"], t["cZSD"], t["cZSA"])
    keys = ("aod", "aoa", "zod", "zoa")
    cluster = [np.asarray(t[k], dtype=np.float64) for k in keys]
    rays = [c[first:, None] + s * RAY_OFFSETS for c, s in zip(cluster, spreads, strict=True)]
    los_ang = [float(c[0]) for c in cluster] if los else None

    if config.angle_spreads_deg is not None or config.mean_angles_deg is not None:
        w = np.repeat(p[first:] / NUM_RAYS, NUM_RAYS)
        if los:
            w = np.concatenate([[p[0]], w])
        for i in range(4):
            flat = rays[i].ravel()
            if los:
                flat = np.concatenate([[los_ang[i]], flat])
            mu, as_model = circular_angle_stats(flat, w)
            ratio = 1.0
            if config.angle_spreads_deg is not None and as_model > 0:
                ratio = config.angle_spreads_deg[i] / as_model
            mu_d = mu if config.mean_angles_deg is None else config.mean_angles_deg[i]
            scaled = ratio * _wrap_azimuth(flat - mu) + mu_d
            if los:
                los_ang[i], scaled = float(scaled[0]), scaled[1:]
            rays[i] = scaled.reshape(rays[i].shape)

    rays = [_wrap_azimuth(rays[0]), _wrap_azimuth(rays[1]),
            _fold_zenith(rays[2]), _fold_zenith(rays[3])]
    if los:
        los_ang = [float(_wrap_azimuth(los_ang[0])), float(_wrap_azimuth(los_ang[1])),
                   float(_fold_zenith(los_ang[2])), float(_fold_zenith(los_ang[3]))]
    aod, aoa, zod, zoa = rays
    downlink = config.link_direction == "downlink"
    if not downlink:  # §7.7.1: the UE transmits, departure and arrival parameters swap
        aod, aoa, zod, zoa = aoa, aod, zoa, zod
        if los:
            los_ang = [los_ang[1], los_ang[0], los_ang[3], los_ang[2]]
    for a in (delays, p, aod, aoa, zod, zoa):
        a.setflags(write=False)
    return CdlProfile(delays=delays, powers=p, aod=aod, aoa=aoa, zod=zod, zoa=zoa,
                      los_angles=tuple(los_ang) if los else None, xpr_db=float(t["xpr"]),
                      k_factor_db=k_db, ue_is_rx=downlink)


@dataclass(frozen=True, eq=False)
class CdlRealisation:
    """A batch of drawn CDL channels, evaluable at any instants.

    Implements TR 38.901 §7.7.1 steps 2-4 once drawn (see :meth:`CdlChannel.realise`).
    Ray angles are in degrees in the link's sense (departure at the transmitter).

    Attributes
    ----------
    config : CdlConfig
    profile : CdlProfile
    aod, aoa, zod, zoa : numpy.ndarray of float64, shape (batch, n_clusters, NUM_RAYS)
        Ray angles after the random coupling of step 2.
    initial_phases : numpy.ndarray of float64, shape (batch, n_clusters, NUM_RAYS, 2, 2)
        Φ^{θθ}, Φ^{θφ} / Φ^{φθ}, Φ^{φφ} of each ray (§7.5 step 10), uniform in (−π, π).
    ray_doppler_hz : numpy.ndarray of float64, shape (batch, n_clusters, NUM_RAYS)
        ν_n,m = r̂_UE,n,mᵀ v̄ / λ0 (eq. 7.5-25).
    los_doppler_hz : float or None
        ν of the LoS path (eq. 7.5-29), ``None`` without LoS.
    """

    config: CdlConfig
    profile: CdlProfile
    aod: np.ndarray
    aoa: np.ndarray
    zod: np.ndarray
    zoa: np.ndarray
    initial_phases: np.ndarray
    ray_doppler_hz: np.ndarray
    los_doppler_hz: float | None
    _z: np.ndarray  # (batch, n_clusters, n_rx·n_tx, NUM_RAYS) complex64, √(P_n/M) included
    _z_los: np.ndarray | None  # (n_rx, n_tx) complex128, √P_LOS included

    @property
    def batch_size(self) -> int:
        """Number of independent realisations."""
        return self._z.shape[0]

    @property
    def num_rx(self) -> int:
        """Receive antennas."""
        return self.config.rx_array.num_elements

    @property
    def num_tx(self) -> int:
        """Transmit antennas."""
        return self.config.tx_array.num_elements

    def cir(self, times) -> ChannelImpulseResponse:
        """Path coefficients of the realisations at the instants ``times``.

        Implements TR 38.901 §7.5 step 11 (eq. 7.5-22 and 7.5-29) as used by §7.7.1 step 4:
        a_{r,t,n}(t) = √(P_n/M) Σ_m F_rx,rᵀ Φ_n,m F_tx,t e^{j2π(r̂_rxᵀd̄_r + r̂_txᵀd̄_t)}
        e^{j2πν_n,m t}, and for the LoS path √P_LOS F_rx,rᵀ diag(1, −1) F_tx,t (…)
        e^{j2πν_LOS t}.

        Parameters
        ----------
        times : array_like of float, shape (n_times,)
            Absolute instants in seconds, increasing. Evaluating two consecutive windows
            gives the same coefficients as one call on their union.

        Returns
        -------
        ChannelImpulseResponse
            ``coefficients`` of shape (batch, n_rx, n_tx, n_paths, n_times).
        """
        los = abs(self.los_doppler_hz or 0.0)
        doppler = float(np.max(np.abs(self.ray_doppler_hz), initial=los))
        t = check_times(times, doppler, "TR 38.901 §7.5 eq. 7.5-22")
        b, n, rt, m = self._z.shape
        r, tx = self.num_rx, self.num_tx
        h = np.empty((b, n, rt, t.size), dtype=np.complex64)
        step = max(8, _BLOCK_ELEMENTS // (b * n * m))  # time blocks that stay in cache
        for s in range(0, t.size, step):
            h[..., s:s + step] = self._z @ _phasors(self.ray_doppler_hz, t[s:s + step])
        h = h.reshape(b, n, r, tx, t.size).transpose(0, 2, 3, 1, 4)
        if self._z_los is not None:
            rot = _phasors(np.float64(self.los_doppler_hz), t)
            los = (self._z_los[:, :, None] * rot).astype(np.complex64)
            h = np.concatenate(
                [np.broadcast_to(los[None, :, :, None, :], (b, r, tx, 1, t.size)), h], axis=3)
        return ChannelImpulseResponse(delays=self.profile.delays,
                                      coefficients=np.ascontiguousarray(h), times=t)


class CdlChannel:
    """TR 38.901 CDL link-level channel between two antenna panels.

    Implements TR 38.901 §7.7.1 (steps 1-4 with §7.5 steps 10-11), §7.7.3, §7.7.5.1 and
    §7.7.6.

    Parameters
    ----------
    config : CdlConfig

    Notes
    -----
    Normalisation: the path powers P_n of the table (all rows, LoS included) are normalised
    to Σ P_n = 1 and every non-LoS cluster carries M = 20 rays of power P_n / M, so with
    isotropic, vertically polarised elements (``element="omni"``, ``polarization="single"``)
    the expected total power Σ_n E|a_{r,t,n}|² is 1 for every antenna pair. Directional
    elements add their gains (up to G_E,max = 8 dBi per side); ±45° cross-polarised omni
    elements give each pair (1 + 1/κ)/2 of the non-LoS power (κ = 10^(XPR/10)) and
    cos²(ζ_rx + ζ_tx)·P_LOS for the LoS path (unrotated panels).

    The common LoS phase e^{−j2πd_3D/λ0} of eq. 7.5-29 is taken as 1 (CDL gives no
    distance). Only the UE moves (§7.5 eq. 7.5-25), along ``ue_direction_deg``.

    Examples
    --------
    >>> ch = CdlChannel(CdlConfig(model="CDL-C", delay_spread_ns=300.0))
    >>> cir = ch.cir(2, np.arange(14) * 35.7e-6, rng=np.random.default_rng(0))
    >>> cir.coefficients.shape
    (2, 1, 1, 24, 14)
    """

    def __init__(self, config: CdlConfig) -> None:
        if not isinstance(config, CdlConfig):
            raise ConfigError(
                f"config={config!r} is not allowed: config must be a CdlConfig "
                "(TR 38.901 §7.7.1)"
            )
        self.config = config
        self.profile = cdl_profile(config)
        c = config
        phi_v, theta_v = np.radians(c.ue_direction_deg)
        self._v_over_lambda = c.max_doppler_hz * unit_vector(theta_v, phi_v)  # v̄ / λ0, (3,)
        self._z_los = None
        self._los_doppler = None
        if self.profile.has_los:
            aod, aoa, zod, zoa = np.radians(self.profile.los_angles)
            f_rx = array_field(c.rx_array, zoa, aoa)  # (R, 2)
            f_tx = array_field(c.tx_array, zod, aod)  # (T, 2)
            g_rx = f_rx * array_phase(c.rx_array, zoa, aoa)[:, None]
            g_tx = f_tx * array_phase(c.tx_array, zod, aod)[:, None]
            pol = np.array([[1.0, 0.0], [0.0, -1.0]])
            self._z_los = np.sqrt(self.profile.powers[0]) * (g_rx @ pol @ g_tx.T)
            self._z_los.setflags(write=False)
            ue_theta, ue_phi = (zoa, aoa) if self.profile.ue_is_rx else (zod, aod)
            self._los_doppler = float(unit_vector(ue_theta, ue_phi) @ self._v_over_lambda)

    @property
    def num_rx(self) -> int:
        """Receive antennas."""
        return self.config.rx_array.num_elements

    @property
    def num_tx(self) -> int:
        """Transmit antennas."""
        return self.config.tx_array.num_elements

    @property
    def delays(self) -> np.ndarray:
        """Path delays τ_n in seconds, shape (n_paths,)."""
        return self.profile.delays

    def realise(self, batch_size: int, *, rng: np.random.Generator) -> CdlRealisation:
        """Draw ``batch_size`` independent channels.

        Implements TR 38.901 §7.7.1 step 2 (random coupling of the AOD-AOA, ZOD-ZOA and
        AOD-ZOD rays within each cluster: the AOA, ZOD and ZOA offsets are independently,
        uniformly permuted against the AOD offsets), step 3 (κ = 10^(XPR/10) for every ray)
        and step 4 (initial phases uniform in (−π, π) for the four polarisation
        combinations, §7.5 step 10; Doppler ν_n,m of eq. 7.5-25).

        Parameters
        ----------
        batch_size : int
            Number of realisations, ≥ 1.
        rng : numpy.random.Generator
            Source of all randomness.

        Returns
        -------
        CdlRealisation
        """
        check_int("batch_size", batch_size, "an integer ≥ 1", "TR 38.901 §7.7.1", lo=1)
        rng = check_rng(rng, "TR 38.901 §7.7.1")
        c, prof = self.config, self.profile
        b, n, m = int(batch_size), prof.num_clusters, NUM_RAYS
        perm = rng.permuted(np.broadcast_to(np.arange(m), (3, b, n, m)), axis=-1)
        phases = rng.uniform(-np.pi, np.pi, size=(b, n, m, 2, 2))

        aod = np.broadcast_to(prof.aod, (b, n, m)).copy()
        aoa = np.take_along_axis(np.broadcast_to(prof.aoa, (b, n, m)), perm[0], axis=-1)
        zod = np.take_along_axis(np.broadcast_to(prof.zod, (b, n, m)), perm[1], axis=-1)
        zoa = np.take_along_axis(np.broadcast_to(prof.zoa, (b, n, m)), perm[2], axis=-1)
        r_aod, r_aoa, r_zod, r_zoa = (np.radians(a) for a in (aod, aoa, zod, zoa))

        # Eq. 7.5-22 per ray: a[r, t] = √(P_n/M) a_rx[r] a_tx[t] W[p_r, q_t], where
        # W[p, q] = F_rx,pᵀ Φ F_tx,q only depends on the polarisations p, q of the elements.
        f_rx = panel_field(c.rx_array, r_zoa, r_aoa).astype(np.float32)  # (b, n, m, Pr, 2)
        f_tx = panel_field(c.tx_array, r_zod, r_aod).astype(np.float32)  # (b, n, m, Pt, 2)
        inv_sqrt_kappa = np.float32(10.0 ** (-prof.xpr_db / 20.0))
        pol = _cis_cycles(phases / (2.0 * np.pi))
        pol[..., 0, 1] *= inv_sqrt_kappa
        pol[..., 1, 0] *= inv_sqrt_kappa
        x = f_rx[..., :, 0, None] * pol[..., None, 0, :] + f_rx[..., :, 1, None] * pol[
            ..., None, 1, :]  # (b, n, m, Pr, 2)
        w = x[..., :, None, 0] * f_tx[..., None, :, 0] + x[..., :, None, 1] * f_tx[
            ..., None, :, 1]  # (b, n, m, Pr, Pt)
        first = 1 if prof.has_los else 0
        w *= np.sqrt(prof.powers[first:] / m).astype(np.float32)[None, :, None, None, None]
        a_rx = _cis_cycles(unit_vector(r_zoa, r_aoa) @ element_positions(c.rx_array, gcs=True).T)
        a_tx = _cis_cycles(unit_vector(r_zod, r_aod) @ element_positions(c.tx_array, gcs=True).T)
        p_rx, p_tx = polarisation_index(c.rx_array), polarisation_index(c.tx_array)
        z = np.empty((b, n, a_rx.shape[-1], a_tx.shape[-1], m), dtype=np.complex64)
        for p in range(c.rx_array.num_polarizations):
            for q in range(c.tx_array.num_polarizations):
                rows, cols = np.flatnonzero(p_rx == p), np.flatnonzero(p_tx == q)
                blk = (a_rx[..., rows, None] * a_tx[..., None, cols]) * w[..., p, q, None, None]
                z[:, :, rows[:, None], cols[None, :], :] = np.moveaxis(blk, 2, -1)
        z = z.reshape(b, n, -1, m)  # (b, n, R·T, m)

        ue_theta, ue_phi = (r_zoa, r_aoa) if prof.ue_is_rx else (r_zod, r_aod)
        nu = unit_vector(ue_theta, ue_phi) @ self._v_over_lambda  # (b, n, m)
        for arr in (aod, aoa, zod, zoa, phases, nu, z):
            arr.setflags(write=False)
        return CdlRealisation(config=c, profile=prof, aod=aod, aoa=aoa, zod=zod, zoa=zoa,
                              initial_phases=phases, ray_doppler_hz=nu,
                              los_doppler_hz=self._los_doppler, _z=z, _z_los=self._z_los)

    def cir(self, batch_size: int, times, *, rng: np.random.Generator) -> ChannelImpulseResponse:
        """``realise(batch_size, rng).cir(times)``: fresh channels sampled at ``times``.

        Implements TR 38.901 §7.7.1 (see :meth:`realise` and :meth:`CdlRealisation.cir`).
        """
        return self.realise(batch_size, rng=rng).cir(times)
