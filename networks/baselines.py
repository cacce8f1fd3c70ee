"""Non-spiking baselines for the sequence data set: nearest neighbour and a small MLP.

Both learn from the static exemplars of :func:`spikesyn.datasets.make_training_set` and are
scored frame by frame on the test sequences of :func:`spikesyn.datasets.make_test_set` with
:func:`evaluate`. They see one frame at a time (no memory of earlier frames): the yardstick a
network with short-term plasticity has to beat.

Examples
--------
>>> from spikesyn.datasets import make_training_set, make_test_set
>>> from spikesyn.networks.baselines import NearestNeighbour, MLP, evaluate
>>> train = make_training_set(4, exemplars_per_class=3, size=16, seed=0)
>>> test = make_test_set(4, size=16, n_frames=6, seed=0, transforms=("rotate", "noise"))
>>> nn = NearestNeighbour().fit(train.X, train.labels)
>>> float((nn.predict(train.X) == train.labels).mean())
1.0
>>> scores = evaluate(nn, test)
>>> sorted(scores)
['noise', 'overall', 'rotate']
>>> all(0.0 <= v <= 1.0 for v in scores.values())
True
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

from spikesyn.errors import BaselineError

__all__ = ["BaselineError", "NearestNeighbour", "MLP", "evaluate", "accuracy_by_frame"]


def _rows(X, name="X"):
    X = np.asarray(X, dtype=float)
    if X.ndim < 2:
        raise BaselineError(f"{name} must have one sample per row (2-D or more), "
                            f"got shape {X.shape}")
    X = X.reshape(len(X), -1)
    if len(X) == 0:
        raise BaselineError(f"{name} has no samples")
    if not np.all(np.isfinite(X)):
        raise BaselineError(f"{name} must be finite")
    return X


def _labels(y, n):
    y = np.asarray(y)
    if y.shape != (n,) or not np.issubdtype(y.dtype, np.integer) or y.min() < 0:
        raise BaselineError(f"y must be {n} non-negative integer labels, got shape {y.shape}, "
                            f"dtype {y.dtype}")
    return y.astype(np.int64)


class NearestNeighbour:
    """1-nearest-neighbour on pixels (Euclidean distance; ties go to the earlier exemplar).

    Examples
    --------
    >>> nn = NearestNeighbour().fit([[0, 0], [1, 1]], [0, 1])
    >>> nn.predict([[0.1, 0.2], [0.9, 0.7]]).tolist()
    [0, 1]
    """

    def fit(self, X, y):
        """Store the training rows ``X`` (n, d) (or images (n, h, w)) and labels ``y`` (n,)."""
        self.X_ = _rows(X)
        self.y_ = _labels(y, len(self.X_))
        self.sq_ = (self.X_ ** 2).sum(1)
        return self

    def predict(self, X, chunk=4096):
        """Label of the nearest training row for each row of ``X``."""
        if not hasattr(self, "X_"):
            raise BaselineError("NearestNeighbour.predict called before fit")
        X = _rows(X)
        if X.shape[1] != self.X_.shape[1]:
            raise BaselineError(f"X has {X.shape[1]} features per row, the model was fitted on "
                                f"{self.X_.shape[1]}")
        out = np.empty(len(X), dtype=np.int64)
        for s in range(0, len(X), chunk):
            x = X[s:s + chunk]
            d = self.sq_[None, :] - 2.0 * x @ self.X_.T
            out[s:s + chunk] = self.y_[np.argmin(d, axis=1)]
        return out


class MLP:
    """One hidden layer of tanh units, softmax output, cross-entropy with L2 weight decay,
    trained full-batch by L-BFGS (scipy.optimize) from a seeded initialisation.

    Parameters
    ----------
    hidden : int
        Hidden units (default 64).
    weight_decay : float
        L2 penalty on the weights (not the biases), per training sample (default 1e-3).
    max_iter : int
        L-BFGS iterations (default 300).
    seed : int
        Seed of the initial weights.

    Examples
    --------
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    >>> mlp = MLP(hidden=8, seed=0).fit(X, [0, 1, 1, 0])          # XOR
    >>> mlp.predict(X).tolist()
    [0, 1, 1, 0]
    """

    def __init__(self, hidden=64, weight_decay=1e-3, max_iter=300, seed=0):
        if isinstance(hidden, bool) or not isinstance(hidden, (int, np.integer)) or hidden < 1:
            raise BaselineError(f"hidden must be a positive integer, got {hidden!r}")
        if not (np.isfinite(weight_decay) and weight_decay >= 0):
            raise BaselineError(f"weight_decay must be >= 0, got {weight_decay!r}")
        if (isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer))
                or max_iter < 1):
            raise BaselineError(f"max_iter must be a positive integer, got {max_iter!r}")
        self.hidden, self.weight_decay = int(hidden), float(weight_decay)
        self.max_iter, self.seed = int(max_iter), int(seed)

    def _unpack(self, theta):
        d, h, k = self.n_features_, self.hidden, self.n_classes_
        i = 0
        W1 = theta[i:i + d * h].reshape(d, h); i += d * h
        b1 = theta[i:i + h]; i += h
        W2 = theta[i:i + h * k].reshape(h, k); i += h * k
        b2 = theta[i:i + k]
        return W1, b1, W2, b2

    def _forward(self, theta, X):
        W1, b1, W2, b2 = self._unpack(theta)
        H = np.tanh((X - self.mean_) @ W1 + b1)
        Z = H @ W2 + b2
        Z -= Z.max(1, keepdims=True)
        P = np.exp(Z)
        P /= P.sum(1, keepdims=True)
        return H, P

    def _loss_grad(self, theta, X, Y):
        n = len(X)
        W1, b1, W2, b2 = self._unpack(theta)
        H, P = self._forward(theta, X)
        lam = self.weight_decay
        loss = -np.sum(Y * np.log(P + 1e-300)) / n + 0.5 * lam * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
        dZ = (P - Y) / n
        gW2 = H.T @ dZ + lam * W2
        gb2 = dZ.sum(0)
        dH = (dZ @ W2.T) * (1 - H ** 2)
        gW1 = (X - self.mean_).T @ dH + lam * W1
        gb1 = dH.sum(0)
        return loss, np.concatenate([gW1.ravel(), gb1, gW2.ravel(), gb2])

    def fit(self, X, y):
        """Train on rows ``X`` (n, d) (or images (n, h, w)) with labels ``y`` (n,)."""
        X = _rows(X)
        y = _labels(y, len(X))
        self.n_features_, self.n_classes_ = X.shape[1], int(y.max()) + 1
        self.mean_ = X.mean(0)
        Y = np.eye(self.n_classes_)[y]
        rng = np.random.default_rng(self.seed)
        d, h, k = self.n_features_, self.hidden, self.n_classes_
        theta0 = np.concatenate([rng.normal(0, 1 / np.sqrt(d), d * h), np.zeros(h),
                                 rng.normal(0, 1 / np.sqrt(h), h * k), np.zeros(k)])
        res = optimize.minimize(self._loss_grad, theta0, args=(X, Y), jac=True, method="L-BFGS-B",
                                options={"maxiter": self.max_iter})
        self.theta_, self.loss_, self.n_iter_ = res.x, float(res.fun), int(res.nit)
        return self

    def predict_proba(self, X):
        """Class probabilities, shape (n, n_classes)."""
        if not hasattr(self, "theta_"):
            raise BaselineError("MLP.predict called before fit")
        X = _rows(X)
        if X.shape[1] != self.n_features_:
            raise BaselineError(f"X has {X.shape[1]} features per row, the model was fitted on "
                                f"{self.n_features_}")
        return self._forward(self.theta_, X)[1]

    def predict(self, X):
        """Most probable class of each row."""
        return np.argmax(self.predict_proba(X), axis=1).astype(np.int64)


def _predict_frames(model, test_set):
    X, y, t = test_set.per_frame()
    pred = np.asarray(model.predict(X)).reshape(-1)
    if pred.shape != y.shape:
        raise BaselineError(f"model.predict returned {pred.shape[0]} labels "
                            f"for {y.shape[0]} frames")
    return pred == y, t


def evaluate(model, test_set):
    """Per-frame accuracy of ``model`` on a :class:`~spikesyn.datasets.SequenceSet`.

    Parameters
    ----------
    model : object with ``predict(X)``
        ``X`` is every frame of every sequence as a row, shape (n_frames_total, size * size).
    test_set : SequenceSet

    Returns
    -------
    dict
        ``{transform: accuracy, ..., "overall": accuracy}``: plain Python floats in [0, 1],
        transforms in the order of the test set; "overall" counts every frame once.
    """
    correct, t = _predict_frames(model, test_set)
    out = {name: float(correct[t == name].mean()) for name in test_set.transform_names}
    out["overall"] = float(correct.mean())
    return out


def accuracy_by_frame(model, test_set):
    """Accuracy at each frame index, over all sequences: a list of ``n_frames`` floats."""
    correct, _ = _predict_frames(model, test_set)
    return [float(v) for v in correct.reshape(test_set.n_sequences, test_set.n_frames).mean(0)]
