"""GANs whose input carries a *code*: InfoGAN, ACGAN, and the plain GAN they are compared with.

All three share one generator and one discriminator, so they have the same budget and differ
only in their losses (notebook 06). The generator's input is

    [ z (nz noise dims, N(0, 1)) | c_cat (one-hot, n_cat values) | c_cont (n_cont dims, U(-1, 1)) ]

* ``kind="plain"``: an ordinary GAN fed that same input; nothing asks the code to mean anything.
* ``kind="infogan"`` (Chen et al. 2016): a head Q on D's trunk predicts the code from the
  image, and G and Q maximise a lower bound of the mutual information ``I(c; G(z, c))``::

      min_{G,Q} max_D  V(D, G) - lambda * L_I(G, Q),
      L_I = E[log Q(c_cat | x)] + E[log Q(c_cont | x)] + H(c)   <=  I(c; G(z, c))

  With a categorical Q (softmax over logits) ``-E[log Q(c_cat|x)]`` is a cross entropy; with a
  Gaussian Q (mean mu, std sigma) ``-log Q(c_cont|x) = log sigma + (c - mu)^2 / (2 sigma^2)``
  plus a constant (``cont_loss="gaussian"``; ``"fixed"`` keeps sigma = 1). No labels are used.
* ``kind="acgan"`` (Odena et al. 2017): the categorical code is the *requested class*; the same
  head is trained to classify real images by their true labels and fakes by the requested one.

Two bugs of popular GAN zoos are avoided on purpose: ``nn.BatchNorm2d(c, 0.8)`` sets eps
(not momentum), and a softmax head fed to ``cross_entropy`` applies softmax twice: Q returns
logits here.
"""
from __future__ import annotations

import copy
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment
from torch import nn

from .checkpoints import load_or_build
from .gradcam import stroke_mask
from .lesson import acgan_loss, info_loss  # noqa: F401  (lesson code of notebook 06, re-exported)
from .models import batch_stats_copy, init_weights
from .params import check_choice, check_float, check_int
from .progress import progress as progress_bar
from .run import pick_device, seed_everything
from .train import ema_update, generate

KINDS = ("plain", "infogan", "acgan")
CONT_LOSSES = ("fixed", "gaussian")


@dataclass
class CodeGANConfig:
    """Everything that determines a trained code GAN; stored in its checkpoint."""

    kind: str = "infogan"
    nz: int = 62
    n_cat: int = 10
    n_cont: int = 2
    width: int = 64
    hidden: int = 512
    epochs: int = 20
    batch_size: int = 64
    lr_g: float = 1e-3
    lr_d: float = 2e-4
    beta1: float = 0.5
    lambda_cat: float = 1.0
    lambda_cont: float = 0.1
    cont_loss: str = "fixed"
    ema_decay: float = 0.0
    seed: int = 0
    dataset: str = "mnist"
    n_train: int = 0
    data_source: str = ""

    def __post_init__(self) -> None:
        check_choice("kind", self.kind, KINDS)
        check_int("nz (noise size)", self.nz, minimum=1)
        check_int("n_cat", self.n_cat, minimum=2)
        check_int("n_cont", self.n_cont, minimum=0)
        check_int("width", self.width, minimum=1)
        check_int("hidden", self.hidden, minimum=1)
        check_int("epochs", self.epochs, minimum=0)
        check_int("batch_size", self.batch_size, minimum=2)
        check_float("lr_g", self.lr_g, minimum=0.0, exclusive=True)
        check_float("lr_d", self.lr_d, minimum=0.0, exclusive=True)
        check_float("beta1", self.beta1, minimum=0.0, maximum=1.0, exclusive_max=True)  # Adam needs it below 1
        check_float("lambda_cat", self.lambda_cat, minimum=0.0)
        check_float("lambda_cont", self.lambda_cont, minimum=0.0)
        check_choice("cont_loss", self.cont_loss, CONT_LOSSES)
        check_float("ema_decay", self.ema_decay, minimum=0.0, maximum=1.0, exclusive_max=True)  # 1: never moves
        check_int("seed", self.seed, minimum=0)

    @property
    def input_size(self) -> int:
        return self.nz + self.n_cat + self.n_cont


class Codes(NamedTuple):
    """A batch of generator inputs, split into its parts."""

    z: torch.Tensor     # (n, nz) noise, N(0, 1)
    cat: torch.Tensor   # (n,) int64 categorical code (ACGAN: the requested class)
    cont: torch.Tensor  # (n, n_cont) continuous codes, U(-1, 1)


def sample_codes(n: int, cfg: CodeGANConfig, *, generator: torch.Generator | None = None,
                 cat: torch.Tensor | int | None = None) -> Codes:
    """``n`` random inputs: noise ``N(0, 1)``, a uniform categorical code (or the given ``cat``),
    continuous codes ``U(-1, 1)`` (the InfoGAN paper's prior)."""
    check_int("n", n, minimum=0)
    z = torch.randn(n, cfg.nz, generator=generator)
    if cat is None:
        cat_t = torch.randint(cfg.n_cat, (n,), generator=generator)
    else:
        cat_t = torch.as_tensor(cat, dtype=torch.long).expand(n).clone()
        if len(cat_t) and (int(cat_t.min()) < 0 or int(cat_t.max()) >= cfg.n_cat):
            raise ValueError(f"cat={cat!r} is not allowed; it must be in 0..{cfg.n_cat - 1}")
    cont = torch.rand(n, cfg.n_cont, generator=generator) * 2 - 1
    return Codes(z, cat_t, cont)


def generator_input(codes: Codes, n_cat: int) -> torch.Tensor:
    """The generator's input vector ``[z | one_hot(cat) | cont]``."""
    return torch.cat([codes.z, F.one_hot(codes.cat, n_cat).to(codes.z.dtype), codes.cont], dim=1)


class CodeGenerator(nn.Module):
    """input -> FC hidden -> FC (2w, 7, 7) -> ConvT (w, 14, 14) -> ConvT (1, 28, 28) -> Tanh.

    The InfoGAN paper's MNIST generator, narrowed for a CPU (paper: hidden 1024, w 64).
    """

    def __init__(self, input_size: int, width: int = 64, hidden: int = 512) -> None:
        super().__init__()
        w = check_int("width", width, minimum=1)
        self.input_size = check_int("input_size", input_size, minimum=1)
        self.fc = nn.Sequential(
            nn.Linear(input_size, hidden, bias=False), nn.BatchNorm1d(hidden), nn.ReLU(True),
            nn.Linear(hidden, 2 * w * 49, bias=False), nn.BatchNorm1d(2 * w * 49), nn.ReLU(True),
        )
        self.conv = nn.Sequential(
            nn.ConvTranspose2d(2 * w, w, 4, 2, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(True),
            nn.ConvTranspose2d(w, 1, 4, 2, 1), nn.Tanh(),
        )
        self.width = w

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(self.fc(x).view(-1, 2 * self.width, 7, 7))


class DOutput(NamedTuple):
    """What the discriminator says of a batch: the real/fake logit, and the code head's guess."""

    logit: torch.Tensor       # (n,)        real/fake logit (sigmoid = D(x))
    cat_logits: torch.Tensor  # (n, n_cat)  logits of Q(c_cat | x), not probabilities
    cont_mean: torch.Tensor   # (n, n_cont) mean of Q(c_cont | x)
    cont_logstd: torch.Tensor  # (n, n_cont) log std of Q(c_cont | x) (unused when cont_loss="fixed")


class CodeDiscriminator(nn.Module):
    """image -> Conv (w, 14, 14) -> Conv (2w, 7, 7) -> FC hidden = the shared trunk; then the
    real/fake head (one logit) and the code head Q (FC 128 -> categorical logits, means, log stds)."""

    def __init__(self, n_cat: int = 10, n_cont: int = 2, width: int = 64, hidden: int = 512) -> None:
        super().__init__()
        w = check_int("width", width, minimum=1)
        self.n_cat, self.n_cont = n_cat, n_cont
        self.trunk = nn.Sequential(
            nn.Conv2d(1, w, 4, 2, 1), nn.LeakyReLU(0.2, True),
            nn.Conv2d(w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w), nn.LeakyReLU(0.2, True),
            nn.Flatten(), nn.Linear(2 * w * 49, hidden, bias=False), nn.BatchNorm1d(hidden),
            nn.LeakyReLU(0.2, True),
        )
        self.adv = nn.Linear(hidden, 1)
        self.q = nn.Sequential(nn.Linear(hidden, 128, bias=False), nn.BatchNorm1d(128), nn.LeakyReLU(0.2, True),
                               nn.Linear(128, n_cat + 2 * n_cont))

    def forward(self, x: torch.Tensor) -> DOutput:
        h = self.trunk(x)
        q = self.q(h)
        k, c = self.n_cat, self.n_cont
        return DOutput(self.adv(h).squeeze(1), q[:, :k], q[:, k:k + c], q[:, k + c:].clamp(-5.0, 5.0))


def build_code_models(cfg: CodeGANConfig) -> tuple[CodeGenerator, CodeDiscriminator]:
    """Fresh, initialised (G, D) for ``cfg`` (seeded by ``cfg.seed``)."""
    torch.manual_seed(cfg.seed)
    G = CodeGenerator(cfg.input_size, cfg.width, cfg.hidden)
    D = CodeDiscriminator(cfg.n_cat, cfg.n_cont, cfg.width, cfg.hidden)
    init_code_weights(G, D)
    return G, D


def init_code_weights(*models: nn.Module) -> None:
    """DCGAN's initialisation (:func:`helpers.lesson.init_weights`) of each model in turn, then the
    BatchNorm1d scales ~ N(1, 0.02) and biases 0 of each, which ``init_weights`` leaves alone."""
    for model in models:
        init_weights(model)
    for m in (m for model in models for m in model.modules()):
        if isinstance(m, nn.BatchNorm1d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


@dataclass
class CodeGANResult:
    """A trained (or loaded) code GAN: models and per-iteration history."""

    config: CodeGANConfig
    G: CodeGenerator
    D: CodeDiscriminator
    history: dict[str, torch.Tensor]
    loaded_from: str | None = None

    @property
    def iters_per_epoch(self) -> int:
        return max(1, len(self.history["loss_d"]) // max(1, self.config.epochs))


def train_code_gan(cfg: CodeGANConfig, images: torch.Tensor, labels: torch.Tensor, *,
                   progress: bool = True, device: torch.device | None = None) -> CodeGANResult:
    """Train the code GAN of ``cfg`` on ``images`` (``(N, 1, 28, 28)`` in ``[-1, 1]``).

    ``labels`` (``(N,)``, ints in ``0..n_cat-1``) are used by ACGAN only. Each step:

    * D (and Q) step: ``BCE(D(x), 1) + BCE(D(G(z, c)), 0)``, plus, for InfoGAN, the information
      loss on the (detached) fakes; for ACGAN, the class cross entropy on reals (true labels)
      and fakes (requested labels);
    * G step: ``BCE(D(G(z, c)), 1)`` plus the same information / class term.

    With ``cfg.ema_decay > 0`` the returned G is an exponential moving average of G's weights over the
    steps (:func:`helpers.train.ema_update`; the training itself, D and every random draw are the same).
    Deterministic for a given ``cfg.seed`` on a given device.
    """
    if images.dim() != 4 or images.shape[1:] != (1, 28, 28):
        raise ValueError(f"images must have shape (N, 1, 28, 28), got {tuple(images.shape)}")
    if len(labels) != len(images):
        raise ValueError(f"labels ({len(labels)}) and images ({len(images)}) differ in length")
    if len(images) < cfg.batch_size:
        raise ValueError(f"batch_size={cfg.batch_size} is larger than the {len(images)} training images")
    if cfg.kind == "acgan" and (int(labels.min()) < 0 or int(labels.max()) >= cfg.n_cat):
        raise ValueError(f"ACGAN needs labels in 0..{cfg.n_cat - 1}")
    device = device or pick_device()
    seed_everything(cfg.seed)
    G, D = build_code_models(cfg)
    G.to(device)
    D.to(device)
    G_ema = copy.deepcopy(G) if cfg.ema_decay > 0 else None
    opt_g = torch.optim.Adam(G.parameters(), lr=cfg.lr_g, betas=(cfg.beta1, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=cfg.lr_d, betas=(cfg.beta1, 0.999))
    x_all, y_all = images.to(device), labels.long().to(device)
    shuffle = torch.Generator().manual_seed(cfg.seed)
    code_gen = torch.Generator().manual_seed(cfg.seed + 1)
    ones = torch.ones(cfg.batch_size, device=device)
    zeros = torch.zeros(cfg.batch_size, device=device)
    info = dict(lambda_cat=cfg.lambda_cat, lambda_cont=cfg.lambda_cont, cont_loss=cfg.cont_loss)

    def code_term(out: DOutput, codes: Codes, real: DOutput | None = None, y: torch.Tensor | None = None):
        if cfg.kind == "infogan":
            return info_loss(out, codes, **info)
        if cfg.kind == "acgan":
            return acgan_loss(out, codes.cat, real, y)
        return torch.zeros((), device=device)

    iters = len(images) // cfg.batch_size
    keys = ("loss_d", "loss_g", "code_loss", "d_real", "d_fake")
    hist = {k: torch.zeros(cfg.epochs * iters) for k in keys}
    bar = progress_bar(total=cfg.epochs * iters, disable=not progress, desc=cfg.kind, unit="it")
    step = 0
    for epoch in range(cfg.epochs):
        perm = torch.randperm(len(images), generator=shuffle).to(device)
        for i in range(iters):
            idx = perm[i * cfg.batch_size:(i + 1) * cfg.batch_size]
            real, y = x_all[idx], y_all[idx]
            codes = Codes(*(t.to(device) for t in sample_codes(cfg.batch_size, cfg, generator=code_gen)))
            fake = G(generator_input(codes, cfg.n_cat))
            # D / Q step (fakes detached: this step must not change G)
            out_real, out_fake = D(real), D(fake.detach())
            loss_d = F.binary_cross_entropy_with_logits(out_real.logit, ones) + \
                F.binary_cross_entropy_with_logits(out_fake.logit, zeros)
            loss_d = loss_d + code_term(out_fake, codes, out_real, y)
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()
            # G step: fool the updated D, and make the code readable from the image
            out = D(fake)
            code_g = code_term(out, codes)
            loss_g = F.binary_cross_entropy_with_logits(out.logit, ones) + code_g
            opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            opt_g.step()
            if G_ema is not None:
                ema_update(G_ema, G, cfg.ema_decay)
            with torch.no_grad():
                hist["loss_d"][step] = loss_d.item()
                hist["loss_g"][step] = loss_g.item()
                hist["code_loss"][step] = code_g.item()
                hist["d_real"][step] = torch.sigmoid(out_real.logit).mean().item()
                hist["d_fake"][step] = torch.sigmoid(out_fake.logit).mean().item()
            step += 1
            if progress and (step % 20 == 0 or step == bar.total):
                bar.set_postfix(epoch=epoch + 1, loss_d=f"{loss_d.item():.3f}", loss_g=f"{loss_g.item():.3f}")
            bar.update(1)
    bar.close()
    return CodeGANResult(cfg, (G if G_ema is None else G_ema).cpu().eval(), D.cpu().eval(), hist)


def load_or_train_code_gan(cfg: CodeGANConfig, images: torch.Tensor, labels: torch.Tensor, path: str | Path, *,
                           progress: bool = True, rebuild: bool = False) -> CodeGANResult:
    """The code GAN of ``cfg`` from its checkpoint at ``path`` if it matches, else trained and saved."""
    trained: list[CodeGANResult] = []

    def build() -> dict[str, Any]:
        trained.append(train_code_gan(cfg, images, labels, progress=progress))
        return {"G": trained[0].G.state_dict(), "D": trained[0].D.state_dict(), "history": trained[0].history}

    payload = load_or_build(path, kind="code_gan", config=asdict(cfg), build=build, rebuild=rebuild)
    if trained:
        return trained[0]
    st = payload["state"]
    G, D = build_code_models(cfg)
    G.load_state_dict(st["G"])
    D.load_state_dict(st["D"])
    return CodeGANResult(cfg, G.eval(), D.eval(), dict(st["history"]), payload["loaded_from"])


def generate_codes(G: CodeGenerator, codes: Codes, n_cat: int, *, batch_size: int = 1000) -> torch.Tensor:
    """G's images (eval mode, CPU, ``[-1, 1]``) for ``codes``: :func:`helpers.train.generate` of
    the input vector ``[z | one_hot(cat) | cont]``."""
    return generate(G, generator_input(codes, n_cat), batch_size=batch_size)


def code_grid(cfg: CodeGANConfig, values: torch.Tensor, *, vary: int = 0, seed: int = 0) -> Codes:
    """The InfoGAN paper's figure as inputs: row ``k`` has categorical value ``k``, column ``j``
    sets continuous code ``vary`` to ``values[j]`` (others 0); one noise vector for the whole grid,
    so only the codes change across it."""
    check_int("vary", vary, minimum=0, maximum=cfg.n_cont - 1)
    n_cols = len(values)
    z = torch.randn(1, cfg.nz, generator=torch.Generator().manual_seed(seed)).expand(cfg.n_cat * n_cols, -1)
    cat = torch.arange(cfg.n_cat).repeat_interleave(n_cols)
    cont = torch.zeros(cfg.n_cat * n_cols, cfg.n_cont)
    cont[:, vary] = torch.as_tensor(values, dtype=torch.float32).repeat(cfg.n_cat)
    return Codes(z.clone(), cat, cont)


def codes_per_category(cfg: CodeGANConfig, n_per: int, *, seed: int = 0) -> Codes:
    """``n_per`` random inputs for every categorical value ``0..n_cat-1`` (in that order), the
    rest of the input drawn from its prior: what "ask for category k" means."""
    check_int("n_per", n_per, minimum=1)
    g = torch.Generator().manual_seed(seed)
    parts = [sample_codes(n_per, cfg, generator=g, cat=k) for k in range(cfg.n_cat)]
    return Codes(*(torch.cat(p) for p in zip(*parts)))


def continuous_sweep(cfg: CodeGANConfig, vary: int, values: torch.Tensor, n_per: int, *, seed: int = 0) -> Codes:
    """For each value in ``values``, ``n_per`` random inputs (noise and category from the prior,
    the other continuous codes 0) with continuous code ``vary`` set to that value: the inputs
    for measuring what that code controls."""
    check_int("vary", vary, minimum=0, maximum=cfg.n_cont - 1)
    check_int("n_per", n_per, minimum=1)
    base = sample_codes(n_per, cfg, generator=torch.Generator().manual_seed(seed))
    vals = torch.as_tensor(values, dtype=torch.float32)
    cont = torch.zeros(len(vals) * n_per, cfg.n_cont)
    cont[:, vary] = vals.repeat_interleave(n_per)
    return Codes(base.z.repeat(len(vals), 1), base.cat.repeat(len(vals)), cont)


@torch.no_grad()
def code_readout(G: CodeGenerator, D: CodeDiscriminator, codes: Codes, n_cat: int) -> dict[str, float]:
    """How well the code head Q reads the code back from G's images: the share of categorical
    codes it recovers, and the mean correlation of its continuous means with the continuous
    codes. D runs with batch statistics, as in training (its running statistics mix real and
    fake batches; see :func:`helpers.models.batch_stats_copy`). For a plain GAN Q was never
    trained: chance level is what it should show."""
    out = batch_stats_copy(D)(generate_codes(G, codes, n_cat))
    cat_acc = float((out.cat_logits.argmax(1) == codes.cat).float().mean())
    corrs = [float(np.corrcoef(codes.cont[:, j].numpy(), out.cont_mean[:, j].numpy())[0, 1])
             for j in range(codes.cont.shape[1])]
    return {"cat_accuracy": cat_acc, "cont_correlation": float(np.mean(corrs)) if corrs else float("nan")}


def cluster_accuracy(codes: torch.Tensor, labels: torch.Tensor, n: int = 10) -> tuple[float, np.ndarray, np.ndarray]:
    """How well a code works as a clusterer of ``labels``: the accuracy of the best one-to-one
    mapping of code values to labels (Hungarian matching on the ``(n, n)`` contingency table).

    Returns ``(accuracy, mapping, table)`` with ``mapping[code] = label`` and ``table[code, label]``
    the counts. A permuted but perfect clustering scores 1.0; the identity mapping's accuracy
    (``table.trace() / table.sum()``) is what "in the right order" would need.
    """
    codes, labels = torch.as_tensor(codes).long(), torch.as_tensor(labels).long()
    if codes.shape != labels.shape or codes.dim() != 1:
        raise ValueError(f"codes {tuple(codes.shape)} and labels {tuple(labels.shape)} must be equal-length 1-D")
    if len(codes) == 0:
        raise ValueError("cluster_accuracy needs at least one sample")
    if int(codes.min()) < 0 or int(labels.min()) < 0 or int(codes.max()) >= n or int(labels.max()) >= n:
        raise ValueError(f"codes and labels must be in 0..{n - 1}")
    table = np.zeros((n, n), dtype=np.int64)
    np.add.at(table, (codes.numpy(), labels.numpy()), 1)
    rows, cols = linear_sum_assignment(-table)
    mapping = np.empty(n, dtype=np.int64)
    mapping[rows] = cols
    return float(table[rows, cols].sum() / table.sum()), mapping, table


def stroke_measures(images01: torch.Tensor, *, threshold: float = 0.5) -> dict[str, torch.Tensor]:
    """Per-image shape numbers from image moments, for images in ``[0, 1]`` (``(N, 1, 28, 28)``):

    * ``slant``: the shear ``mu11 / mu02`` of the ink (how far x moves per row going down;
      positive = the top leans right), from the central second moments;
    * ``width``: the horizontal spread of the ink, ``sqrt(mu20)``, in pixels;
    * ``thickness``: the stroke thickness ``2 A / P``: the area ``A`` of the strokes (pixels above
      ``threshold``, :func:`helpers.gradcam.stroke_mask`) over half their perimeter ``P``, counted
      as pixel edges between stroke and background; a stroke of length L and thickness t has
      ``A = L t`` and ``P ~ 2 L``.
    """
    x = torch.as_tensor(images01, dtype=torch.float32)
    if x.dim() != 4 or x.shape[1] != 1:
        raise ValueError(f"images must have shape (N, 1, H, W), got {tuple(x.shape)}")
    if x.numel() and (x.min() < -1e-6 or x.max() > 1 + 1e-6):
        raise ValueError("images must be floats in [0, 1] (use helpers.data.to_classifier)")
    img = x[:, 0]
    h, w = img.shape[1:]
    ys = torch.arange(h, dtype=torch.float32).view(1, h, 1)
    xs = torch.arange(w, dtype=torch.float32).view(1, 1, w)
    mass = img.sum((1, 2)).clamp_min(1e-8)
    cx = (img * xs).sum((1, 2)) / mass
    cy = (img * ys).sum((1, 2)) / mass
    dx, dy = xs - cx.view(-1, 1, 1), ys - cy.view(-1, 1, 1)
    mu20 = (img * dx ** 2).sum((1, 2)) / mass
    mu02 = (img * dy ** 2).sum((1, 2)) / mass
    mu11 = (img * dx * dy).sum((1, 2)) / mass
    ink = stroke_mask(x, threshold).float()   # the strokes, as notebook 07 defines them
    padded = F.pad(ink, (1, 1, 1, 1))
    perimeter = (padded[:, 1:, :] - padded[:, :-1, :]).abs().sum((1, 2)) + \
        (padded[:, :, 1:] - padded[:, :, :-1]).abs().sum((1, 2))
    area = ink.sum((1, 2))
    return {"slant": -mu11 / mu02.clamp_min(1e-8), "width": mu20.sqrt(),
            "thickness": 2 * area / perimeter.clamp_min(1.0)}


__all__ = ["KINDS", "CONT_LOSSES", "CodeGANConfig", "Codes", "sample_codes", "generator_input", "CodeGenerator",
           "init_code_weights",
           "DOutput", "CodeDiscriminator", "build_code_models", "info_loss", "CodeGANResult", "train_code_gan",
           "load_or_train_code_gan", "generate_codes", "code_grid", "codes_per_category", "continuous_sweep", "code_readout", "cluster_accuracy", "stroke_measures"]
