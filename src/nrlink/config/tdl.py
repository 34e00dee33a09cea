"""Configuration of a TR 38.901 tapped-delay-line (TDL) channel (§7.7.2, §7.7.3, §7.7.6)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from nrlink.config._base import FromDictMixin
from nrlink.errors import ConfigError, check_int
from nrlink.spec.tables import tr38901_table
from nrlink.spec.tr38901 import K_FACTOR_RANGE_DB, MAX_DELAY_SPREAD_NS, scale_k_factor
from nrlink.spec.ts38101_4.correlation import spatial_correlation

__all__ = ["TDL_MODELS", "TDL_TEST_PROFILES", "TdlConfig"]

#: The TR 38.901 TDL models (Tables 7.7.2-1..5); delays normalised, scaled by the DS.
_TR_MODELS: dict[str, str] = {f"TDL-{x}": f"TDL-{x}" for x in "ABCDE"}
#: The TS 38.101-4 Annex B.2.1 / TS 38.104 Annex G.2.1 test profiles (absolute delays) and
#: their packaged tables.
_TEST_MODELS: dict[str, str] = {
    "TDLA30": "TDL-A30", "TDLB100": "TDL-B100", "TDLC300": "TDL-C300", "TDLA10": "TDL-A10",
    "TDLC60": "TDL-C60", "TDLD10": "TDL-D10", "TDLD30": "TDL-D30",
}
#: Every accepted ``model``.
TDL_MODELS: tuple[str, ...] = (*_TR_MODELS, *_TEST_MODELS)
#: The test profiles (delay spread in the name, delays absolute).
TDL_TEST_PROFILES: tuple[str, ...] = tuple(_TEST_MODELS)

_NAME_RE = re.compile(r"^(TDL[A-E]\d+)-(\d+(?:\.\d+)?)$")


def _real(value) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool) and math.isfinite(value)


@dataclass(frozen=True, slots=True, kw_only=True)
class TdlConfig(FromDictMixin):
    """A TDL channel: delay profile, Doppler, K-factor and MIMO correlation.

    Implements the parameter set of TR 38.901 §7.7.2 (TDL models, Tables 7.7.2-1..5),
    §7.7.3 (scaling of delays), §7.7.6 (K-factor of the LoS models), and the test channels
    of TS 38.101-4 Annex B.2 / TS 38.104 Annex G.2 (delay profiles, classical Doppler, MIMO
    correlation).

    Parameters
    ----------
    model : str, default "TDLA30"
        "TDL-A" … "TDL-E" (TR 38.901 Tables 7.7.2-1..5, normalised delays) or a test
        profile "TDLA30", "TDLB100", "TDLC300", "TDLA10", "TDLC60", "TDLD10", "TDLD30"
        (TS 38.101-4 Annex B.2.1 / TS 38.104 Annex G.2.1; delay spread in ns in the name,
        absolute delays). TDL-D, TDL-E, TDLD10 and TDLD30 have a LoS first tap.
    delay_spread_ns : float or None, default None
        The desired RMS delay spread DS in ns (> 0) that scales the normalised delays of
        TDL-A … TDL-E, τ_n = τ_n,model · DS (§7.7.3); required for them, and must be None
        for the test profiles.
    doppler_hz : float, default 0.0
        Maximum Doppler shift f_D ≥ 0 in Hz (classical spectrum; 0 is block fading).
    num_tx, num_rx : {1, 2, 4, 8}, default 1
        Transmit and receive antennas.
    correlation : {"low", "medium", "medium-a", "high"}, default "low"
        MIMO correlation level of TS 38.101-4 Annex B.2.3.1 / TS 38.104 Annex G.2.3.1
        (uniform linear arrays; "medium-a" is a downlink level).
    link_direction : {"downlink", "uplink"}, default "downlink"
        Which side is the gNB: downlink, the transmitter; uplink, the receiver. Decides the
        correlation coefficients and annex (B.2.3 or G.2.3).
    k_factor_db : float or None, default None
        For the LoS models only: the desired K-factor K_desired (dB) of the model, LoS power
        over the total NLoS power (TR 38.901 §7.7.6, :func:`nrlink.spec.tr38901.
        scale_k_factor`): the NLoS powers are shifted by K_model − K_desired and the delays
        rescaled to keep the delay spread (the test profiles keep their own). ``None``
        keeps the table (K_model ≈ 9.2 dB for TDL-D, 17.1 dB for TDL-E over the whole
        profile; first-tap K 13.3 and 22 dB).
    los_angle_deg : float, default 45.0
        θ in 0..180: the LoS component's Doppler shift is f_D · cos θ. TR 38.901 does not
        fix it for the TDL models; 45° (0.707 · f_D) is the common choice.
    num_sinusoids : int, default 32
        Sinusoids per fading process of the sum-of-sinusoids generator, 8..1024.

    Examples
    --------
    >>> c = TdlConfig(model="TDL-C", delay_spread_ns=300, doppler_hz=100, num_tx=2, num_rx=2)
    >>> c.delays_s.shape, round(float(c.powers.sum()), 12), c.los
    ((24,), 1.0, False)
    >>> TdlConfig.from_name("TDLA30-10", num_rx=2).doppler_hz
    10.0
    """

    model: str = "TDLA30"
    delay_spread_ns: float | None = None
    doppler_hz: float = 0.0
    num_tx: int = 1
    num_rx: int = 1
    correlation: Literal["low", "medium", "medium-a", "high"] = "low"
    link_direction: Literal["downlink", "uplink"] = "downlink"
    k_factor_db: float | None = None
    los_angle_deg: float = 45.0
    num_sinusoids: int = 32

    def __post_init__(self) -> None:
        if not isinstance(self.model, str) or self.model not in TDL_MODELS:
            raise ConfigError(
                f"model={self.model!r} is not allowed: model must be one of "
                f"{', '.join(TDL_MODELS)} (TR 38.901 §7.7.2, TS 38.101-4 Annex B.2.1)"
            )
        if self.model in _TR_MODELS:
            if self.delay_spread_ns is None or not _real(self.delay_spread_ns) or not (
                    0 < self.delay_spread_ns <= MAX_DELAY_SPREAD_NS):
                raise ConfigError(
                    f"delay_spread_ns={self.delay_spread_ns!r} is not allowed with model="
                    f"{self.model!r}: delay_spread_ns must be a delay spread in (0, "
                    f"{MAX_DELAY_SPREAD_NS:g}] ns that scales the normalised delays "
                    "(TR 38.901 §7.7.3)"
                )
        elif self.delay_spread_ns is not None:
            raise ConfigError(
                f"delay_spread_ns={self.delay_spread_ns!r} is not allowed with model="
                f"{self.model!r}: the test profiles have absolute delays (delay spread in the "
                "name), so delay_spread_ns must be None (TS 38.101-4 Annex B.2.1)"
            )
        if not _real(self.doppler_hz) or self.doppler_hz < 0:
            raise ConfigError(
                f"doppler_hz={self.doppler_hz!r} is not allowed: doppler_hz must be a maximum "
                "Doppler shift ≥ 0 in Hz (TR 38.901 §7.7.2, TS 38.101-4 Annex B.2.2)"
            )
        check_int("num_tx", self.num_tx, "one of 1, 2, 4, 8", "TS 38.101-4 Annex B.2.3",
                  choices=(1, 2, 4, 8))
        check_int("num_rx", self.num_rx, "one of 1, 2, 4, 8", "TS 38.101-4 Annex B.2.3",
                  choices=(1, 2, 4, 8))
        if self.correlation not in ("low", "medium", "medium-a", "high"):
            raise ConfigError(
                f"correlation={self.correlation!r} is not allowed: correlation must be one of "
                "'low', 'medium', 'medium-a', 'high' (TS 38.101-4 Table B.2.3.1.2-1, "
                "TS 38.104 Table G.2.3.1.2-1)"
            )
        if self.link_direction not in ("downlink", "uplink"):
            raise ConfigError(
                f"link_direction={self.link_direction!r} is not allowed: link_direction must "
                "be 'downlink' or 'uplink' (TS 38.101-4 Annex B.2.3, TS 38.104 Annex G.2.3)"
            )
        if self.correlation == "medium-a" and self.link_direction == "uplink":
            raise ConfigError(
                "correlation='medium-a' is not allowed with link_direction='uplink': the "
                "uplink correlation must be one of 'low', 'medium', 'high' (TS 38.104 Table "
                "G.2.3.1.2-1; Medium-A is a downlink level, TS 38.101-4 Table B.2.3.1.2-1)"
            )
        if self.k_factor_db is not None:
            if not self.los:
                raise ConfigError(
                    f"k_factor_db={self.k_factor_db!r} is not allowed with model="
                    f"{self.model!r}: a K-factor exists only for the LoS models TDL-D, TDL-E, "
                    "TDLD10, TDLD30; k_factor_db must be None (TR 38.901 §7.7.6)"
                )
            lo, hi = K_FACTOR_RANGE_DB
            if not _real(self.k_factor_db) or not lo <= self.k_factor_db <= hi:
                raise ConfigError(
                    f"k_factor_db={self.k_factor_db!r} is not allowed: k_factor_db must be a "
                    f"K-factor in dB within {lo:g}..{hi:g}, or None (TR 38.901 §7.7.6)"
                )
        if not _real(self.los_angle_deg) or not 0 <= self.los_angle_deg <= 180:
            raise ConfigError(
                f"los_angle_deg={self.los_angle_deg!r} is not allowed: los_angle_deg must be "
                "an angle in 0..180 degrees (LoS Doppler f_D·cos θ, TR 38.901 §7.7.2)"
            )
        check_int("num_sinusoids", self.num_sinusoids, "an integer in 8..1024",
                  "sum-of-sinusoids size, TR 38.901 §7.7.2", lo=8, hi=1024)
        # The correlation model must define these antenna numbers (ConfigError or
        # NotImplementedError here, at construction, rather than when the channel is built).
        spatial_correlation(self.num_tx, self.num_rx, self.correlation, self.link_direction)

    @classmethod
    def from_name(cls, name: str, **kwargs: Any) -> TdlConfig:
        """The test channel named ``<profile>-<maximum Doppler in Hz>``, e.g. "TDLA30-10".

        Implements the channel names of TS 38.101-4 Annex B.2.2 and TS 38.104 Annex G.2.2
        (Tables B.2.2-1 / G.2.2-1: "TDLA30-10", "TDLB100-400", "TDLC300-100", …).

        Parameters
        ----------
        name : str
            Profile (one of :data:`TDL_TEST_PROFILES`), a hyphen, the Doppler in Hz.
        **kwargs
            The other fields (``num_tx``, ``num_rx``, ``correlation``, ``link_direction``,
            ``k_factor_db``, ``los_angle_deg``, ``num_sinusoids``).
        """
        m = _NAME_RE.match(name) if isinstance(name, str) else None
        if m is None or m.group(1) not in _TEST_MODELS:
            raise ConfigError(
                f"name={name!r} is not allowed: name must be '<profile>-<Doppler in Hz>' with "
                f"profile one of {', '.join(TDL_TEST_PROFILES)}, e.g. 'TDLA30-10' "
                "(TS 38.101-4 Annex B.2.2, TS 38.104 Annex G.2.2)"
            )
        for key in ("model", "doppler_hz", "delay_spread_ns"):
            if key in kwargs:
                raise ConfigError(
                    f"{key}={kwargs[key]!r} is not allowed with from_name({name!r}): the name "
                    "fixes model, doppler_hz and delay_spread_ns (TS 38.101-4 Annex B.2.2)"
                )
        return cls(model=m.group(1), doppler_hz=float(m.group(2)), **kwargs)

    # ----------------------------------------------------------------------------------
    # Derived delay profile

    @property
    def is_test_profile(self) -> bool:
        """True for the TS 38.101-4 / TS 38.104 profiles (absolute delays)."""
        return self.model in _TEST_MODELS

    @property
    def los(self) -> bool:
        """True if the first tap has a specular LoS component (TDL-D/E, TDLD10/30)."""
        return bool(tr38901_table(self._table_name)["los"])

    @property
    def delays_s(self) -> np.ndarray:
        """Tap delays τ_n in seconds, shape (n_taps,), in table order (§7.7.2, §7.7.3).

        The LoS entry and the NLoS part of the first tap (same delay) are one tap.
        """
        table = tr38901_table(self._table_name)
        d = self._profile()[0] * (self.delay_spread_ns if table["scale_delays"] else 1.0) * 1e-9
        return d[1:] if self.los else d

    @property
    def powers(self) -> np.ndarray:
        """Average tap powers (linear), shape (n_taps,), summing to 1 (LoS included).

        The first tap of a LoS model is its LoS power plus its NLoS power (§7.7.2), after
        the K-factor override of §7.7.6 if ``k_factor_db`` is set.
        """
        los_power, nlos = self._powers()
        nlos[0] += los_power
        return nlos

    @property
    def nlos_powers(self) -> np.ndarray:
        """Average NLoS (Rayleigh) tap powers, shape (n_taps,); ``powers`` minus the LoS."""
        return self._powers()[1]

    @property
    def los_power(self) -> float:
        """Power of the specular LoS component of the first tap (0.0 for NLoS models)."""
        return self._powers()[0]

    @property
    def k_factor(self) -> float:
        """K-factor (linear) of the first tap: LoS power / NLoS power (0.0 for NLoS models).

        TR 38.901 §7.7.2 (13.3 dB for TDL-D, 22 dB for TDL-E); with ``k_factor_db`` the
        first-tap K that results from §7.7.6 (which sets LoS over the total NLoS power).
        """
        los_power, nlos = self._powers()
        return los_power / nlos[0]

    @property
    def _table_name(self) -> str:
        return _TR_MODELS.get(self.model) or _TEST_MODELS[self.model]

    def _profile(self) -> tuple[np.ndarray, np.ndarray]:
        """(delays as tabulated (normalised or ns), powers in dB), after §7.7.6 if asked."""
        table = tr38901_table(self._table_name)
        d = np.asarray(table["delays"], dtype=np.float64)
        p_db = np.asarray(table["powers"], dtype=np.float64)
        if self.k_factor_db is not None:
            d, p_db, _ = scale_k_factor(d, p_db, self.k_factor_db,
                                        delay_spread=1.0 if table["scale_delays"] else None)
        return d, p_db

    def _powers(self) -> tuple[float, np.ndarray]:
        """(LoS power, NLoS tap powers (n_taps,)), linear, normalised to a total of 1."""
        p = 10.0 ** (self._profile()[1] / 10)
        if not self.los:
            return 0.0, p / p.sum()
        los_power, nlos = float(p[0]), p[1:].copy()
        total = los_power + nlos.sum()
        return los_power / total, nlos / total
