"""`make evaluator`: train the independent evaluator (:mod:`helpers.evaluator`) of one dataset.

It trains on the evaluator's share of the training split only, images 50,001-60,000
(:func:`helpers.data.evaluator_part`; the course never trains on them), and writes
``helpers/evaluator_weights/{dataset}.pt`` atomically with its config, its accuracy on the
10,000 test images and the library versions. The same seed and thread count give the same
weights.

    python scripts/train_evaluator.py --dataset mnist [--epochs N] [--seed S] [--out PATH]

Augmentation, a new draw for every image and epoch: MNIST gets a small random affine transform
(rotation, shift, scale); Fashion-MNIST a horizontal flip and a small shift (its items have an
up, so no rotation). AdamW with a one-cycle learning rate.

Outlier exposure: a classifier trained on digits alone calls uniform noise an "8" with
probability 1.00, so a generator of noise would pass as confident digits. Each batch therefore
also holds images of no class (uniform noise, pixel-shuffled training images; a quarter of the
batch), trained towards the uniform distribution over the classes.
"""
from __future__ import annotations

import argparse
import hashlib
import math
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpers.checkpoints import save_checkpoint  # noqa: E402
from helpers.classifier import random_affine  # noqa: E402
from helpers.data import Images, evaluator_part, load_full_splits, to_classifier  # noqa: E402
from helpers.evaluator import (ARCHITECTURE, KIND, TRAIN_IMAGES, EvaluatorNet, evaluator_path,  # noqa: E402
                               evaluator_probs)
from helpers.params import DATASETS  # noqa: E402
from helpers.run import seed_everything  # noqa: E402

#: per dataset: the augmentation (arguments of random_affine, and whether to flip) and epochs.
RECIPES = {
    "mnist": {"affine": {"degrees": 10.0, "shift": 0.1, "scale": (0.9, 1.1)}, "flip": False, "epochs": 20},
    "fashion-mnist": {"affine": {"degrees": 0.0, "shift": 0.07, "scale": (1.0, 1.0)}, "flip": True, "epochs": 20},
}


def images_sha256(images: Images) -> str:
    """sha256 of the images' and labels' bytes: which training images, exactly."""
    h = hashlib.sha256(images.x.numpy().tobytes())
    h.update(images.y.numpy().astype("uint8").tobytes())
    return h.hexdigest()


def augment(x: torch.Tensor, recipe: dict, g: torch.Generator) -> torch.Tensor:
    """The recipe's random flip and affine transform, drawn per image from ``g``."""
    if recipe["flip"]:
        flip = torch.rand(len(x), generator=g) < 0.5
        x = torch.where(flip[:, None, None, None], x.flip(3), x)
    return random_affine(x, g, **recipe["affine"])


def outliers(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Images that show no class, as many as ``x``: half uniform noise (of a random brightness),
    half ``x`` with its pixels shuffled (a digit's ink, no digit's shape)."""
    n, half = len(x), len(x) // 2
    noise = torch.rand(half, 1, 28, 28, generator=g) * torch.rand(half, 1, 1, 1, generator=g)
    order = torch.argsort(torch.rand(n - half, 28 * 28, generator=g), dim=1)
    shuffled = x[half:].flatten(1).gather(1, order).view(n - half, 1, 28, 28)
    return torch.cat([noise, shuffled])


def train(cfg: dict, recipe: dict, x01: torch.Tensor, y: torch.Tensor) -> EvaluatorNet:
    """Train an :class:`EvaluatorNet` on ``x01``/``y`` by ``cfg``; returns it in eval mode."""
    seed_everything(cfg["seed"])
    g = torch.Generator().manual_seed(cfg["seed"])
    model = EvaluatorNet()
    iters = math.ceil(len(x01) / cfg["batch_size"])
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg["lr"], total_steps=cfg["epochs"] * iters)
    bar = tqdm(range(cfg["epochs"]), desc=f"evaluator {cfg['dataset']}", unit="epoch")
    for _ in bar:
        model.train()
        perm = torch.randperm(len(x01), generator=g)
        loss_sum = correct = 0.0
        for i in range(iters):
            idx = perm[i * cfg["batch_size"]:(i + 1) * cfg["batch_size"]]
            xb, yb = augment(x01[idx], recipe, g), y[idx]
            n_out = round(len(idx) * cfg["outlier_share"])
            # one pass over both, so BatchNorm's statistics are of the same mixture in training and use
            all_logits = model(torch.cat([xb, outliers(xb[:n_out], g)]))
            logits, out_logits = all_logits[:len(idx)], all_logits[len(idx):]
            loss = F.cross_entropy(logits, yb)
            if n_out:  # outlier exposure: cross-entropy to the uniform distribution over the classes
                loss = loss - cfg["outlier_weight"] * F.log_softmax(out_logits, 1).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += loss.item() * len(idx)
            correct += int((logits.argmax(1) == yb).sum())
        bar.set_postfix(loss=f"{loss_sum / len(x01):.4f}", train_acc=f"{correct / len(x01):.4f}")
    return model.eval()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", choices=DATASETS, required=True)
    ap.add_argument("--epochs", type=int, default=None, help="default: the dataset's recipe (20)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=3e-3, help="the one-cycle schedule's peak")
    ap.add_argument("--weight-decay", type=float, default=5e-4)
    ap.add_argument("--outlier-share", type=float, default=0.25,
                    help="images of no class added to each batch, as a share of it (0: none)")
    ap.add_argument("--outlier-weight", type=float, default=0.5, help="weight of their loss")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (1: the committed weights' setting, and fastest when another process holds a core)")
    ap.add_argument("--out", type=Path, default=None, help="default: helpers/evaluator_weights/{dataset}.pt")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)

    recipe = RECIPES[args.dataset]
    full_train, test = load_full_splits(args.dataset)
    train_images = evaluator_part(full_train)
    if len(train_images) != 10_000 or not train_images.source.endswith(f"training images {TRAIN_IMAGES}"):
        raise SystemExit(f"expected training images {TRAIN_IMAGES}, got {train_images.source}")
    cfg = {"architecture": ARCHITECTURE, "dataset": args.dataset, "train_images": TRAIN_IMAGES,
           "n_train": len(train_images), "data_source": train_images.source,
           "data_sha256": images_sha256(train_images), "epochs": args.epochs or recipe["epochs"],
           "seed": args.seed, "batch_size": args.batch_size, "lr": args.lr,
           "weight_decay": args.weight_decay, "optimizer": "AdamW, one-cycle learning rate",
           "augment": f"flip={recipe['flip']}, affine {recipe['affine']}",
           "outlier_share": args.outlier_share, "outlier_weight": args.outlier_weight,
           "outliers": "uniform noise and pixel-shuffled training images, target: uniform over the classes"}
    print(f"training on {train_images.source} ({len(train_images):,} images), "
          f"{cfg['epochs']} epochs, seed {cfg['seed']}, {torch.get_num_threads()} threads")

    t0 = time.perf_counter()
    model = train(cfg, recipe, to_classifier(train_images.x), train_images.y)
    seconds = time.perf_counter() - t0
    acc = float((evaluator_probs(model, to_classifier(test.x)).argmax(1) == test.y).float().mean())
    state = {"model": {k: v.detach().clone() for k, v in model.state_dict().items()},
             "test_accuracy": acc, "n_test": len(test), "train_seconds": round(seconds, 1),
             "train_threads": torch.get_num_threads()}
    out = save_checkpoint(args.out or evaluator_path(args.dataset), kind=KIND, config=cfg, state=state)
    print(f"test accuracy {acc:.2%} on {len(test):,} test images; trained in {seconds / 60:.1f} min; "
          f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
