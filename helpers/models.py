"""The generators and discriminators of the course, for 28x28 single-channel images.

* :class:`MLPGenerator` / :class:`MLPDiscriminator`: one hidden layer of 128 units and
  100-dim noise, as in the student paper (seed 004).
* :class:`DCGANGenerator` / :class:`DCGANDiscriminator`: DCGAN (Radford et al.) scaled to
  28x28 -- transposed convolutions with BatchNorm + ReLU and a Tanh output; strided
  convolutions with LeakyReLU(0.2) in D. ``head="fc"`` gives the blog's variant (seed 001)
  whose discriminator ends with a fully connected layer over the flattened features.

Discriminators return **logits** (``sigmoid(logit) = D(x)``); the losses use
``BCEWithLogitsLoss``, which is the same BCE, computed stably.
"""
from __future__ import annotations

import torch
from torch import nn

from .params import check_choice, check_int

IMAGE_SHAPE = (1, 28, 28)
D_HEADS = ("conv", "fc")


def init_weights(module: nn.Module) -> None:
    """DCGAN initialisation: conv/linear weights ~ N(0, 0.02); BatchNorm weight ~ N(1, 0.02), bias 0."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


class MLPGenerator(nn.Module):
    """z (nz) -> Linear(nz, hidden) -> ReLU -> Linear(hidden, 784) -> Tanh -> image."""

    def __init__(self, nz: int = 100, hidden: int = 128) -> None:
        super().__init__()
        self.nz = check_int("nz (noise size)", nz, minimum=1)
        check_int("hidden", hidden, minimum=1)
        self.net = nn.Sequential(nn.Linear(nz, hidden), nn.ReLU(), nn.Linear(hidden, 784), nn.Tanh())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z.flatten(1)).view(-1, *IMAGE_SHAPE)


class MLPDiscriminator(nn.Module):
    """image -> Linear(784, hidden) -> LeakyReLU(0.2) -> Linear(hidden, 1) -> logit."""

    def __init__(self, hidden: int = 128) -> None:
        super().__init__()
        check_int("hidden", hidden, minimum=1)
        self.net = nn.Sequential(nn.Linear(784, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.flatten(1)).squeeze(1)


class DCGANGenerator(nn.Module):
    """z (nz) -> ConvT to (2w, 7, 7) -> ConvT to (w, 14, 14) -> ConvT to (1, 28, 28) -> Tanh.

    No biases before BatchNorm (they would be removed by it anyway).
    """

    def __init__(self, nz: int = 100, width: int = 32) -> None:
        super().__init__()
        self.nz = check_int("nz (noise size)", nz, minimum=1)
        w = check_int("width", width, minimum=1)
        self.net = nn.Sequential(
            nn.ConvTranspose2d(nz, 2 * w, 7, 1, 0, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(True),
            nn.ConvTranspose2d(2 * w, w, 4, 2, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(True),
            nn.ConvTranspose2d(w, 1, 4, 2, 1, bias=False), nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z.reshape(z.shape[0], self.nz, 1, 1))


class DCGANDiscriminator(nn.Module):
    """image -> Conv to (w, 14, 14) -> Conv to (2w, 7, 7) -> head -> logit.

    ``head="conv"``: a 7x7 convolution to one number (DCGAN's all-convolutional ending).
    ``head="fc"``: flatten and a fully connected layer (the blog's variant, seed 001).
    ``self.features`` is the last convolutional block, the layer Grad-CAM looks at.
    """

    def __init__(self, width: int = 32, head: str = "conv", minibatch_std: bool = False) -> None:
        super().__init__()
        w = check_int("width", width, minimum=1)
        self.head_kind = check_choice("head", head, D_HEADS)
        self.minibatch_std = bool(minibatch_std)
        self.features = nn.Sequential(
            nn.Conv2d(1, w, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True),
            nn.Conv2d(w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w), nn.LeakyReLU(0.2, True),
        )
        c = 2 * w + int(self.minibatch_std)
        if head == "conv":
            self.head = nn.Sequential(nn.Conv2d(c, 1, 7, 1, 0, bias=False), nn.Flatten())
        else:
            self.head = nn.Sequential(nn.Flatten(), nn.Linear(c * 7 * 7, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.features(x)
        if self.minibatch_std:
            h = append_minibatch_std(h)
        return self.head(h).squeeze(1)


def append_minibatch_std(h: torch.Tensor) -> torch.Tensor:
    """Minibatch standard deviation (Karras et al. 2018): one extra channel holding the mean,
    over features, of their standard deviation across the batch. A batch of near-copies
    (mode collapse) has a small value, which the discriminator can learn to call fake."""
    std = h.std(dim=0, unbiased=False).mean() if len(h) > 1 else h.new_zeros(())
    return torch.cat([h, std.expand(len(h), 1, *h.shape[2:])], dim=1)


def batch_stats_copy(model: nn.Module) -> nn.Module:
    """A copy of ``model`` whose BatchNorm layers normalise every batch with its own
    statistics, as in training, and never update the running statistics.

    The course's discriminators are trained on all-real and all-fake batches, each normalised
    by its own statistics; the running averages mix the two, and in eval mode such a D can
    rank real images below generated ones (notebook 07). Fed one kind of image per batch, this
    copy is the D that played the game. The original model is left as it was.
    """
    import copy

    twin = copy.deepcopy(model).train()
    for m in twin.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.track_running_stats = False  # in train mode: batch statistics, running ones untouched
    return twin


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
