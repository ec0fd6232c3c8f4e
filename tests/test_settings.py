"""Settings: defaults from docs/domain.md and clear errors for bad values."""

from __future__ import annotations

import pytest

from geo.errors import SettingsError
from geo.settings import Settings, parse_clock
from geo.siting import parse_share


def test_defaults_follow_domain_notes():
    s = Settings()
    assert (s.mode, s.speed_kmh, s.minutes, s.circuity) == ("walk", 4.8, 15.0, 1.3)
    assert s.speed_m_per_min == pytest.approx(80.0)
    assert s.reach_m == pytest.approx(15 * 80 / 1.3)  # about 920 m
    assert Settings(mode="bike").speed_kmh == 12.0
    assert Settings(mode="ebike").speed_kmh == 15.0
    assert Settings(mode="电动车").mode == "ebike"


def test_replace_takes_the_new_modes_speed_unless_given():
    s = Settings(mode="walk")
    assert s.replace(mode="ebike").speed_kmh == 15.0
    assert s.replace(mode="ebike", speed_kmh=25).speed_kmh == 25.0
    assert Settings(mode="ebike", speed_kmh=20).replace(minutes=10).speed_kmh == 20.0


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"minutes": -1}, "minutes"),
        ({"minutes": 0}, "minutes"),
        ({"speed_kmh": 0}, "speed"),
        ({"speed_kmh": float("nan")}, "speed"),
        ({"mode": "car"}, "unknown mode 'car'"),
        ({"circuity": 0.9}, "circuity"),
        ({"method": "astar"}, "unknown method"),
        ({"cell_m": 0}, "cell size"),
        ({"cell_m": 1}, "too small"),
        ({"cell_shape": "triangle"}, "cell shape"),
        ({"at": "25:00"}, "HH:MM"),
        ({"at": "noon"}, "HH:MM"),
        ({"bands": (5, -1)}, "bands"),
        # issue 18 item 13: beyond these the reach was infinite and --json printed Infinity
        ({"minutes": 1e308}, "at most 1,440"),
        ({"bands": (5, 1e308)}, "bands"),
        ({"circuity": 1e308}, "circuity"),
        ({"cell_m": 1e308}, "too large"),
    ],
)
def test_bad_values_raise_settings_error(kwargs, words):
    with pytest.raises(SettingsError, match=words):
        Settings(**kwargs)
    with pytest.raises(ValueError, match=words):  # catchable as the built-in too
        Settings(**kwargs)


def test_bands_include_the_threshold_sorted():
    assert Settings(minutes=20, bands=(10, 5)).bands == (5.0, 10.0, 20.0)


def test_clock_parsing():
    assert parse_clock("23:00") == 23 * 60
    assert parse_clock("7:05") == 425
    assert (
        parse_clock("２３：３０".translate(str.maketrans("０１２３４５６７８９", "0123456789")))
        == 1410
    )
    assert parse_clock("24:00") == 1440
    assert Settings(at="7:5".replace(":5", ":05")).at == "07:05"


def test_params_are_the_json_keys():
    p = Settings(mode="ebike").params()
    assert p["method"] == "euclidean" and p["mode"] == "ebike" and p["speed_kmh"] == 15.0
    assert p["minutes"] == 15.0 and p["circuity"] == 1.3 and p["cell_m"] == 100.0


def test_parse_share():
    assert parse_share("90%") == pytest.approx(0.9)
    assert parse_share("95％") == pytest.approx(0.95)
    assert parse_share(1) == 1.0
