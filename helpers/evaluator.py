"""The independent evaluator: a second classifier that grades generated images.

The course's paper CNN (:mod:`helpers.classifier`) builds things (the sectors of the noise
map, the guided GAN's labels), so it cannot also be the judge of them: a generator that
learned to please that one network would be graded by the same network. The evaluator is
independent of it twice over:

* **another architecture**: a small VGG-style net (below), not conv16-pool-conv32-pool-linear;
* **other images**: MNIST's (or Fashion-MNIST's) training images 50,001-60,000
  (:func:`helpers.data.evaluator_part`), which the paper CNN and the GANs never train on.

Architecture (``"vgg-32-64-128"``; 140,330 parameters)::

    [Conv 3x3 - BatchNorm - ReLU] x 2, 32 channels, MaxPool 2   ->  32 x 14 x 14
    [Conv 3x3 - BatchNorm - ReLU] x 2, 64 channels, MaxPool 2   ->  64 x 7 x 7
    MaxPool 2 - Linear(576 -> 128) - ReLU                       ->  128 features
    Dropout - Linear(128 -> 10)                                 ->  logits

:meth:`EvaluatorNet.features` is the 128-d layer, for Fréchet distances and precision/recall;
``forward`` gives the logits. Inputs are images in ``[0, 1]`` of shape ``(N, 1, 28, 28)``
(:func:`helpers.data.to_classifier`); the model is always applied in eval mode, with its
running BatchNorm statistics, so a batch of generated images cannot shift its own grades.

It knows when it sees no digit: trained on digits alone it called uniform noise an "8" with
probability 1.00, so its training batches also hold uniform noise and pixel-shuffled digits
with the uniform distribution as target (outlier exposure; ``scripts/train_evaluator.py``).

Accuracy on the 10,000 test images (recorded in each checkpoint, re-measured by
``tests/test_evaluator.py``): MNIST 99.48%, Fashion-MNIST 90.69% (20 epochs on 10,000 images each).

The trained weights are committed in ``helpers/evaluator_weights/{dataset}.pt``. Rebuild them
with ``make evaluator`` (both datasets) or ``python scripts/train_evaluator.py --dataset mnist``.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import nn

from .checkpoints import CheckpointError, load_checkpoint
from .data import Images
from .params import DATASETS, check_choice

#: the committed checkpoints, one per dataset.
EVALUATOR_DIR = Path(__file__).resolve().parent / "evaluator_weights"
#: the architecture's name, stored in (and checked against) every checkpoint.
ARCHITECTURE = "vgg-32-64-128"
#: the checkpoint kind (see :mod:`helpers.checkpoints`).
KIND = "evaluator"
#: the training images, as a checkpoint's config states them.
TRAIN_IMAGES = "50,001-60,000"


def _conv_block(c_in: int, c_out: int) -> nn.Sequential:
    """Two 3x3 convolutions (each BatchNorm + ReLU), then a 2x2 max-pool."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(),
        nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(),
        nn.MaxPool2d(2),
    )


class EvaluatorNet(nn.Module):
    """A small VGG-style classifier with a 128-d feature layer (see the module docstring)."""

    n_features = 128

    def __init__(self, dropout: float = 0.3) -> None:
        super().__init__()
        self.body = nn.Sequential(_conv_block(1, 32), _conv_block(32, 64), nn.MaxPool2d(2))
        self.embed = nn.Sequential(nn.Flatten(), nn.Linear(64 * 3 * 3, self.n_features), nn.ReLU())
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(self.n_features, 10))

    def features(self, x01: torch.Tensor) -> torch.Tensor:
        """The penultimate layer, ``(N, 128)``, of images in ``[0, 1]``."""
        return self.embed(self.body(x01))

    def features_and_logits(self, x01: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(features(x01), forward(x01))`` from one pass through the convolutions (what
        :func:`helpers.metrics.sample_reports` asks of a model that offers it)."""
        features = self.features(x01)
        return features, self.head(features)

    def forward(self, x01: torch.Tensor) -> torch.Tensor:
        return self.features_and_logits(x01)[1]


def evaluator_path(dataset: str) -> Path:
    """``helpers/evaluator_weights/{dataset}.pt``."""
    return EVALUATOR_DIR / f"{check_choice('DATASET', dataset, DATASETS)}.pt"


def rebuild_command(dataset: str) -> str:
    """The command that rebuilds the checkpoint of ``dataset``."""
    return f"`make evaluator` or `python scripts/train_evaluator.py --dataset {dataset}`"


def load_evaluator_checkpoint(dataset: str, *, path: str | os.PathLike | None = None) -> dict[str, Any]:
    """The evaluator checkpoint of ``dataset`` (``torch.load(..., weights_only=True)``): a dict with
    ``config`` (architecture, epochs, seed, training images, data source and sha256), ``state``
    (``model``: the state dict; ``test_accuracy``) and ``versions`` (torch's included).

    Raises :class:`helpers.checkpoints.CheckpointError` naming the file and the command that
    rebuilds it when the file is missing, corrupt, or not this evaluator's."""
    check_choice("DATASET", dataset, DATASETS)
    path = evaluator_path(dataset) if path is None else Path(path)
    fix = f"; rebuild it with {rebuild_command(dataset)}"
    try:
        payload = load_checkpoint(path, kind=KIND)
    except CheckpointError as exc:
        raise CheckpointError(f"evaluator: {str(exc).removesuffix(' Delete it to rebuild it.')}{fix}") from exc
    config = payload.get("config", {})
    if config.get("architecture") != ARCHITECTURE or config.get("dataset") != dataset:
        raise CheckpointError(f"evaluator: checkpoint {path} holds {config.get('architecture')!r} for "
                              f"{config.get('dataset')!r}, not {ARCHITECTURE!r} for {dataset!r}{fix}")
    return payload


def load_evaluator(dataset: str, *, path: str | os.PathLike | None = None) -> EvaluatorNet:
    """The trained evaluator of ``dataset`` ("mnist" or "fashion-mnist"), on the CPU, in eval mode.

    ``path`` overrides the committed checkpoint (:func:`evaluator_path`)."""
    payload = load_evaluator_checkpoint(dataset, path=path)
    model = EvaluatorNet()
    try:
        model.load_state_dict(payload["state"]["model"])
    except (KeyError, RuntimeError) as exc:
        raise CheckpointError(f"evaluator: checkpoint {path or evaluator_path(dataset)} does not fit "
                              f"EvaluatorNet ({type(exc).__name__}); rebuild it with "
                              f"{rebuild_command(dataset)}") from exc
    # channels-last memory: the same numbers (to 1e-7), about 30% faster convolutions on a CPU
    return model.to(memory_format=torch.channels_last).eval()


def images_sha256(images: Images) -> str:
    """sha256 of the images' and labels' bytes: which training images, exactly (stored in the
    checkpoint's config as ``data_sha256``)."""
    h = hashlib.sha256(images.x.numpy().tobytes())
    h.update(images.y.numpy().astype("uint8").tobytes())
    return h.hexdigest()


def check_images01(x01: torch.Tensor) -> None:
    """Raise ``ValueError`` unless ``x01`` is a float tensor ``(N, 1, 28, 28)`` with values in ``[0, 1]``."""
    if not torch.is_tensor(x01) or not x01.is_floating_point() or x01.dim() != 4 or tuple(x01.shape[1:]) != (1, 28, 28):
        shape = tuple(x01.shape) if torch.is_tensor(x01) else type(x01).__name__
        raise ValueError(f"the evaluator takes float images of shape (N, 1, 28, 28), not {shape} "
                         "(helpers.data.to_classifier converts uint8 or [-1, 1] images)")
    if not ((x01 >= 0) & (x01 <= 1)).all():  # NaN fails too
        raise ValueError(f"the evaluator takes images in [0, 1], these span [{float(x01.min()):.3g}, "
                         f"{float(x01.max()):.3g}]; map generator output with helpers.data.to_classifier")


def _batched(model: EvaluatorNet, x01: torch.Tensor, fn: Callable[[torch.Tensor], torch.Tensor],
             width: int, batch_size: int) -> torch.Tensor:
    """``fn(batch)`` over ``x01`` in batches, with ``model`` in eval mode; results on the CPU.
    Batches of a few hundred are fastest on a CPU (a larger one's activations leave the cache)."""
    check_images01(x01)
    model.eval()
    device = next(model.parameters()).device
    outs = [fn(x01[i:i + batch_size].to(device)).cpu() for i in range(0, len(x01), batch_size)]
    return torch.cat(outs) if outs else torch.zeros(0, width)


@torch.no_grad()
def evaluator_probs(model: EvaluatorNet, x01: torch.Tensor, batch_size: int = 200) -> torch.Tensor:
    """Softmax class probabilities ``(N, 10)`` of images in ``[0, 1]`` (``(N, 1, 28, 28)``)."""
    return _batched(model, x01, lambda x: F.softmax(model(x), 1), 10, batch_size)


@torch.no_grad()
def evaluator_features(model: EvaluatorNet, x01: torch.Tensor, batch_size: int = 200) -> torch.Tensor:
    """The 128-d features ``(N, 128)`` of images in ``[0, 1]`` (``(N, 1, 28, 28)``)."""
    return _batched(model, x01, model.features, model.n_features, batch_size)
