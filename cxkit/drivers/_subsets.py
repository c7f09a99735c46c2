"""Numerical kernels: R² of every subset of predictors, from a correlation matrix.

All relative-importance measures here are functions of the R² of the 2^p subsets of
p predictors. Existing packages solve one regression per subset (p^3 work each). Here
the subsets are built by deciding the predictors one at a time, in order: a state
holds the *residual* correlation matrix of the predictors still to decide and the
outcome, after partialling out the predictors already included. Leaving a predictor
out drops its row and column; taking it in is one sweep (a rank-1 update). The states
double at each step while their matrices shrink, so all 2^p R² values cost about
6 · 2^p element operations, done as whole-array numpy operations. A leading batch
dimension evaluates many matrices at once (bootstrap resamples).

Bit ``j`` of a subset's index in the result says whether predictor ``j`` is in it.
"""
from __future__ import annotations

from math import factorial

import numpy as np

TOL = 1e-10  # residual variance below this (relative) means "explained already": no sweep


def all_subsets_r2(corr: np.ndarray) -> np.ndarray:
    """R² of the outcome on every subset of the predictors.

    Parameters
    ----------
    corr : ndarray, shape (..., p + 1, p + 1)
        Correlation (or covariance) matrices: predictors first, the outcome last.

    Returns
    -------
    ndarray, shape (..., 2 ** p)
        ``r2[..., s]`` is the R² of the subset whose bit ``j`` marks predictor ``j``;
        ``r2[..., 0] == 0``.
    """
    corr = np.asarray(corr, dtype=float)
    batch, q = corr.shape[:-2], corr.shape[-1]
    p = q - 1
    flat = corr.reshape(-1, q, q)
    scale = np.diagonal(flat, axis1=1, axis2=2).copy()  # original variances
    y_var = scale[:, -1]
    # (B, remaining, remaining, subsets): the subsets axis last, so that every
    # operation is one long contiguous pass however small the matrices get
    state = flat[:, :, :, None]
    for v in range(p):
        n_sub, m = state.shape[-1], state.shape[1] - 1
        keep_out = state[:, 1:, 1:, :]
        pivot = state[:, 0, 0, :]
        col = state[:, 1:, 0, :]
        usable = pivot > TOL * scale[:, v][:, None]
        inv = np.divide(1.0, pivot, out=np.zeros_like(pivot), where=usable)
        nxt = np.empty((state.shape[0], m, m, 2 * n_sub))
        nxt[..., :n_sub] = keep_out  # predictor v left out: index bit v = 0
        np.subtract(keep_out, (col * inv[:, None, :])[:, :, None, :] * col[:, None, :, :],
                    out=nxt[..., n_sub:])  # taken in: one sweep
        state = nxt
    r2 = 1.0 - state[:, 0, 0, :] / y_var[:, None]
    return np.clip(r2, 0.0, 1.0).reshape(*batch, 2 ** p)


def _axes(r2: np.ndarray, p: int) -> np.ndarray:
    """View ``(..., 2**p)`` as ``(..., 2, ..., 2)``; predictor j is axis ``-(j + 1)``."""
    return r2.reshape(*r2.shape[:-1], *([2] * p))


def subset_sizes(p: int) -> np.ndarray:
    """Number of predictors in each subset index (popcount), built by doubling."""
    sizes = np.zeros(1, dtype=np.int8)
    for _ in range(p):  # subsets with bit j set are those without it, plus one
        sizes = np.concatenate([sizes, sizes + 1])
    return sizes


def conditional_contributions(r2: np.ndarray, p: int) -> np.ndarray:
    """Average gain in R² from adding each predictor to subsets of each size.

    Returns
    -------
    ndarray, shape (..., p, p)
        ``[..., j, k]``: mean of R²(S ∪ j) − R²(S) over the subsets S of size k that
        leave j out (conditional dominance, Azen & Budescu 2003).
    """
    cube = _axes(r2, p)
    sizes = _axes(subset_sizes(p), p)
    lead = r2.shape[:-1]
    out = np.empty((*lead, p, p))
    for j in range(p):
        axis = cube.ndim - 1 - j
        gain = np.take(cube, 1, axis=axis) - np.take(cube, 0, axis=axis)
        size = np.take(sizes, 0, axis=sizes.ndim - 1 - j).ravel()
        gain = gain.reshape(*lead, -1)
        counts = np.bincount(size, minlength=p)
        for k in range(p):
            out[..., j, k] = gain[..., size == k].sum(axis=-1) / counts[k]
    return out


def shapley_from_r2(r2: np.ndarray, p: int) -> np.ndarray:
    """Shapley values (LMG, general dominance) of each predictor; they sum to the full R².

    phi_j = sum over S without j of w(|S|) (R²(S ∪ j) − R²(S)), w(k) = k! (p − k − 1)! / p!.
    Regrouped by subset T: phi_j = sum over T with j of w(|T| − 1) R²(T) − sum over T
    without j of w(|T|) R²(T), so each predictor needs two strided sums, no copies.
    """
    r2 = np.asarray(r2, dtype=float)
    sizes = subset_sizes(p)
    weight = np.array([factorial(k) * factorial(p - k - 1) / factorial(p) for k in range(p)]
                      + [0.0])
    gain_in = r2 * weight[np.maximum(sizes - 1, 0)] * (sizes > 0)  # T contains j
    gain_out = r2 * weight[sizes]                                 # T leaves j out
    lead = r2.shape[:-1]
    out = np.empty((*lead, p))
    for j in range(p):
        a = gain_in.reshape(*lead, 2 ** (p - 1 - j), 2, 2 ** j)
        b = gain_out.reshape(*lead, 2 ** (p - 1 - j), 2, 2 ** j)
        out[..., j] = a[..., 1, :].sum(axis=(-2, -1)) - b[..., 0, :].sum(axis=(-2, -1))
    return out


def complete_dominance(r2: np.ndarray, p: int) -> np.ndarray:
    """Pairwise complete dominance (Azen & Budescu 2003) from one set of subset R².

    Returns
    -------
    ndarray, shape (p, p)
        ``[i, j]`` is 1 if i adds at least as much as j to every subset that leaves both
        out (and more to at least one), 0 if j does so over i, 0.5 if neither.
    """
    cube = _axes(np.asarray(r2), p)
    out = np.full((p, p), np.nan)
    for i in range(p):
        for j in range(i + 1, p):
            ai, aj = p - 1 - i, p - 1 - j  # i < j, so ai > aj: index ai first
            with_i = np.take(np.take(cube, 1, axis=ai), 0, axis=aj)  # i in, j out
            with_j = np.take(np.take(cube, 0, axis=ai), 1, axis=aj)  # j in, i out
            diff = with_i - with_j
            eps = 1e-12
            if np.all(diff >= -eps) and np.any(diff > eps):
                out[i, j], out[j, i] = 1.0, 0.0
            elif np.all(diff <= eps) and np.any(diff < -eps):
                out[i, j], out[j, i] = 0.0, 1.0
            else:
                out[i, j] = out[j, i] = 0.5
    return out


def relative_weights(corr: np.ndarray) -> np.ndarray:
    """Johnson's (2000) relative weights; they sum to the full R².

    Regress the outcome on the orthogonal counterparts Z of the predictors
    (Z = X (X'X)^(-1/2)), then share each Z's contribution back to the predictors by
    the squared loadings of X on Z.
    """
    corr = np.asarray(corr, dtype=float)
    rxx, rxy = corr[:-1, :-1], corr[:-1, -1]
    vals, vecs = np.linalg.eigh(rxx)
    vals = np.clip(vals, 0, None)
    root = vecs @ np.diag(np.sqrt(vals)) @ vecs.T  # loadings of X on Z
    inv_root = vecs @ np.diag(np.divide(1.0, np.sqrt(vals), out=np.zeros_like(vals),
                                        where=vals > TOL)) @ vecs.T
    beta = inv_root @ rxy  # outcome on Z
    return (root ** 2) @ (beta ** 2) / corr[-1, -1]


def sampled_shapley(corr: np.ndarray, n_permutations: int, rng: np.random.Generator
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Shapley values estimated from random orderings of the predictors, with standard errors.

    Each ordering adds the predictors one by one (one sweep each) and records each one's
    gain in R²; the estimate is the mean gain over orderings, its standard error the
    standard deviation over orderings / sqrt(n).
    """
    corr = np.asarray(corr, dtype=float)
    q = corr.shape[0]
    p = q - 1
    gains = np.zeros((n_permutations, p))
    chunk = max(1, min(n_permutations, 2_000_000 // (q * q)))
    for start in range(0, n_permutations, chunk):
        m = min(chunk, n_permutations - start)
        perms = np.argsort(rng.random((m, p)), axis=1)
        state = np.broadcast_to(corr, (m, q, q)).copy()
        rows = np.arange(m)
        before = np.zeros(m)
        for t in range(p):
            v = perms[:, t]
            pivot = state[rows, v, v]
            usable = pivot > TOL * corr[v, v]
            col = state[rows, :, v]
            inv = np.divide(1.0, pivot, out=np.zeros_like(pivot), where=usable)
            state -= col[:, :, None] * col[:, None, :] * inv[:, None, None]
            after = 1.0 - state[:, -1, -1] / corr[-1, -1]
            gains[start + rows, v] = after - before
            before = after
    est = gains.mean(axis=0)
    se = gains.std(axis=0, ddof=1) / np.sqrt(n_permutations)
    return est, se
