"""Unit tests of helpers.params: parameter validation with messages that name everything."""
from __future__ import annotations

import numpy as np
import pytest

from helpers.params import DATASETS, PROFILES, check_choice, check_float, check_int, pick_profile

SIZES = {
    "smoke": {"n_train": 200, "epochs": 1},
    "teach": {"n_train": 5000, "epochs": 5},
    "paper": {"n_train": 60000, "epochs": 50},
}


def test_profiles_and_datasets_are_the_documented_ones():
    assert set(PROFILES) == {"smoke", "teach", "paper"}
    assert set(DATASETS) == {"mnist", "fashion-mnist"}


def test_check_choice_returns_an_allowed_value():
    assert check_choice("COLOR", "green", ["red", "green"]) == "green"
    # allowed may be any iterable, e.g. a generator
    assert check_choice("N", 3, (i for i in range(5))) == 3


def test_check_choice_message_names_parameter_value_and_choices():
    with pytest.raises(ValueError) as ei:
        check_choice("COLOR", "mauve", ("red", "green"))
    msg = str(ei.value)
    assert "COLOR" in msg
    assert "'mauve'" in msg
    assert "'red'" in msg and "'green'" in msg


@pytest.mark.parametrize("value", [0, 7, np.int64(7), np.int32(3), np.uint8(200)])
def test_check_int_accepts_python_and_numpy_integers(value):
    out = check_int("N", value, minimum=0)
    assert out == int(value)
    assert type(out) is int


@pytest.mark.parametrize("value", [1.5, 2.0, "3", None, True, False, [1]])
def test_check_int_rejects_non_integers_and_bools(value):
    with pytest.raises(ValueError) as ei:
        check_int("N_ITEMS", value)
    assert "N_ITEMS" in str(ei.value)
    assert "integer" in str(ei.value)


def test_check_int_minimum_is_inclusive():
    assert check_int("SEED", 0, minimum=0) == 0
    with pytest.raises(ValueError) as ei:
        check_int("SEED", -1, minimum=0)
    msg = str(ei.value)
    assert "SEED" in msg and "-1" in msg and ">= 0" in msg


def test_check_int_and_check_float_maximum_is_inclusive():
    assert check_int("label", 9, minimum=0, maximum=9) == 9
    with pytest.raises(ValueError, match=r"label=10 is not allowed; it must be an integer <= 9"):
        check_int("label", 10, minimum=0, maximum=9)
    assert check_float("q", 1.0, maximum=1.0) == 1.0
    with pytest.raises(ValueError, match=r"q=1.5 is not allowed; it must be <= 1.0"):
        check_float("q", 1.5, maximum=1.0)


def test_check_int_without_minimum_accepts_negative():
    assert check_int("OFFSET", -12) == -12


@pytest.mark.parametrize("value", [0.5, 3, 1e-4])
def test_check_float_accepts_numbers(value):
    out = check_float("lr", value, minimum=0.0, exclusive=True)
    assert out == float(value)
    assert type(out) is float


@pytest.mark.parametrize("value", ["0.1", None, True])
def test_check_float_rejects_non_numbers(value):
    with pytest.raises(ValueError) as ei:
        check_float("lr", value)
    assert "lr" in str(ei.value) and "number" in str(ei.value)


def test_check_float_exclusive_and_inclusive_minimum():
    assert check_float("beta1", 0.0, minimum=0.0) == 0.0
    with pytest.raises(ValueError) as ei:
        check_float("lr", 0.0, minimum=0.0, exclusive=True)
    assert "lr" in str(ei.value) and "> 0.0" in str(ei.value)
    with pytest.raises(ValueError) as ei:
        check_float("beta1", -0.1, minimum=0.0)
    assert "beta1" in str(ei.value) and ">= 0.0" in str(ei.value)


def test_check_float_exclusive_and_inclusive_maximum():
    assert check_float("quantile", 1.0, maximum=1.0) == 1.0
    assert check_float("decay", 0.999, maximum=1.0, exclusive_max=True) == 0.999
    with pytest.raises(ValueError) as ei:
        check_float("decay", 1.0, maximum=1.0, exclusive_max=True)
    assert "decay=1.0" in str(ei.value) and "< 1.0" in str(ei.value)
    with pytest.raises(ValueError) as ei:
        check_float("quantile", 1.5, maximum=1.0)
    assert "quantile=1.5" in str(ei.value) and "<= 1.0" in str(ei.value)


@pytest.mark.parametrize("profile", ["smoke", "teach", "paper"])
def test_pick_profile_returns_that_profiles_sizes(profile):
    got = pick_profile(profile, SIZES)
    assert got == SIZES[profile]


def test_pick_profile_returns_a_copy():
    got = pick_profile("teach", SIZES)
    got["epochs"] = 999
    assert SIZES["teach"]["epochs"] == 5


@pytest.mark.parametrize("bad", ["fast", "Teach", "", None])
def test_pick_profile_unknown_profile(bad):
    with pytest.raises(ValueError) as ei:
        pick_profile(bad, SIZES)
    msg = str(ei.value)
    assert "PROFILE" in msg
    assert repr(bad) in msg
    for p in ("'smoke'", "'teach'", "'paper'"):
        assert p in msg


def test_pick_profile_table_missing_a_profile():
    sizes = {k: v for k, v in SIZES.items() if k != "paper"}
    with pytest.raises(ValueError) as ei:
        pick_profile("teach", sizes)
    assert "paper" in str(ei.value)


def test_pick_profile_profiles_must_share_settings():
    sizes = {k: dict(v) for k, v in SIZES.items()}
    sizes["paper"]["width"] = 64
    with pytest.raises(ValueError) as ei:
        pick_profile("smoke", sizes)
    msg = str(ei.value)
    assert "'paper'" in msg and "width" in msg
    assert "epochs" not in msg  # only the differing setting is named
