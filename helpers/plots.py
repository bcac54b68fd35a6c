"""Plots the notebooks share: image grids, training curves, grid animations."""
from __future__ import annotations

import io
from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from torchvision.utils import make_grid

from . import sliders
from .train import smooth

sliders.register()   # saved notebooks show a picture for each slider (helpers/sliders.py)


def grid_image(images: torch.Tensor, nrow: int = 8, value_range: tuple[float, float] = (-1.0, 1.0)) -> np.ndarray:
    """A ``(H, W)`` array in ``[0, 1]`` tiling ``images`` (``(N, 1, 28, 28)``) ``nrow`` per row."""
    lo, hi = value_range
    x = (images.detach().float().cpu() - lo) / (hi - lo)
    grid = make_grid(x.clamp(0, 1), nrow=nrow, padding=2, pad_value=1.0)
    return grid[0].numpy()


def show_images(images: torch.Tensor, *, nrow: int = 8, ax: Axes | None = None, title: str | None = None,
                value_range: tuple[float, float] = (-1.0, 1.0)) -> Axes:
    """Show ``images`` as a grid on ``ax`` (a new figure if None), grey scale, no ticks."""
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    if len(images) == 0:  # e.g. a filter that rejected nothing: say so instead of failing
        ax.text(0.5, 0.5, "(no images)", ha="center", va="center", transform=ax.transAxes)
    else:
        ax.imshow(grid_image(images, nrow, value_range), cmap="gray", vmin=0, vmax=1)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    return ax


def plot_history(history: dict[str, torch.Tensor], iters_per_epoch: int, *, label: str = "",
                 axes: Sequence[Axes] | None = None, window: int = 25) -> Figure:
    """Two panels against epochs: the smoothed losses of D and G, and the mean D(x), D(G(z))."""
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
    else:
        fig = axes[0].figure
    ep = np.arange(1, len(history["loss_d"]) + 1) / max(1, iters_per_epoch)
    sep = f" ({label})" if label else ""
    axes[0].plot(ep, smooth(history["loss_d"], window), label=f"loss D{sep}")
    axes[0].plot(ep, smooth(history["loss_g"], window), label=f"loss G{sep}")
    axes[0].set_xlabel("epoch")
    axes[0].set_ylabel("BCE loss (moving average)")
    axes[0].legend()
    axes[1].plot(ep, smooth(history["d_real"], window), label=f"D(x), real{sep}")
    axes[1].plot(ep, smooth(history["d_fake"], window), label=f"D(G(z)), fake{sep}")
    axes[1].axhline(0.5, color="grey", lw=0.8, ls="--")
    axes[1].set_ylim(0, 1)
    axes[1].set_xlabel("epoch")
    axes[1].set_ylabel("mean probability 'real'")
    axes[1].legend()
    fig.tight_layout()
    return fig


def animation_frames(grids: Sequence[torch.Tensor], titles: Sequence[str], *, nrow: int = 8,
                     size: float = 3.2) -> list[bytes]:
    """Render one titled PNG frame per image grid (for :meth:`helpers.run.NotebookRun.save_gif`)."""
    frames = []
    for images, title in zip(grids, titles):
        fig, ax = plt.subplots(figsize=(size, size + 0.3))
        show_images(images, nrow=nrow, ax=ax, title=title)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
        plt.close(fig)
        frames.append(buf.getvalue())
    return frames


def show_cam_rows(images: torch.Tensor, maps: dict[str, torch.Tensor], *, row_labels: Sequence[str],
                  title: str = "", size: float = 1.5, alpha: float = 0.5) -> Figure:
    """A table of heat maps (notebook 07): one row per image (``(N, 1, H, W)`` in ``[0, 1]``),
    columns: the image, each map of ``maps`` (name -> ``(N, H, W)`` in ``[0, 1]``), then each
    map laid over the image (``alpha`` its opacity)."""
    names = list(maps)
    cols = ["image"] + names + [f"{n} overlay" for n in names]
    fig, axes = plt.subplots(len(images), len(cols), figsize=(size * len(cols), size * len(images)),
                             squeeze=False)
    for r in range(len(images)):
        img = images[r, 0].detach().cpu().numpy()
        axes[r, 0].imshow(img, cmap="gray", vmin=0, vmax=1)
        for c, name in enumerate(names):
            heat = maps[name][r].detach().cpu().numpy()
            axes[r, 1 + c].imshow(heat, cmap="jet", vmin=0, vmax=1)
            axes[r, 1 + len(names) + c].imshow(img, cmap="gray", vmin=0, vmax=1)
            axes[r, 1 + len(names) + c].imshow(heat, cmap="jet", vmin=0, vmax=1, alpha=alpha)
        axes[r, 0].set_ylabel(row_labels[r], fontsize=8)
    for c, name in enumerate(cols):
        axes[0, c].set_title(name, fontsize=9)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title, y=1.0)
    fig.tight_layout()
    return fig
