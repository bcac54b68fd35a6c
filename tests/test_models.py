"""Unit tests of helpers.models: shapes, output ranges, DCGAN initialisation, bad parameters."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import stats
from torch import nn

from helpers.models import (DCGANDiscriminator, batch_stats_copy, DCGANGenerator, MLPDiscriminator, MLPGenerator,
                            count_parameters, init_weights)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def test_mlp_generator_shape_and_range():
    G = MLPGenerator(nz=16, hidden=32)
    assert G.nz == 16
    out = G(torch.randn(5, 16) * 50)  # large inputs saturate Tanh but never leave [-1, 1]
    assert out.shape == (5, 1, 28, 28)
    assert out.min() >= -1 and out.max() <= 1
    assert out.abs().max() > 0.9  # the Tanh range is actually used


def test_mlp_discriminator_shape():
    D = MLPDiscriminator(hidden=32)
    logits = D(torch.rand(7, 1, 28, 28) * 2 - 1)
    assert logits.shape == (7,)
    assert logits.dtype == torch.float32


@pytest.mark.parametrize("z_shape", [(6, 16), (6, 16, 1, 1)])
def test_dcgan_generator_shape_and_range(z_shape):
    G = DCGANGenerator(nz=16, width=8)
    out = G(torch.randn(*z_shape) * 10)
    assert out.shape == (6, 1, 28, 28)
    assert out.min() >= -1 and out.max() <= 1
    G.eval()
    assert G(torch.randn(1, 16)).shape == (1, 1, 28, 28)


@pytest.mark.parametrize("z_shape", [(6, 16), (6, 16, 1, 1)])
def test_dcgan_generator_with_hidden_projection(z_shape):
    G = DCGANGenerator(nz=16, width=8, hidden=32)
    assert G.hidden == 32
    out = G(torch.randn(*z_shape) * 10)
    assert out.shape == (6, 1, 28, 28)
    assert out.min() >= -1 and out.max() <= 1
    kinds = [type(m) for m in G.net]
    # project: Linear(16, 32), BatchNorm1d, ReLU, Linear(32, 2*8*49), BatchNorm1d, ReLU, then DCGAN's two ConvT
    assert kinds[:6] == [nn.Linear, nn.BatchNorm1d, nn.ReLU, nn.Linear, nn.BatchNorm1d, nn.ReLU]
    assert G.net[3].out_features == 2 * 8 * 49
    assert sum(isinstance(m, nn.ConvTranspose2d) for m in G.net) == 2
    assert all(m.bias is None for m in G.net if isinstance(m, (nn.Linear, nn.ConvTranspose2d)))
    G.eval()
    assert G(torch.randn(1, 16)).shape == (1, 1, 28, 28)


def test_dcgan_generator_without_hidden_starts_with_a_transposed_convolution():
    # the 2-dim generator of notebooks 03-05 keeps the authors' first layer: a bias-free ConvT on z, then BatchNorm2d
    G = DCGANGenerator(nz=2, width=8)
    assert G.hidden == 0
    first, norm = G.net[0], G.net[1]
    assert isinstance(first, nn.ConvTranspose2d) and first.bias is None and first.in_channels == 2
    assert isinstance(norm, nn.BatchNorm2d)
    assert not any(isinstance(m, (nn.Linear, nn.BatchNorm1d)) for m in G.modules())


def test_dcgan_generator_rejects_negative_hidden():
    with pytest.raises(ValueError) as ei:
        DCGANGenerator(nz=4, hidden=-1)
    assert "hidden" in str(ei.value) and ">= 0" in str(ei.value)


@pytest.mark.parametrize("head", ["conv", "fc"])
@pytest.mark.parametrize("n", [2, 5])
def test_dcgan_discriminator_third_convolution(head, n):
    D = DCGANDiscriminator(width=8, head=head, convs=3)
    assert D.convs == 3
    x = torch.rand(n, 1, 28, 28) * 2 - 1
    assert D.features(x).shape == (n, 16, 7, 7)   # 2w channels at 7x7, as with two: Grad-CAM's cells stay 4x4 pixels
    assert D(x).shape == (n,)
    assert sum(isinstance(m, nn.Conv2d) for m in D.features) == 3
    # the head stays linear in D.features: conv 16*49 weights, fc 16*49 + 1
    assert count_parameters(D.head) == 16 * 49 + (head == "fc")


@pytest.mark.parametrize("bad", [1, 4, 2.5, "3"])
def test_dcgan_discriminator_rejects_convs(bad):
    with pytest.raises(ValueError) as ei:
        DCGANDiscriminator(width=8, convs=bad)
    assert "convs" in str(ei.value)


@pytest.mark.parametrize("head", ["conv", "fc"])
@pytest.mark.parametrize("n", [1, 5])
def test_dcgan_discriminator_shapes(head, n):
    D = DCGANDiscriminator(width=8, head=head).eval()
    x = torch.rand(n, 1, 28, 28) * 2 - 1
    assert D.head_kind == head
    assert D(x).shape == (n,)
    assert D.features(x).shape == (n, 16, 7, 7)


def test_dcgan_heads_differ_in_structure():
    conv = DCGANDiscriminator(width=8, head="conv")
    fc = DCGANDiscriminator(width=8, head="fc")
    assert any(isinstance(m, nn.Linear) for m in fc.head.modules())
    assert not any(isinstance(m, nn.Linear) for m in conv.head.modules())
    # by hand: conv head 16*1*7*7 weights, no bias; fc head 16*7*7 weights + 1 bias
    assert count_parameters(conv.head) == 16 * 49
    assert count_parameters(fc.head) == 16 * 49 + 1


@pytest.mark.parametrize("bad", ["bad", "linear", ""])
def test_dcgan_discriminator_bad_head(bad):
    with pytest.raises(ValueError) as ei:
        DCGANDiscriminator(width=8, head=bad)
    msg = str(ei.value)
    assert "head" in msg and repr(bad) in msg
    assert "'conv'" in msg and "'fc'" in msg


@pytest.mark.parametrize("cls", [DCGANGenerator, MLPGenerator])
@pytest.mark.parametrize("nz", [0, -1])
def test_generators_reject_noise_size(cls, nz):
    with pytest.raises(ValueError) as ei:
        cls(nz=nz)
    msg = str(ei.value)
    assert "nz" in msg and "noise size" in msg and f"={nz}" in msg and ">= 1" in msg


def test_generators_reject_non_integer_noise_size():
    with pytest.raises(ValueError, match="nz"):
        DCGANGenerator(nz=2.5)


@pytest.mark.parametrize("make", [
    lambda: DCGANGenerator(nz=4, width=0),
    lambda: DCGANDiscriminator(width=-2),
    lambda: MLPGenerator(nz=4, hidden=0),
    lambda: MLPDiscriminator(hidden=0),
])
def test_width_and_hidden_must_be_positive(make):
    with pytest.raises(ValueError) as ei:
        make()
    assert ("width" in str(ei.value) or "hidden" in str(ei.value)) and ">= 1" in str(ei.value)


def test_count_parameters_by_hand():
    G = MLPGenerator(nz=10, hidden=20)
    assert count_parameters(G) == (10 * 20 + 20) + (20 * 784 + 784)
    D = MLPDiscriminator(hidden=20)
    assert count_parameters(D) == (784 * 20 + 20) + (20 * 1 + 1)
    D.net[0].weight.requires_grad_(False)
    assert count_parameters(D) == 20 + 21


def test_init_weights_statistics_generator():
    G = DCGANGenerator(nz=100, width=64)
    first = G.net[0].weight  # (100, 128, 7, 7): 627,200 weights
    default_std = float(first.detach().std())
    init_weights(G)
    w = first.detach().numpy().ravel()
    assert w.size == 100 * 128 * 49
    # PyTorch's default (uniform, std ~ 0.007 here) is replaced by N(0, 0.02)
    assert abs(default_std - 0.02) > 0.005
    assert w.std() == pytest.approx(0.02, rel=0.01)
    assert abs(w.mean()) < 1e-3
    assert abs(stats.kurtosis(w)) < 0.05  # normal (0), not uniform (-1.2)
    for bn in (m for m in G.modules() if isinstance(m, nn.BatchNorm2d)):
        g = bn.weight.detach().numpy()
        assert abs(g.mean() - 1.0) < 0.01
        assert 0.01 < g.std() < 0.03  # drawn, not the default constant 1
        assert torch.all(bn.bias == 0)


def test_init_weights_statistics_discriminator_and_biases():
    D = DCGANDiscriminator(width=64, head="fc")
    init_weights(D)
    conv2 = D.features[2].weight.detach().numpy().ravel()  # (128, 64, 4, 4)
    assert conv2.std() == pytest.approx(0.02, rel=0.02)
    bn = D.features[3]
    assert abs(float(bn.weight.detach().mean()) - 1.0) < 0.01
    assert torch.all(bn.bias == 0)
    lin = D.head[1]
    assert torch.all(lin.bias == 0)
    assert float(lin.weight.detach().std()) == pytest.approx(0.02, rel=0.05)  # 6,272 weights


def test_init_weights_mlp_linear_layers():
    G = MLPGenerator(nz=100, hidden=128)
    init_weights(G)
    lin2 = G.net[2]
    assert lin2.weight.numel() == 128 * 784
    assert float(lin2.weight.detach().std()) == pytest.approx(0.02, rel=0.02)
    assert torch.all(lin2.bias == 0) and torch.all(G.net[0].bias == 0)


def test_init_weights_is_reproducible_with_seed():
    a, b = DCGANGenerator(nz=8, width=8), DCGANGenerator(nz=8, width=8)
    torch.manual_seed(3)
    init_weights(a)
    torch.manual_seed(3)
    init_weights(b)
    for pa, pb in zip(a.state_dict().values(), b.state_dict().values()):
        assert torch.equal(pa, pb)


def test_models_backpropagate():
    G, D = DCGANGenerator(nz=8, width=4), DCGANDiscriminator(width=4)
    loss = D(G(torch.randn(3, 8))).sum()
    loss.backward()
    grads = [p.grad for p in G.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert any(float(g.abs().sum()) > 0 for g in grads)
    assert np.isfinite(loss.item())


def test_minibatch_std_channel_sees_batch_variety():
    from helpers.models import DCGANDiscriminator, append_minibatch_std

    h = torch.zeros(4, 3, 7, 7)
    h[0] = 1.0  # features of one sample differ: std over the batch of each feature = sqrt(3)/4
    out = append_minibatch_std(h)
    assert out.shape == (4, 4, 7, 7)
    assert torch.allclose(out[:, 3], torch.full((4, 7, 7), 3 ** 0.5 / 4))
    assert torch.all(append_minibatch_std(torch.ones(4, 3, 7, 7))[:, 3] == 0)  # identical samples
    for head in ("conv", "fc"):
        D = DCGANDiscriminator(width=8, head=head, minibatch_std=True)
        assert D(torch.rand(5, 1, 28, 28)).shape == (5,)


def test_batch_stats_copy_normalises_by_the_batch_and_leaves_the_original_alone():
    torch.manual_seed(0)
    D = DCGANDiscriminator(width=8).eval()
    with torch.no_grad():
        D.features[3].running_mean.fill_(0.5)   # running statistics unlike any batch's
        D.features[3].running_var.fill_(4.0)
    before = {k: v.clone() for k, v in D.state_dict().items()}
    x = torch.randn(16, 1, 28, 28)
    twin = batch_stats_copy(D)
    with torch.no_grad():
        out = twin(x)
        out_again = twin(x)
        by_hand = D.head(nn.functional.leaky_relu(nn.functional.batch_norm(
            D.features[2](D.features[1](D.features[0](x))), None, None, D.features[3].weight,
            D.features[3].bias, training=True), 0.2)).squeeze(1)
        eval_out = D(x)
    assert torch.allclose(out, by_hand, atol=1e-5)
    assert torch.equal(out, out_again)                       # no running statistics were updated
    assert not torch.allclose(out, eval_out, atol=1e-3)      # and they were not used either
    assert not D.training and all(torch.equal(v, before[k]) for k, v in D.state_dict().items())
    assert all(torch.equal(v, before[k]) for k, v in twin.state_dict().items())
