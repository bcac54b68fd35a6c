"""Fixtures shared by the unit tests (session settings live in the top-level conftest.py)."""
from __future__ import annotations

import pytest
import torch


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread():
    """Tiny models run fastest on one thread, and two OpenMP threads slow down 100x when
    another process (a notebook run) holds a core; the results do not depend on it."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


DEBIAN_FASHION_DIR = "/usr/share/datasets/fashion-mnist"


@pytest.fixture
def debian_fashion_dir():
    """The folder of Debian's Fashion-MNIST files (``FASHION_MNIST_DIR`` or Debian's path).

    Missing files skip the test on a user's machine but fail it under CI, where .ci/run
    installs the package: a green CI must not hide a missing install step.
    """
    import os
    from pathlib import Path

    folder = Path(os.environ.get("FASHION_MNIST_DIR", DEBIAN_FASHION_DIR))
    if not (folder / "train-images-idx3-ubyte.gz").is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{folder} lacks Fashion-MNIST: CI must install Debian's dataset-fashion-mnist")
        pytest.skip(f"{folder} lacks Fashion-MNIST (apt-get install dataset-fashion-mnist)")
    return folder


@pytest.fixture(scope="session")
def student_notebooks(tmp_path_factory: pytest.TempPathFactory):
    """The student version of every notebook, made by ``scripts/student.py`` (nbgrader's generate_assignment)
    from the committed instructor notebooks; once per test process. Returns the folder of the notebooks."""
    from scripts_loader import load_script

    student = load_script("student")
    base = tmp_path_factory.mktemp("student")
    student.release(base / "course", base / "student")
    return base / "student"
