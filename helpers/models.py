"""The generators and discriminators of the course, for 28x28 single-channel images.

* :class:`MLPGenerator` / :class:`MLPDiscriminator`: one hidden layer of 128 units and
  100-dim noise, as in the student paper (seed 004).
* :class:`DCGANGenerator` / :class:`DCGANDiscriminator`: DCGAN (Radford et al.) scaled to
  28x28 -- transposed convolutions with BatchNorm + ReLU and a Tanh output; strided
  convolutions with LeakyReLU(0.2) in D. ``head="fc"`` gives the blog's variant (seed 001)
  whose discriminator ends with a fully connected layer over the flattened features.

The four model classes and ``init_weights`` are lesson code: written in notebooks 01 and 02
(cells marked ``#@save``) and extracted into :mod:`helpers.lesson`; they are re-exported here.

Discriminators return **logits** (``sigmoid(logit) = D(x)``); the losses use
``BCEWithLogitsLoss``, which is the same BCE, computed stably.
"""
from __future__ import annotations

import torch
from torch import nn

from .lesson import (DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator,  # noqa: F401
                     append_minibatch_std, init_weights)


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
