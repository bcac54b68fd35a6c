"""The one GAN training loop of the course, and "load the checkpoint if it matches, else train".

The step and the epoch are lesson code (``gan_step`` in notebook 01, ``gan_epoch`` in notebook 02,
extracted into :mod:`helpers.lesson`); this module adds the bookkeeping around them.
Each step is the standard non-saturating GAN update (Goodfellow et al. 2014)::

    D:  minimise  BCE(D(x), 1) + BCE(D(G(z)), 0)      # tell real from fake
    G:  minimise  BCE(D(G(z)), 1)                      # fool D (non-saturating form)

The loop records, per iteration, both losses and the mean D(x) and D(G(z)) (the
probabilities D gives real and fake images, before its update), keeps generator snapshots
at a configurable number per epoch, and the images of a fixed noise batch a configurable
number of times per epoch, after every epoch by default ("samples across epochs").
"""
from __future__ import annotations

import hashlib
import inspect
import textwrap
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import torch
from torch import nn

from . import lesson
from .checkpoints import load_or_build
from .models import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator, init_weights
from .params import check_choice, check_float, check_int
from .progress import progress as progress_bar
from .run import pick_device, seed_everything

ARCHS = ("mlp", "dcgan")
NOISES = ("normal", "uniform")
OPTIMIZERS = ("adam", "sgd")
N_FIXED = 64


@dataclass
class GANConfig:
    """Everything that determines a trained GAN. Stored in its checkpoint and compared on load."""

    arch: str = "dcgan"
    nz: int = 100
    width: int = 32
    g_hidden: int = 0
    d_head: str = "conv"
    d_convs: int = 2
    d_minibatch_std: bool = False
    noise: str = "normal"
    epochs: int = 5
    batch_size: int = 64
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    beta1: float = 0.5
    optimizer: str = "adam"
    snapshots_per_epoch: int = 0
    samples_per_epoch: int = 1
    seed: int = 0
    dataset: str = "mnist"
    n_train: int = 0
    data_source: str = ""
    g_extra_weight: float = 0.0
    g_extra: str = ""

    def __post_init__(self) -> None:
        check_choice("arch", self.arch, ARCHS)
        check_int("nz (noise size)", self.nz, minimum=1)
        check_int("width", self.width, minimum=1)
        check_int("g_hidden", self.g_hidden, minimum=0)
        check_choice("d_head", self.d_head, ("conv", "fc"))
        check_int("d_convs", self.d_convs, minimum=2, maximum=3)
        check_choice("noise", self.noise, NOISES)
        check_int("epochs", self.epochs, minimum=0)
        check_int("batch_size", self.batch_size, minimum=1)
        check_float("lr_g", self.lr_g, minimum=0.0, exclusive=True)
        check_float("lr_d", self.lr_d, minimum=0.0, exclusive=True)
        check_float("beta1", self.beta1, minimum=0.0, maximum=1.0, exclusive_max=True)  # Adam needs it below 1
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_int("snapshots_per_epoch", self.snapshots_per_epoch, minimum=0)
        check_int("samples_per_epoch", self.samples_per_epoch, minimum=1)
        check_int("seed", self.seed, minimum=0)
        check_float("g_extra_weight", self.g_extra_weight, minimum=0.0)
        if self.g_extra_weight > 0 and not self.g_extra:
            raise ValueError("g_extra_weight > 0 needs g_extra: a description of the extra generator "
                             "loss term (it is part of the checkpoint's identity)")


@dataclass
class GANResult:
    """A trained (or loaded) GAN: models, per-iteration history, snapshots, fixed-noise samples."""

    config: GANConfig
    G: nn.Module
    D: nn.Module
    history: dict[str, torch.Tensor]
    snapshots: list[dict[str, Any]] = field(default_factory=list)
    fixed_noise: torch.Tensor | None = None
    fixed_samples: torch.Tensor | None = None
    loaded_from: str | None = None

    @property
    def iters_per_epoch(self) -> int:
        n = len(self.history["loss_d"])
        return max(1, n // max(1, self.config.epochs))

    @property
    def sample_epochs(self) -> list[float]:
        """The (fractional) epoch of each frame of ``fixed_samples``: 0.0 before training, then
        ``samples_per_epoch`` frames per epoch, evenly spaced, the last one at the epoch's end."""
        if self.config.epochs == 0:
            return [0.0]
        iters = self.iters_per_epoch
        return [0.0] + [epoch + i / iters for epoch in range(self.config.epochs)
                        for i in evenly(iters, self.config.samples_per_epoch)]

    def snapshot_generator(self, index: int) -> nn.Module:
        """A copy of G with the weights of snapshot ``index`` (in eval mode)."""
        G = build_models(self.config)[0]
        G.load_state_dict(self.snapshots[index]["state"])
        return G.eval()


def sample_noise(n: int, nz: int, kind: str = "normal", *,
                 generator: torch.Generator | None = None,
                 device: torch.device | str = "cpu") -> torch.Tensor:
    """``n`` noise vectors of size ``nz``: standard normal, or uniform in ``[-1, 1]``."""
    check_int("n", n, minimum=0)
    check_int("nz (noise size)", nz, minimum=1)
    check_choice("noise", kind, NOISES)
    if kind == "normal":
        return torch.randn(n, nz, generator=generator, device=device)
    return torch.rand(n, nz, generator=generator, device=device) * 2 - 1


def evenly(iters: int, per_epoch: int) -> list[int]:
    """The iterations (1..``iters``) after which to act ``per_epoch`` times an epoch, evenly spaced,
    the last one at the epoch's end; none when ``per_epoch`` is 0."""
    return sorted({max(1, round(iters * (k + 1) / per_epoch)) for k in range(per_epoch)})


def build_models(cfg: GANConfig) -> tuple[nn.Module, nn.Module]:
    """Fresh, initialised (G, D) for ``cfg`` (seeded by ``cfg.seed``)."""
    torch.manual_seed(cfg.seed)
    if cfg.arch == "mlp":
        G, D = MLPGenerator(cfg.nz, cfg.width), MLPDiscriminator(cfg.width)
    else:
        G = DCGANGenerator(cfg.nz, cfg.width, hidden=cfg.g_hidden)
        D = DCGANDiscriminator(cfg.width, cfg.d_head, minibatch_std=cfg.d_minibatch_std, convs=cfg.d_convs)
    init_weights(G)
    init_weights(D)
    return G, D


def _optimizer(cfg: GANConfig, params: Any, lr: float) -> torch.optim.Optimizer:
    if cfg.optimizer == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(cfg.beta1, 0.999))
    return torch.optim.SGD(params, lr=lr, momentum=cfg.beta1)


@torch.no_grad()
def generate(G: nn.Module, z: torch.Tensor, *, batch_size: int = 1000) -> torch.Tensor:
    """G(z) in eval mode (BatchNorm uses its running statistics), on the CPU, in batches."""
    was_training = G.training
    G.eval()
    param = next(G.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    out = torch.cat([G(z[i:i + batch_size].to(device)).cpu() for i in range(0, len(z), batch_size)])
    G.train(was_training)
    return out


@torch.no_grad()
def ema_update(average: nn.Module, model: nn.Module, decay: float) -> None:
    """One step of an exponential moving average of ``model``'s weights (Yazici et al. 2019):
    ``average <- decay * average + (1 - decay) * model``, parameter by parameter; buffers (BatchNorm's
    running statistics) are copied from ``model``, whose batches made them."""
    for pa, p in zip(average.parameters(), model.parameters()):
        pa.lerp_(p, 1 - decay)
    for ba, b in zip(average.buffers(), model.buffers()):
        ba.copy_(b)


def train_gan(cfg: GANConfig, images: torch.Tensor, *, progress: bool = True,
              device: torch.device | None = None,
              g_extra: Callable[[torch.Tensor], torch.Tensor] | None = None,
              step: Callable[..., tuple[torch.Tensor, ...]] | None = None,
              epoch: Callable[..., None] | None = None) -> GANResult:
    """Train a GAN on ``images`` (float, ``(N, 1, 28, 28)`` in ``[-1, 1]``) as ``cfg`` says.

    Deterministic for a given ``cfg.seed`` on a given device. The last incomplete batch
    of an epoch is dropped, so every step sees ``batch_size`` real images.
    ``g_extra``: an extra generator loss term, a function of the fake batch, added with
    weight ``cfg.g_extra_weight`` (notebook 05's criterion); required when that weight is > 0.
    ``step`` / ``epoch``: replacements for the lesson's ``gan_step`` / ``gan_epoch`` (same
    signatures), for example a student's changed copy from the notebook.
    """
    if cfg.g_extra_weight > 0 and g_extra is None:
        raise ValueError(f"the config asks for an extra generator loss ({cfg.g_extra!r}) but no g_extra "
                         f"function was given")
    if images.dim() != 4 or images.shape[1:] != (1, 28, 28):
        raise ValueError(f"images must have shape (N, 1, 28, 28), got {tuple(images.shape)}")
    if len(images) < cfg.batch_size:
        raise ValueError(f"batch_size={cfg.batch_size} is larger than the {len(images)} training images")
    device = device or pick_device()
    seed_everything(cfg.seed)
    G, D = build_models(cfg)
    G.to(device)
    D.to(device)
    opt_g = _optimizer(cfg, G.parameters(), cfg.lr_g)
    opt_d = _optimizer(cfg, D.parameters(), cfg.lr_d)
    data = images.to(device)
    shuffle = torch.Generator().manual_seed(cfg.seed)
    noise_gen = torch.Generator(device=device).manual_seed(cfg.seed + 1)
    fixed_noise = sample_noise(N_FIXED, cfg.nz, cfg.noise, generator=torch.Generator().manual_seed(cfg.seed + 2))

    iters = len(images) // cfg.batch_size
    for name in ("snapshots_per_epoch", "samples_per_epoch"):
        if getattr(cfg, name) > iters:
            raise ValueError(f"{name}={getattr(cfg, name)} is not allowed: an epoch has only "
                             f"{iters} iterations (N images // batch_size), so it must be <= {iters}")
    snap_at = evenly(iters, cfg.snapshots_per_epoch)
    sample_at = set(evenly(iters, cfg.samples_per_epoch))
    keys = ("loss_d", "loss_g", "d_real", "d_fake")
    hist = {k: torch.zeros(cfg.epochs * iters) for k in keys}
    snapshots: list[dict[str, Any]] = []
    samples = [generate(G, fixed_noise)]
    step_kw = {"g_extra": g_extra, "g_extra_weight": cfg.g_extra_weight} if cfg.g_extra_weight > 0 else {}

    def noise(n: int) -> torch.Tensor:
        return sample_noise(n, cfg.nz, cfg.noise, generator=noise_gen, device=device)

    bar = progress_bar(total=cfg.epochs * iters, disable=not progress, desc=f"{cfg.arch} nz={cfg.nz}",
                       unit="it")
    done = 0  # steps so far

    def after_step(i: int, record: dict[str, float]) -> None:
        nonlocal done
        for k in keys:
            hist[k][done] = record[k]
        done += 1
        if i + 1 in snap_at:
            snapshots.append({"epoch": done / iters,
                              "state": {k: v.detach().cpu().clone() for k, v in G.state_dict().items()}})
        if i + 1 in sample_at:
            samples.append(generate(G, fixed_noise))
        if progress and (done % 20 == 0 or done == bar.total):
            bar.set_postfix(epoch=(done - 1) // iters + 1, loss_d=f"{record['loss_d']:.3f}",
                            loss_g=f"{record['loss_g']:.3f}")
        bar.update(1)

    for _ in range(cfg.epochs):
        order = torch.randperm(len(images), generator=shuffle).to(device)
        (epoch or lesson.gan_epoch)(G, D, opt_g, opt_d, data, cfg.batch_size, order, noise, after_step,
                                    step=step, **step_kw)
    bar.close()
    return GANResult(cfg, G.cpu().eval(), D.cpu().eval(), hist, snapshots, fixed_noise, torch.stack(samples))


def lesson_identity(fn: Callable[..., Any] | None, reference: Callable[..., Any]) -> str | None:
    """``None`` if ``fn`` is the lesson's ``reference`` function or a copy with the same source
    (a notebook's ``#@save`` cell); otherwise ``"custom <hash>"``, a short hash of its source,
    which becomes part of the checkpoint's config so that a changed step trains a new GAN."""
    if fn is None or fn is reference:
        return None
    try:
        source = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):  # no source to read: a function we cannot compare is never the course's
        source = repr(fn)
    if source == textwrap.dedent(inspect.getsource(reference)):
        return None
    return "custom " + hashlib.sha256(source.encode()).hexdigest()[:12]


def _to_state(res: GANResult) -> dict[str, Any]:
    return {"G": res.G.state_dict(), "D": res.D.state_dict(), "history": res.history,
            "snapshots": res.snapshots, "fixed_noise": res.fixed_noise,
            "fixed_samples": res.fixed_samples.to(torch.float16)}


def load_or_train_gan(cfg: GANConfig, images: torch.Tensor, path: str | Path, *,
                      progress: bool = True, rebuild: bool = False,
                      g_extra: Callable[[torch.Tensor], torch.Tensor] | None = None,
                      step: Callable[..., tuple[torch.Tensor, ...]] | None = None,
                      epoch: Callable[..., None] | None = None) -> GANResult:
    """The GAN of ``cfg`` from its checkpoint at ``path`` if it exists and matches ``cfg``,
    otherwise trained now and saved there (atomically). ``step`` / ``epoch`` as in
    :func:`train_gan`; one that differs from the lesson's is recorded in the checkpoint's config."""
    trained: list[GANResult] = []
    config = asdict(cfg)
    for key, fn, reference in (("step", step, lesson.gan_step), ("epoch", epoch, lesson.gan_epoch)):
        identity = lesson_identity(fn, reference)
        if identity is not None:
            config[key] = identity

    def build() -> dict[str, Any]:
        trained.append(train_gan(cfg, images, progress=progress, g_extra=g_extra, step=step, epoch=epoch))
        return _to_state(trained[0])

    payload = load_or_build(path, kind="gan", config=config, build=build, rebuild=rebuild)
    if trained:
        return trained[0]
    st = payload["state"]
    G, D = build_models(cfg)
    G.load_state_dict(st["G"])
    D.load_state_dict(st["D"])
    return GANResult(cfg, G.eval(), D.eval(), dict(st["history"]), list(st["snapshots"]),
                     st["fixed_noise"], st["fixed_samples"].float(), payload["loaded_from"])


def smooth(values: torch.Tensor, window: int = 25) -> torch.Tensor:
    """Moving average (for loss curves); the first points average over what is there."""
    v = torch.as_tensor(values, dtype=torch.float32)
    if len(v) == 0 or window <= 1:
        return v
    c = torch.cat([torch.zeros(1), torch.cumsum(v, 0)])
    idx = torch.arange(1, len(v) + 1)
    lo = (idx - window).clamp(min=0)
    return (c[idx] - c[lo]) / (idx - lo).float()


def all_finite(history: dict[str, torch.Tensor]) -> bool:
    """True if every recorded loss and probability is a finite number."""
    return all(bool(torch.isfinite(torch.as_tensor(v)).all()) for v in history.values())


__all__ = ["GANConfig", "GANResult", "sample_noise", "build_models", "generate", "ema_update", "train_gan",
           "load_or_train_gan", "lesson_identity", "smooth", "all_finite"]
