"""The trained models and maps that several notebooks share, each defined in one place.

Notebooks chain through saved artifacts: 02 trains the 100-dim DCGAN, 03 trains the
classifier, the 2-dim and 16-dim generators and the noise -> label maps, and 04-05 read
them. Every notebook asks for an artifact through the functions here, so a notebook run
alone in a fresh kernel finds the checkpoint an earlier notebook wrote, or builds the very
same thing with the very same code (the config stored in the checkpoint must match).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Callable

import torch
from torch import nn

from .checkpoints import load_or_build

from .classifier import ClassifierConfig, PaperCNN, load_or_train_classifier, predict
from .codes import CodeGANConfig, CodeGANResult, load_or_train_code_gan
from .data import Dataset, to_classifier, to_gan
from .diagnostics import coverage
from .metrics import check_images, report_table, sample_reports
from .noise_map import angular_purity, class_shares, label_noise, per_sample_norm
from .params import PROFILES, check_choice, check_int
from .progress import progress as progress_bar
from .run import NotebookRun
from .train import GANConfig, GANResult, generate, load_or_train_gan, sample_noise

# Budgets. `smoke` trains on 2,000 images, `teach` and `paper` on all 50,000 of the course's
# part of MNIST (helpers.data). `teach` keeps the number of images a model sees that the
# course's earlier 5,000-image teach runs had (20 epochs of 5,000 = 2 epochs of 50,000): the same
# training steps, ten times as many distinct digits. `paper` uses the paper's epochs.
#: GAN training epochs per profile (the paper trained its DCGAN for 20 epochs).
GAN_EPOCHS = {"smoke": 8, "teach": 2, "paper": 20}
#: classifier training epochs per profile (with augmentation; see helpers.classifier).
CLASSIFIER_EPOCHS = {"smoke": 8, "teach": 3, "paper": 10}
#: InfoGAN / ACGAN / plain code-GAN training epochs per profile (notebook 06).
CODE_GAN_EPOCHS = {"smoke": 20, "teach": 2, "paper": 20}
#: how a generator's BatchNorm normalises when we map its noise: "per-sample" (each sample by
#: its own statistics, how the authors ran it) or "eval" (the running statistics).
BN_MODES = ("per-sample", "eval")
#: the mode the course's noise maps use: the authors' (see notebook 04, section 2).
NOISE_MAP_BN_MODE = "per-sample"
#: artifact name of the 2-dim-noise generator (notebooks 03-05).
NOISE2_ARTIFACT = "dcgan_nz2"
#: generator snapshots saved per epoch for the 2-dim-noise generator, per profile (the paper: 10
#: per epoch over 20 epochs; `teach` saves 100 over its 2 epochs: scoring them is most of 03's time;
#: `smoke` 32 over its 8 epochs: scoring 80, each on 1,000 noise points in both BatchNorm modes, took
#: about half of 03's and of 05's smoke runs).
NOISE2_SNAPSHOTS_PER_EPOCH = {"smoke": 4, "teach": 50, "paper": 10}
#: fixed-noise sample frames per epoch of the course's DCGANs (notebook 02's "samples across
#: epochs" and its GIF): `teach` trains 2 epochs only, so 10 frames per epoch make 21 in all.
DCGAN_SAMPLES_PER_EPOCH = {"smoke": 1, "teach": 10, "paper": 1}
#: snapshots before this fraction of training are not candidates for the final map.
SELECT_AFTER = 0.5


def _pick(table: dict[str, Any], profile: str) -> Any:
    check_choice("PROFILE", profile, PROFILES)
    return table[profile]


#: the paper's (and DCGAN's) Adam learning rate, for both networks
PAPER_LR = 2e-4
#: the course DCGAN's generator learning rate: 5x its discriminator's. Tuned on seeds 10 and 11
#: (teach, 50,000 images, 2 epochs, judged by the evaluator on 5,000 samples): G at 1e-3 lowered the
#: Frechet distance from 261 / 268 to 190 / 191 and raised the sure share from 0.63 / 0.62 to
#: 0.69 / 0.68 at the same steps and time; 2e-3 gained nothing more (200 on seed 10). The 2-dim
#: generator keeps the paper's rate: there 1e-3 bought nothing (seed 10: 8 digits either way).
DCGAN_LR_G = 1e-3
#: the course DCGAN's hidden projection layer in G (:class:`helpers.lesson.DCGANGenerator`, ``hidden``)
#: and the convolutions of its D (``convs``). Tuned on seeds 10-13 (teach, judged by the evaluator on
#: 5,000 samples, probes/issue14/RESULTS.md): the two together lowered the Frechet distance from 184-201
#: to 78-113 and raised the sure share from 0.67-0.69 to 0.78-0.80 (third convolution with 4w channels);
#: with 2w channels, as here (seeds 10, 11, another machine): FD 94 / 101, sure 0.80 / 0.78, in about 1.6x
#: the committed training step's time. A third convolution in D alone bought nothing (seeds 10, 11), the
#: hidden layer in G alone half of it.
DCGAN_G_HIDDEN = 256
DCGAN_D_CONVS = 3


def dcgan_config(profile: str, seed: int, data: Dataset, *, nz: int = 100, d_head: str = "conv",
                 snapshots_per_epoch: int = 0, lr_g: float = DCGAN_LR_G, g_hidden: int = DCGAN_G_HIDDEN,
                 d_convs: int = DCGAN_D_CONVS) -> GANConfig:
    """The course's DCGAN (notebook 02): width 32, G's projection through a hidden layer of
    :data:`DCGAN_G_HIDDEN` units, :data:`DCGAN_D_CONVS` convolutions in D, batch 32, Adam with beta1 0.5,
    D's learning rate the paper's 2e-4 and G's :data:`DCGAN_LR_G` (fixed-noise samples
    :data:`DCGAN_SAMPLES_PER_EPOCH` times an epoch)."""
    return GANConfig(arch="dcgan", nz=nz, width=32, g_hidden=g_hidden, d_head=d_head, d_convs=d_convs, noise="normal",
                     epochs=_pick(GAN_EPOCHS, profile), batch_size=32, lr_g=lr_g, lr_d=PAPER_LR, beta1=0.5,
                     snapshots_per_epoch=snapshots_per_epoch,
                     samples_per_epoch=_pick(DCGAN_SAMPLES_PER_EPOCH, profile), seed=seed, dataset=data.name,
                     n_train=len(data.train), data_source=data.train.source)


def noise2_config(profile: str, seed: int, data: Dataset) -> GANConfig:
    """The 2-dim-noise generator: the course's DCGAN with ``nz=2`` and the guided-GAN authors' first
    layer (a bias-free transposed convolution from z, then BatchNorm: no hidden projection, on which
    notebook 04's scale invariance rests), the paper's learning rate for both networks, and its snapshots."""
    return dcgan_config(profile, seed, data, nz=2, lr_g=PAPER_LR, g_hidden=0, d_convs=2,
                        snapshots_per_epoch=_pick(NOISE2_SNAPSHOTS_PER_EPOCH, profile))


def classifier_config(profile: str, seed: int, data: Dataset) -> ClassifierConfig:
    """The paper's CNN as notebook 03 trains it (augmented; epochs per profile)."""
    return ClassifierConfig(epochs=_pick(CLASSIFIER_EPOCHS, profile), batch_size=64, lr=2e-3, augment=True,
                            seed=seed, dataset=data.name, n_train=len(data.train),
                            data_source=data.train.source)


def load_classifier(run: NotebookRun, data: Dataset, *, progress: bool = True,
                    rebuild: bool = False) -> tuple[PaperCNN, dict[str, Any]]:
    """The classifier of this run's profile/seed/dataset: its checkpoint, or trained now."""
    cfg = classifier_config(run.profile, run.seed, data)
    return load_or_train_classifier(cfg, to_classifier(data.train.x), data.train.y,
                                    to_classifier(data.test.x), data.test.y,
                                    run.artifact_path("classifier"), progress=progress, rebuild=rebuild)


def load_gan(run: NotebookRun, data: Dataset, cfg: GANConfig, name: str, *, progress: bool = True,
             rebuild: bool = False, g_extra: Callable[[torch.Tensor], torch.Tensor] | None = None) -> GANResult:
    """The GAN of ``cfg`` under the artifact name ``name``: its checkpoint, or trained now
    (with the extra generator loss ``g_extra`` if ``cfg`` asks for one)."""
    return load_or_train_gan(cfg, to_gan(data.train.x), run.artifact_path(name), progress=progress,
                             rebuild=rebuild, g_extra=g_extra)


def criterion_gan_config(profile: str, seed: int, data: Dataset, clf_cfg: ClassifierConfig, *,
                         weight: float, lam: float, per_class: int) -> GANConfig:
    """The 2-dim generator of :func:`noise2_config` trained with ``BCE + weight * criterion``
    (notebook 05): the same budget, seed and settings, only the extra loss term differs. The
    term's description names everything it depends on, so the checkpoint goes stale with it."""
    base = noise2_config(profile, seed, data)
    what = (f"helpers.guided.soft_criterion(lam={lam}) on the classifier {asdict(clf_cfg)} and the "
            f"standard images (mean of up to {per_class} training images per class)")
    return replace(base, g_extra_weight=weight, g_extra=what)


#: notebook 06's code GANs are judged by an exponential moving average of G's weights with this decay per
#: profile (:func:`helpers.train.ema_update`): a size, the window of the average (about 1 / (1 - decay)
#: steps), scaled to each profile's number of steps (smoke 620, teach 1,562, paper 15,620). The teach value
#: was tuned on seeds 10-13 and checked on 14 (the evaluator; probes/issue14/CODEGAN_RESULTS.md): ACGAN's
#: requested digit drawn 0.909-0.986 -> 0.998-1.000, sure share 0.85-0.96 -> 0.99-1.00; InfoGAN's sure share
#: 0.81-0.87 -> 0.88-0.91, its clustering unchanged (within +-0.04); at no cost in training time. Smoke's
#: 620 steps end while G still changes fast: there 0.995 and 0.98 averaged in weights far from the last G's
#: (0.98, MNIST seed 0: ACGAN's coverage of the test images 0.018, barely above the untrained G's 0.003),
#: so smoke averages about the last ten steps.
CODE_GAN_EMA = {"smoke": 0.9, "teach": 0.995, "paper": 0.999}


def code_gan_config(kind: str, profile: str, seed: int, data: Dataset) -> CodeGANConfig:
    """Notebook 06's InfoGAN, ACGAN or plain GAN: one generator and discriminator for all three
    (62 noise dims, a 10-way categorical code, 2 continuous codes), the same data, seed and
    budget, G averaged over the steps (:data:`CODE_GAN_EMA`); only ``kind`` (the losses) differs."""
    return CodeGANConfig(kind=kind, nz=62, n_cat=10, n_cont=2, width=32, hidden=256,
                         epochs=_pick(CODE_GAN_EPOCHS, profile), batch_size=64, lr_g=1e-3, lr_d=2e-4,
                         beta1=0.5, lambda_cat=1.0, lambda_cont=0.1, cont_loss="fixed",
                         ema_decay=_pick(CODE_GAN_EMA, profile), seed=seed, dataset=data.name,
                         n_train=len(data.train), data_source=data.train.source)


def load_code_gan(run: NotebookRun, data: Dataset, cfg: CodeGANConfig, *, progress: bool = True,
                  rebuild: bool = False) -> CodeGANResult:
    """The code GAN of ``cfg`` (artifact ``codegan_<kind>``): its checkpoint, or trained now."""
    return load_or_train_code_gan(cfg, to_gan(data.train.x), data.train.y, run.artifact_path(f"codegan_{cfg.kind}"),
                                  progress=progress, rebuild=rebuild)


_EVALUATORS: dict[str, nn.Module] = {}


def evaluator(dataset: str) -> nn.Module:
    """The independent evaluator of ``dataset`` (:mod:`helpers.evaluator`), loaded once per kernel."""
    from .evaluator import load_evaluator

    if dataset not in _EVALUATORS:
        _EVALUATORS[dataset] = load_evaluator(dataset)
    return _EVALUATORS[dataset]


def judge(run: NotebookRun, data: Dataset, sets: dict[str, torch.Tensor], *, n: int | None = None,
          show: bool = True) -> dict[str, dict[str, Any]]:
    """The independent evaluator's numbers (:func:`helpers.metrics.sample_report`) for each image
    set in ``sets`` (floats in [0, 1]) against the real test images, beside the floor (real
    training images against the same test images, same sizes): printed as one table and recorded
    in the run's metrics under ``evaluator.<set>`` (``evaluator.floor`` for the floor).

    Every set, the test images and the floor's training images are cut to ``n`` images (default:
    the smallest set), drawn with the run's seed, so numbers of one run compare like with like."""
    if not sets:
        raise ValueError("judge needs at least one image set")
    for name, x in sets.items():  # refused before any work, by their names
        if not (isinstance(name, str) and name.isidentifier()) or name == "floor":
            raise ValueError(f"set name {name!r} must be a short identifier without dots, not 'floor'")
        check_images(f"set {name!r}", x, minimum=7)
    n = min(len(x) for x in sets.values()) if n is None else check_int("n", n, minimum=7)
    model = evaluator(data.name)
    real = to_classifier(data.test.x)
    # the floor is floor_report's: the training images in the place of a set (one call shares the test
    # images' features and radii among all sets)
    reports = sample_reports(model, {"floor": to_classifier(data.train.x), **sets}, real, n_max=n, seed=run.seed)
    if show:
        print(report_table({k: v for k, v in reports.items() if k != "floor"}, floor=reports["floor"]))
    run.record(evaluator={**run.metrics.get("evaluator", {}), **reports})
    return reports


def generator_in_mode(G: nn.Module, bn_mode: str) -> nn.Module:
    """``G`` with BatchNorm per sample (a copy) or in eval mode (``G`` itself)."""
    check_choice("bn_mode", bn_mode, BN_MODES)
    return per_sample_norm(G) if bn_mode == "per-sample" else G.eval()


@dataclass
class NoiseLabels:
    """The paper's (noise, label) pairs (Fig. 3): ``z`` (m, nz) float32, ``labels`` (m,) int64 in
    0..9, the classifier's ``confidence`` (m,) float32, and what made them."""

    z: torch.Tensor
    labels: torch.Tensor
    confidence: torch.Tensor
    config: dict[str, Any]
    loaded_from: str | None = None

    def __len__(self) -> int:
        return len(self.z)


def noise_label_config(gan_cfg: GANConfig, clf_cfg: ClassifierConfig, *, m: int, seed: int,
                       bn_mode: str, snapshot: int | None = None) -> dict[str, Any]:
    """What determines a noise-label map (stored with it and compared on load)."""
    check_int("m", m, minimum=1)
    check_choice("bn_mode", bn_mode, BN_MODES)
    return {"generator": asdict(gan_cfg), "classifier": asdict(clf_cfg), "m": m, "seed": seed,
            "bn_mode": bn_mode, "snapshot": -1 if snapshot is None else int(snapshot)}


def map_noise(G: nn.Module, classifier: nn.Module, *, nz: int, m: int, seed: int,
              bn_mode: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """m standard-normal noise vectors (seeded), and the classifier's labels and confidence
    for their images, with G's BatchNorm in ``bn_mode``."""
    z = sample_noise(m, nz, "normal", generator=torch.Generator().manual_seed(seed))
    labels, conf = label_noise(generator_in_mode(G, bn_mode), classifier, z)
    return z, labels, conf


def load_noise_labels(path: str | Path, gan: GANResult, classifier: nn.Module,
                      clf_cfg: ClassifierConfig, *, m: int, seed: int, bn_mode: str,
                      snapshot: int | None = None, rebuild: bool = False) -> NoiseLabels:
    """The noise-label pairs of ``gan``'s final generator (or of ``snapshot``) from ``path`` if
    they were made from the same generator, classifier and settings; else computed and saved."""
    config = noise_label_config(gan.config, clf_cfg, m=m, seed=seed, bn_mode=bn_mode, snapshot=snapshot)

    def build() -> dict[str, torch.Tensor]:
        G = gan.G if snapshot is None else gan.snapshot_generator(snapshot)
        z, labels, conf = map_noise(G, classifier, nz=gan.config.nz, m=m, seed=seed, bn_mode=bn_mode)
        return {"z": z.float(), "labels": labels.long(), "confidence": conf.float()}

    payload = load_or_build(path, kind="noise_labels", config=config, build=build, rebuild=rebuild)
    st = payload["state"]
    return NoiseLabels(st["z"], st["labels"], st["confidence"], config, payload["loaded_from"])


def score_snapshots(gan: GANResult, classifier: nn.Module, *, m: int, seed: int,
                    progress: bool = False) -> dict[str, torch.Tensor]:
    """Label ``m`` seeded 2-dim noise points through every snapshot of ``gan``, in both
    BatchNorm modes, and return per snapshot ``epoch``, and per mode ``purity_<mode>``,
    ``coverage_<mode>`` (digits with at least 2% of the points) and ``shares_<mode>``
    (``(snapshots, 10)``)."""
    if gan.config.nz != 2:
        raise ValueError(f"score_snapshots needs a generator with 2-dim noise, not nz={gan.config.nz}")
    z = sample_noise(m, 2, "normal", generator=torch.Generator().manual_seed(seed))
    out: dict[str, list[Any]] = {"epoch": []}
    for i in progress_bar(range(len(gan.snapshots)), disable=not progress, desc="snapshots", unit="snap"):
        G = gan.snapshot_generator(i)
        out["epoch"].append(float(gan.snapshots[i]["epoch"]))
        for mode in BN_MODES:
            labels = label_noise(generator_in_mode(G, mode), classifier, z)[0]
            shares = class_shares(labels)
            out.setdefault(f"purity_{mode}", []).append(angular_purity(z, labels))
            out.setdefault(f"coverage_{mode}", []).append(coverage(labels))
            out.setdefault(f"shares_{mode}", []).append(shares)
    return {k: torch.stack(v) if k.startswith("shares") else torch.tensor(v) for k, v in out.items()}


def select_snapshot(scores: dict[str, torch.Tensor], *, bn_mode: str = NOISE_MAP_BN_MODE,
                    after: float = SELECT_AFTER) -> int:
    """The snapshot for the final map: among those saved after ``after`` of training, the one
    that covers most digits, ties broken by angular purity, then by the later snapshot.

    The sector map keeps moving while the GAN game goes on, and digits come and go between
    snapshots (notebook 04); picking the last one would pick a random point of that swing.
    """
    check_choice("bn_mode", bn_mode, BN_MODES)
    epochs = scores["epoch"]
    if len(epochs) == 0:
        raise ValueError("the generator has no snapshots to select from (snapshots_per_epoch=0)")
    candidates = [i for i in range(len(epochs)) if epochs[i] >= after * float(epochs[-1])]
    key = lambda i: (int(scores[f"coverage_{bn_mode}"][i]), float(scores[f"purity_{bn_mode}"][i]), i)  # noqa: E731
    return max(candidates, key=key)


def load_snapshot_scores(path: str | Path, gan: GANResult, classifier: nn.Module, clf_cfg: ClassifierConfig,
                         *, m: int, seed: int, progress: bool = False,
                         rebuild: bool = False) -> dict[str, torch.Tensor]:
    """:func:`score_snapshots` from its artifact at ``path`` if made from the same generator,
    classifier and settings; else computed and saved."""
    config = {"generator": asdict(gan.config), "classifier": asdict(clf_cfg), "m": m, "seed": seed}
    payload = load_or_build(path, kind="snapshot_scores", config=config, rebuild=rebuild,
                            build=lambda: score_snapshots(gan, classifier, m=m, seed=seed, progress=progress))
    return dict(payload["state"])


@dataclass
class Noise2Map:
    """The 2-dim-noise generator of notebooks 03-05, its snapshot scores, the selected snapshot
    and the noise-label map made with it."""

    gan: GANResult
    scores: dict[str, torch.Tensor]
    chosen: int
    labels: NoiseLabels

    def generator(self) -> nn.Module:
        """A copy of the selected snapshot's generator (eval mode; see :func:`generator_in_mode`)."""
        return self.gan.snapshot_generator(self.chosen)


def load_noise2_map(run: NotebookRun, data: Dataset, classifier: nn.Module, clf_cfg: ClassifierConfig, *,
                    m: int, m_select: int, progress: bool = True, rebuild: bool = False) -> Noise2Map:
    """Everything notebooks 03-05 read about the 2-dim-noise generator, each part from its
    artifact or built now: the GAN, its snapshots scored on ``m_select`` points, the selected
    snapshot (:func:`select_snapshot`) and its map of ``m`` noise points."""
    gan = load_gan(run, data, noise2_config(run.profile, run.seed, data), NOISE2_ARTIFACT,
                   progress=progress, rebuild=rebuild)
    scores = load_snapshot_scores(run.artifact_path("snapshot_scores_nz2"), gan, classifier, clf_cfg,
                                  m=m_select, seed=run.seed + 1, progress=progress, rebuild=rebuild)
    chosen = select_snapshot(scores)
    labels = load_noise_labels(run.artifact_path("noise_labels_nz2"), gan, classifier, clf_cfg, m=m,
                               seed=run.seed, bn_mode=NOISE_MAP_BN_MODE, snapshot=chosen, rebuild=rebuild)
    return Noise2Map(gan, scores, chosen, labels)


@torch.no_grad()
def explore_noise(G: nn.Module, classifier: nn.Module, angle_deg: float, radius: float,
                  bn_mode: str = NOISE_MAP_BN_MODE) -> tuple[torch.Tensor, int, float]:
    """The explorer's callback: for the 2-dim noise point at ``angle_deg`` and ``radius``,
    ``G``'s image (``(1, 28, 28)`` in ``[0, 1]``), the classifier's label and its confidence."""
    if not radius > 0:
        raise ValueError(f"radius={radius!r} is not allowed; it must be > 0")
    t = torch.tensor(float(angle_deg)) * (torch.pi / 180)
    z = float(radius) * torch.stack([torch.cos(t), torch.sin(t)]).unsqueeze(0)
    image = to_classifier(generate(generator_in_mode(G, bn_mode), z))
    labels, probs = predict(classifier, image)
    return image[0], int(labels[0]), float(probs[0].max())


__all__ = ["GAN_EPOCHS", "CLASSIFIER_EPOCHS", "BN_MODES", "NOISE_MAP_BN_MODE", "NOISE2_ARTIFACT",
           "NOISE2_SNAPSHOTS_PER_EPOCH", "DCGAN_SAMPLES_PER_EPOCH", "SELECT_AFTER", "DCGAN_G_HIDDEN", "DCGAN_D_CONVS", "dcgan_config", "noise2_config", "criterion_gan_config",
           "classifier_config", "CODE_GAN_EPOCHS", "CODE_GAN_EMA", "code_gan_config", "load_code_gan",
           "load_classifier", "load_gan", "evaluator", "judge", "generator_in_mode", "NoiseLabels", "noise_label_config",
           "map_noise", "load_noise_labels", "score_snapshots", "select_snapshot", "load_snapshot_scores",
           "Noise2Map", "load_noise2_map", "explore_noise"]
