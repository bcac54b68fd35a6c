"""Unit tests of helpers.plots (grids, curves, animation frames) and NotebookRun.save_gif."""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from helpers.plots import animation_frames, grid_image, plot_history, show_cam_rows, show_images  # noqa: E402
from helpers.run import start_run  # noqa: E402
from helpers.train import smooth  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def isolated_roots(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_COURSE_FIGURES", str(tmp_path / "figs"))
    monkeypatch.setenv("GAN_COURSE_ARTIFACTS", str(tmp_path / "arts"))
    monkeypatch.setenv("GAN_COURSE_DATA", str(tmp_path / "data"))
    yield tmp_path
    plt.close("all")


def constant_images(values) -> torch.Tensor:
    """One 28x28 image per value, every pixel equal to that value."""
    v = torch.tensor(values, dtype=torch.float32)
    return v.view(-1, 1, 1, 1).expand(-1, 1, 28, 28).clone()


# ----------------------------------------------------------------------------- grid_image


def test_grid_image_shape_layout_and_range():
    values = np.linspace(-1, 1, 10)
    grid = grid_image(constant_images(values), nrow=4)
    # 4 per row, 3 rows; every tile is 28 px plus a 2 px border, plus the outer border
    assert grid.shape == (3 * 30 + 2, 4 * 30 + 2)
    assert grid.dtype == np.float32
    assert grid.min() >= 0 and grid.max() <= 1
    for k, v in enumerate(values):
        r, c = divmod(k, 4)
        tile = grid[2 + 30 * r: 30 + 30 * r, 2 + 30 * c: 30 + 30 * c]
        np.testing.assert_allclose(tile, (v + 1) / 2, atol=1e-6)  # [-1, 1] -> [0, 1]
    assert np.all(grid[:2, :] == 1.0) and np.all(grid[:, :2] == 1.0)  # white padding
    assert np.all(grid[2 + 60: 30 + 60, 2 + 60:] == 1.0)  # the two empty slots of the last row


def test_grid_image_clamps_and_value_range():
    grid = grid_image(constant_images([-5.0, 3.0]), nrow=2)
    assert grid.shape == (32, 62)
    assert np.all(grid[2:30, 2:30] == 0.0) and np.all(grid[2:30, 32:60] == 1.0)
    g01 = grid_image(constant_images([0.25, 0.75]), nrow=8, value_range=(0.0, 1.0))
    assert g01.shape == (32, 62)  # fewer images than nrow: one row of two
    np.testing.assert_allclose(g01[2:30, 2:30], 0.25, atol=1e-6)
    np.testing.assert_allclose(g01[2:30, 32:60], 0.75, atol=1e-6)


def test_grid_image_accepts_tensors_that_need_grad():
    x = (torch.rand(16, 1, 28, 28) * 2 - 1).requires_grad_(True)
    grid = grid_image(x)
    assert grid.shape == (2 * 30 + 2, 8 * 30 + 2)


def test_show_images_draws_the_grid():
    x = constant_images(np.linspace(-1, 1, 6))
    ax = show_images(x, nrow=3, title="six")
    arr = ax.get_images()[0].get_array()
    np.testing.assert_allclose(np.asarray(arr), grid_image(x, 3))
    assert ax.get_title() == "six"
    assert list(ax.get_xticks()) == [] and list(ax.get_yticks()) == []


def test_show_images_of_nothing_says_so():
    ax = show_images(torch.zeros(0, 1, 28, 28), title="none kept")
    assert ax.get_images() == [] and ax.get_title() == "none kept"
    assert [t.get_text() for t in ax.texts] == ["(no images)"]


# ----------------------------------------------------------------------------- plot_history


def test_plot_history_plots_smoothed_curves_against_epochs():
    n, iters = 40, 8
    g = torch.Generator().manual_seed(0)
    hist = {"loss_d": torch.rand(n, generator=g) + 0.5, "loss_g": torch.rand(n, generator=g) + 1,
            "d_real": torch.rand(n, generator=g), "d_fake": torch.rand(n, generator=g)}
    fig = plot_history(hist, iters, label="run", window=5)
    ax_loss, ax_prob = fig.axes[:2]
    assert len(ax_loss.get_lines()) == 2
    x, y = ax_loss.get_lines()[0].get_data()
    np.testing.assert_allclose(x, np.arange(1, n + 1) / iters)
    assert x[-1] == pytest.approx(n / iters)  # 5 epochs
    np.testing.assert_allclose(y, smooth(hist["loss_d"], 5).numpy())
    np.testing.assert_allclose(ax_prob.get_lines()[1].get_data()[1], smooth(hist["d_fake"], 5).numpy())
    assert ax_prob.get_ylim() == (0.0, 1.0)
    assert "run" in ax_loss.get_lines()[0].get_label()


def test_plot_history_on_given_axes():
    fig, axes = plt.subplots(1, 2)
    hist = {k: torch.rand(10) for k in ("loss_d", "loss_g", "d_real", "d_fake")}
    assert plot_history(hist, 5, axes=axes) is fig


# ----------------------------------------------------------------------------- frames and GIFs


def _three_grids():
    return [constant_images(np.full(16, v)) for v in (-1.0, 0.0, 1.0)]


def test_animation_frames_returns_png_bytes():
    frames = animation_frames(_three_grids(), ["epoch 0", "epoch 1", "epoch 2"], nrow=4)
    assert len(frames) == 3
    for f in frames:
        assert isinstance(f, bytes) and f.startswith(PNG_MAGIC)
        with Image.open(io.BytesIO(f)) as im:
            assert im.format == "PNG" and im.size[0] > 50 and im.size[1] > 50
    assert len(set(frames)) == 3  # different grids and titles give different frames
    assert plt.get_fignums() == []  # every frame's figure was closed


@pytest.mark.parametrize("profile, sub", [("teach", ()), ("smoke", ("smoke",))])
def test_save_gif_writes_all_frames(isolated_roots, profile, sub):
    run = start_run("06_nb", profile=profile, seed=0, dataset="mnist")
    frames = animation_frames(_three_grids(), ["a", "b", "c"], nrow=4)
    path = run.save_gif(frames, "evolution", ms_per_frame=250)
    assert path == isolated_roots.joinpath("figs", *sub, "06_nb", "evolution.gif")
    with Image.open(path) as im:
        assert im.format == "GIF"
        assert im.n_frames == 3
        assert im.info.get("duration") == 250
    assert not any(p.name.endswith(".tmp") for p in path.parent.iterdir())


def test_save_gif_resizes_frames_to_the_first():
    run = start_run("06_nb", profile="teach", seed=0, dataset="mnist")
    big = animation_frames(_three_grids()[:1], ["big"], size=3.2)
    small = animation_frames(_three_grids()[1:], ["s1", "s2"], size=2.0)
    with Image.open(io.BytesIO(big[0])) as im0:
        first_size = im0.size
    path = run.save_gif(big + small, "mixed")
    with Image.open(path) as im:
        assert im.n_frames == 3
        for i in range(im.n_frames):
            im.seek(i)
            assert im.size == first_size


def test_save_gif_needs_frames(isolated_roots):
    run = start_run("06_nb", profile="teach", seed=0, dataset="mnist")
    with pytest.raises(ValueError, match="at least one frame"):
        run.save_gif([], "empty")
    assert not (isolated_roots / "figs").exists()


def test_show_cam_rows_lays_out_image_maps_and_overlays():
    images = torch.rand(3, 1, 28, 28)
    maps = {"A": torch.rand(3, 28, 28), "B": torch.zeros(3, 28, 28)}
    fig = show_cam_rows(images, maps, row_labels=["r0", "r1", "r2"], title="t")
    axes = np.array(fig.axes).reshape(3, 5)
    assert [ax.get_title() for ax in axes[0]] == ["image", "A", "B", "A overlay", "B overlay"]
    assert [ax.get_ylabel() for ax in axes[:, 0]] == ["r0", "r1", "r2"]
    assert [len(ax.images) for ax in axes[1]] == [1, 1, 1, 2, 2]   # overlays: image + map
    assert np.allclose(axes[2, 1].images[0].get_array(), maps["A"][2].numpy())
    plt.close(fig)
