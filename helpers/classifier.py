"""The digit classifier of the guided-GAN paper, and how it is trained, saved and applied.

Architecture (paper, Fig. 4; the authors' ``classification_mnist``)::

    Conv(1->16, 5x5, pad 2) - ReLU - MaxPool 2   ->  16 x 14 x 14
    Conv(16->32, 5x5, pad 2) - ReLU - MaxPool 2  ->  32 x 7 x 7
    Linear(1568 -> 10)

It is trained on images in ``[0, 1]`` (:func:`helpers.data.to_classifier`), so generator
output must be mapped from ``[-1, 1]`` the same way before it is classified.
With only 5,000 training digits we augment with small random affine transforms (rotation,
shift, scale, per image), which is the difference between about 97.5% and 98.5% test accuracy.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .checkpoints import load_or_build
from .params import check_float, check_int
from .progress import progress as progress_bar
from .run import pick_device, seed_everything


class PaperCNN(nn.Module):
    """Two conv layers (each ReLU + MaxPool) and one fully connected layer; returns logits."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.fc = nn.Linear(32 * 7 * 7, 10)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The 1568 flattened features the last layer sees (for feature-space distances)."""
        return self.conv(x).flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x))


@dataclass
class ClassifierConfig:
    """Everything that determines a trained classifier; stored in its checkpoint."""

    epochs: int = 30
    batch_size: int = 64
    lr: float = 2e-3
    augment: bool = True
    seed: int = 0
    dataset: str = "mnist"
    n_train: int = 0
    data_source: str = ""

    def __post_init__(self) -> None:
        check_int("epochs", self.epochs, minimum=1)
        check_int("batch_size", self.batch_size, minimum=1)
        check_float("lr", self.lr, minimum=0.0, exclusive=True)
        check_int("seed", self.seed, minimum=0)


def random_affine(x: torch.Tensor, generator: torch.Generator, *, degrees: float = 10.0,
                  shift: float = 0.1, scale: tuple[float, float] = (0.9, 1.1)) -> torch.Tensor:
    """A different small rotation, shift (fraction of the size) and scale for every image."""
    n = x.shape[0]
    u = torch.rand(n, 4, generator=generator).to(x.device)
    ang = (u[:, 0] * 2 - 1) * math.radians(degrees)
    s = scale[0] + u[:, 1] * (scale[1] - scale[0])
    tx, ty = (u[:, 2] * 2 - 1) * shift * 2, (u[:, 3] * 2 - 1) * shift * 2  # grid units span [-1, 1]
    cos, sin = torch.cos(ang) / s, torch.sin(ang) / s
    theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, align_corners=False, padding_mode="zeros")


@torch.no_grad()
def predict(model: nn.Module, images01: torch.Tensor, *, batch_size: int = 1000) -> tuple[torch.Tensor, torch.Tensor]:
    """Labels and softmax probabilities for images in ``[0, 1]`` (``(N, 1, 28, 28)``)."""
    model.eval()
    device = next(model.parameters()).device
    if len(images01) == 0:
        return torch.zeros(0, dtype=torch.long), torch.zeros(0, 10)
    probs = torch.cat([F.softmax(model(images01[i:i + batch_size].to(device)), 1).cpu()
                       for i in range(0, len(images01), batch_size)])
    return probs.argmax(1), probs


def accuracy(model: nn.Module, images01: torch.Tensor, labels: torch.Tensor) -> float:
    """Share of ``images01`` whose predicted label equals ``labels``."""
    return float((predict(model, images01)[0] == labels).float().mean())


def train_classifier(cfg: ClassifierConfig, train_x01: torch.Tensor, train_y: torch.Tensor,
                     eval_x01: torch.Tensor, eval_y: torch.Tensor, *, progress: bool = True,
                     device: torch.device | None = None) -> tuple[PaperCNN, dict[str, torch.Tensor]]:
    """Adam with a one-cycle learning rate; returns the model (CPU, eval mode) and per-epoch
    ``train_loss``, ``train_acc`` and ``eval_acc`` (the training curve of the paper's Fig. 5)."""
    device = device or pick_device()
    seed_everything(cfg.seed)
    model = PaperCNN().to(device)
    iters = math.ceil(len(train_x01) / cfg.batch_size)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=cfg.epochs * iters)
    g = torch.Generator().manual_seed(cfg.seed)
    x, y = train_x01.to(device), train_y.to(device)
    hist = {k: torch.zeros(cfg.epochs) for k in ("train_loss", "train_acc", "eval_acc")}
    for epoch in progress_bar(range(cfg.epochs), disable=not progress, desc="classifier", unit="epoch"):
        model.train()
        perm = torch.randperm(len(x), generator=g).to(device)
        loss_sum, correct = 0.0, 0
        for i in range(iters):
            idx = perm[i * cfg.batch_size:(i + 1) * cfg.batch_size]
            xb, yb = x[idx], y[idx]
            if cfg.augment:
                xb = random_affine(xb, g)
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += loss.item() * len(idx)
            correct += int((logits.argmax(1) == yb).sum())
        hist["train_loss"][epoch] = loss_sum / len(x)
        hist["train_acc"][epoch] = correct / len(x)
        hist["eval_acc"][epoch] = accuracy(model, eval_x01, eval_y)
    return model.cpu().eval(), hist


def load_or_train_classifier(cfg: ClassifierConfig, train_x01: torch.Tensor, train_y: torch.Tensor,
                             eval_x01: torch.Tensor, eval_y: torch.Tensor, path: str | Path, *,
                             progress: bool = True, rebuild: bool = False) -> tuple[PaperCNN, dict[str, Any]]:
    """The classifier of ``cfg`` from its checkpoint if it matches, else trained now and saved."""
    def build() -> dict[str, Any]:
        model, hist = train_classifier(cfg, train_x01, train_y, eval_x01, eval_y, progress=progress)
        return {"model": model.state_dict(), "history": hist}

    payload = load_or_build(path, kind="classifier", config=asdict(cfg), build=build, rebuild=rebuild)
    model = PaperCNN()
    model.load_state_dict(payload["state"]["model"])
    return model.eval(), {**payload["state"]["history"], "loaded_from": payload["loaded_from"]}
