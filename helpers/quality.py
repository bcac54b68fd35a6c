"""Sample-quality numbers that need no classifier and no download.

Both compare a set of images with held-out real images, all as floats in ``[0, 1]``:

* :func:`nn_distance` -- for each sample, the RMS pixel distance to its nearest real
  image, averaged. Low means "every sample looks like some real image". Blurry averages
  also score well here, so read it beside the next number.
* :func:`pca_frechet` -- the Frechet distance between Gaussians fitted to the two sets
  in a PCA space fitted on training images (the idea of FID, with PCA features instead of
  Inception features). It sees both quality and variety: a generator that repeats one
  digit scores badly even if that digit is perfect. Caveat: a model that *is* a Gaussian
  in (nearly) the same PCA space -- the Gaussian-PCA baseline of notebook 01 -- matches
  these statistics by construction and scores far better than it looks.
* :func:`pixel_histogram_distance` -- the 1-Wasserstein distance between the pixel-intensity
  distributions. Real digits are nearly black-and-white; blur (PCA) and grain show up here.
"""
from __future__ import annotations

import numpy as np
import torch
from scipy import linalg
from scipy.stats import wasserstein_distance
from sklearn.decomposition import PCA


def _flat(x: torch.Tensor | np.ndarray) -> torch.Tensor:
    x = torch.as_tensor(x, dtype=torch.float32)
    if x.numel() and (x.min() < -1e-6 or x.max() > 1 + 1e-6):
        raise ValueError("images must be floats in [0, 1] (use helpers.data.to_classifier)")
    return x.reshape(len(x), int(np.prod(x.shape[1:])))


def nn_distance(samples: torch.Tensor, reference: torch.Tensor, *, chunk: int = 512) -> float:
    """Mean over ``samples`` of the RMS pixel distance to the nearest image of ``reference``."""
    a, b = _flat(samples), _flat(reference)
    if len(a) == 0 or len(b) == 0:
        raise ValueError("nn_distance needs at least one sample and one reference image")
    best = torch.cat([torch.cdist(a[i:i + chunk], b).min(dim=1).values for i in range(0, len(a), chunk)])
    return float(best.mean() / np.sqrt(a.shape[1]))


def fit_pca(images: torch.Tensor, n_components: int = 20, seed: int = 0) -> PCA:
    """A PCA feature space fitted on (training) images in ``[0, 1]``."""
    return PCA(n_components=n_components, random_state=seed).fit(_flat(images).numpy())


def frechet_distance(feat_a: np.ndarray, feat_b: np.ndarray) -> float:
    """Frechet distance between Gaussians fitted to two feature sets (rows are samples):
    ``|mu_a - mu_b|^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2))``."""
    feat_a, feat_b = np.asarray(feat_a, np.float64), np.asarray(feat_b, np.float64)
    if len(feat_a) < 2 or len(feat_b) < 2:
        raise ValueError("frechet_distance needs at least two rows in each set")
    mu_a, mu_b = feat_a.mean(0), feat_b.mean(0)
    s_a = np.atleast_2d(np.cov(feat_a, rowvar=False))
    s_b = np.atleast_2d(np.cov(feat_b, rowvar=False))
    covmean = np.real(linalg.sqrtm(s_a @ s_b))
    return float(max(0.0, ((mu_a - mu_b) ** 2).sum() + np.trace(s_a + s_b - 2 * covmean)))


def pca_frechet(samples: torch.Tensor, reference: torch.Tensor, pca: PCA) -> float:
    """Frechet distance between ``samples`` and ``reference`` in the space of ``pca``."""
    return frechet_distance(pca.transform(_flat(samples).numpy()), pca.transform(_flat(reference).numpy()))


def pixel_histogram_distance(samples: torch.Tensor, reference: torch.Tensor) -> float:
    """1-Wasserstein distance between the intensity distributions of all pixels of both sets."""
    a, b = _flat(samples), _flat(reference)
    return float(wasserstein_distance(a.flatten().numpy(), b.flatten().numpy()))


def quality_table(sets: dict[str, torch.Tensor], reference: torch.Tensor, pca: PCA) -> dict[str, dict[str, float]]:
    """``{name: {"nn_distance", "pca_frechet", "pixel_hist"}}`` for every image set in ``sets``."""
    return {name: {"nn_distance": nn_distance(x, reference), "pca_frechet": pca_frechet(x, reference, pca),
                   "pixel_hist": pixel_histogram_distance(x, reference)}
            for name, x in sets.items()}
