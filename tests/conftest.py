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
