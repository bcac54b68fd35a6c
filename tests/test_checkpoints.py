"""Unit tests of helpers.checkpoints: atomic, self-describing, weights_only-safe checkpoints."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from helpers import __version__
from helpers.checkpoints import (FORMAT, CheckpointError, CheckpointWarning, config_diff,
                                 load_checkpoint, load_or_build, save_checkpoint)


CONFIG = {"arch": "dcgan", "nz": 8, "width": 4, "seed": 0, "lr": 2e-4, "source": "unit test"}


class NotAllowed:
    """A custom class: torch.load(weights_only=True) must refuse to unpickle it."""

    def __init__(self) -> None:
        self.x = 1


def make_state(seed: int = 0) -> dict:
    torch.manual_seed(seed)
    lin = nn.Linear(3, 2)
    return {
        "w": torch.randn(4, 5),
        "model": lin.state_dict(),
        "history": {"loss": torch.rand(10)},
        "snapshots": [{"epoch": 0.5, "state": {"a": torch.ones(2)}},
                      {"epoch": 1.0, "state": {"a": torch.zeros(2)}}],
        "half": torch.rand(3).to(torch.float16),
    }


def assert_state_equal(a, b) -> None:
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor) and a.dtype == b.dtype and torch.equal(a, b)
    elif isinstance(a, dict):
        assert set(a) == set(b)
        for k in a:
            assert_state_equal(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_state_equal(x, y)
    else:
        assert a == b


def tmp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.fixture
def ckpt(tmp_path) -> tuple[Path, dict]:
    state = make_state()
    path = save_checkpoint(tmp_path / "sub" / "model.pt", kind="gan", config=CONFIG, state=state)
    return path, state


# ----------------------------------------------------------------------------- save / load


def test_save_returns_path_and_leaves_no_temp(ckpt):
    path, _ = ckpt
    assert path.name == "model.pt" and path.is_file()
    assert tmp_files(path.parent) == []
    assert sorted(p.name for p in path.parent.iterdir()) == ["model.pt"]


def test_checkpoint_loads_with_plain_torch_load_weights_only(ckpt):
    path, state = ckpt
    payload = torch.load(path, weights_only=True)
    assert payload["format"] == FORMAT == 1
    assert payload["kind"] == "gan"
    assert payload["config"] == CONFIG
    assert payload["versions"]["torch"] == torch.__version__
    assert payload["versions"]["course"] == __version__
    assert all(isinstance(v, str) for v in payload["versions"].values())
    assert_state_equal(state, payload["state"])


def test_load_checkpoint_round_trip(ckpt):
    path, state = ckpt
    payload = load_checkpoint(path, kind="gan", expected_config=dict(CONFIG))
    assert_state_equal(state, payload["state"])
    assert payload["config"] == CONFIG
    # the loaded model weights work in a fresh module
    lin = nn.Linear(3, 2)
    lin.load_state_dict(payload["state"]["model"])
    assert torch.equal(lin.weight, state["model"]["weight"])


def test_load_checkpoint_missing_file(tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "nope.pt")


def test_checkpoint_error_is_a_value_error():
    assert issubclass(CheckpointError, ValueError)
    assert issubclass(CheckpointWarning, UserWarning)


def test_truncated_checkpoint_is_unreadable(ckpt):
    path, _ = ckpt
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError) as ei:
        load_checkpoint(path, kind="gan", expected_config=CONFIG)
    msg = str(ei.value)
    assert "unreadable" in msg
    assert str(path) in msg


def test_garbage_file_is_unreadable(tmp_path):
    path = tmp_path / "junk.pt"
    path.write_bytes(b"this is not a zip file at all" * 10)
    with pytest.raises(CheckpointError, match="unreadable"):
        load_checkpoint(path)


def test_unsafe_pickle_is_refused(tmp_path):
    path = tmp_path / "unsafe.pt"
    torch.save({"format": FORMAT, "kind": "gan", "config": {}, "state": {"obj": NotAllowed()}}, path)
    with pytest.raises(CheckpointError, match="unreadable"):
        load_checkpoint(path)


@pytest.mark.parametrize("payload", [
    {"a": torch.ones(1)},                                   # no format
    {"format": FORMAT + 1, "kind": "gan", "state": {}},     # another format
    {"format": FORMAT, "kind": "gan"},                      # no state
    [torch.ones(1)],                                        # not a dict
])
def test_foreign_torch_file_is_not_a_course_checkpoint(tmp_path, payload):
    path = tmp_path / "foreign.pt"
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match="not a course checkpoint"):
        load_checkpoint(path)


def test_kind_mismatch(ckpt):
    path, _ = ckpt
    with pytest.raises(CheckpointError) as ei:
        load_checkpoint(path, kind="classifier")
    assert "'gan'" in str(ei.value) and "'classifier'" in str(ei.value)


def test_config_mismatch_names_the_differing_key(ckpt):
    path, _ = ckpt
    expected = dict(CONFIG, width=5)
    with pytest.raises(CheckpointError) as ei:
        load_checkpoint(path, kind="gan", expected_config=expected)
    msg = str(ei.value)
    assert "width: 4 -> 5" in msg
    for same in ("arch", "nz", "seed", "source"):
        assert same not in msg.split("differences", 1)[1]
    assert "stale" in msg or "different config" in msg


def test_config_mismatch_extra_and_missing_keys(ckpt):
    path, _ = ckpt
    expected = {k: v for k, v in CONFIG.items() if k != "lr"}
    expected["noise"] = "uniform"
    with pytest.raises(CheckpointError) as ei:
        load_checkpoint(path, expected_config=expected)
    msg = str(ei.value)
    assert "lr" in msg and "noise" in msg and "<missing>" in msg


def test_config_diff_by_hand():
    found = {"a": 1, "b": "x", "c": 3.0}
    expected = {"a": 1, "b": "y", "d": True}
    diff = config_diff(found, expected)
    assert diff == ["b: 'x' -> 'y'", "c: 3.0 -> '<missing>'", "d: '<missing>' -> True"]
    assert config_diff(found, dict(found)) == []


def test_failed_save_keeps_old_checkpoint_and_no_temp(ckpt):
    path, state = ckpt
    before = path.read_bytes()
    with pytest.raises(Exception):
        save_checkpoint(path, kind="gan", config=CONFIG, state={"fn": lambda x: x})  # unpicklable
    assert path.read_bytes() == before
    assert tmp_files(path.parent) == []
    assert_state_equal(state, load_checkpoint(path)["state"])


# ----------------------------------------------------------------------------- load_or_build


class Builder:
    def __init__(self, seed: int = 0) -> None:
        self.calls = 0
        self.seed = seed

    def __call__(self) -> dict:
        self.calls += 1
        return make_state(self.seed)


def test_load_or_build_builds_then_loads(tmp_path):
    path = tmp_path / "art" / "x.pt"
    build = Builder()
    first = load_or_build(path, kind="gan", config=CONFIG, build=build)
    assert build.calls == 1
    assert first["loaded_from"] is None
    assert path.is_file()
    second = load_or_build(path, kind="gan", config=CONFIG, build=build)
    assert build.calls == 1  # not rebuilt
    assert second["loaded_from"] == str(path)
    assert_state_equal(first["state"], second["state"])
    assert second["config"] == CONFIG


def test_load_or_build_rebuild_forces_build(tmp_path):
    path = tmp_path / "x.pt"
    load_or_build(path, kind="gan", config=CONFIG, build=Builder(0))
    build = Builder(1)
    out = load_or_build(path, kind="gan", config=CONFIG, build=build, rebuild=True)
    assert build.calls == 1 and out["loaded_from"] is None
    assert_state_equal(make_state(1), load_checkpoint(path)["state"])


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_load_or_build_truncated_file_warns_and_rebuilds(tmp_path):
    path = save_checkpoint(tmp_path / "x.pt", kind="gan", config=CONFIG, state=make_state(0))
    _truncate(path)
    truncated_size = path.stat().st_size
    build = Builder(3)
    with pytest.warns(CheckpointWarning, match="unreadable") as rec:
        out = load_or_build(path, kind="gan", config=CONFIG, build=build)
    assert "rebuilding" in str(rec[0].message)
    assert build.calls == 1 and out["loaded_from"] is None
    assert_state_equal(make_state(3), out["state"])
    assert path.stat().st_size > truncated_size  # a complete file replaced the broken one
    assert tmp_files(tmp_path) == []


def test_load_or_build_rebuilt_file_loads_afterwards(tmp_path):
    path = save_checkpoint(tmp_path / "x.pt", kind="gan", config=CONFIG, state=make_state(0))
    _truncate(path)
    with pytest.warns(CheckpointWarning, match="unreadable"):
        load_or_build(path, kind="gan", config=CONFIG, build=Builder(3))
    reloaded = load_checkpoint(path, kind="gan", expected_config=CONFIG)
    assert_state_equal(make_state(3), reloaded["state"])
    build = Builder(4)
    again = load_or_build(path, kind="gan", config=CONFIG, build=build)
    assert build.calls == 0 and again["loaded_from"] == str(path)


def test_load_or_build_stale_config_warns_and_rebuilds(tmp_path):
    path = save_checkpoint(tmp_path / "x.pt", kind="gan", config=CONFIG, state=make_state(0))
    new_config = dict(CONFIG, nz=16)
    build = Builder(5)
    with pytest.warns(CheckpointWarning) as rec:
        out = load_or_build(path, kind="gan", config=new_config, build=build)
    msg = str(rec[0].message)
    assert "nz: 8 -> 16" in msg and "rebuilding" in msg
    assert build.calls == 1 and out["config"] == new_config
    reloaded = load_checkpoint(path, kind="gan", expected_config=new_config)
    assert_state_equal(make_state(5), reloaded["state"])
    with pytest.raises(CheckpointError, match="nz"):
        load_checkpoint(path, expected_config=CONFIG)


def test_load_or_build_wrong_kind_warns_and_rebuilds(tmp_path):
    path = save_checkpoint(tmp_path / "x.pt", kind="classifier", config=CONFIG, state=make_state(0))
    build = Builder(2)
    with pytest.warns(CheckpointWarning, match="classifier"):
        load_or_build(path, kind="gan", config=CONFIG, build=build)
    assert build.calls == 1
    assert load_checkpoint(path)["kind"] == "gan"


def test_load_or_build_failing_build_keeps_old_file(tmp_path):
    path = save_checkpoint(tmp_path / "x.pt", kind="gan", config=CONFIG, state=make_state(0))
    before = path.read_bytes()

    def build():
        raise RuntimeError("training crashed")

    with pytest.warns(CheckpointWarning), pytest.raises(RuntimeError, match="training crashed"):
        load_or_build(path, kind="gan", config=dict(CONFIG, nz=99), build=build)
    assert path.read_bytes() == before
