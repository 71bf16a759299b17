"""The optional PyTorch path for `digits.classify`: a small CNN, trained and saved as TorchScript.

Used only when `import torch` works (Debian: python3-torch, heavy, so not installed by default).
`train.py --torch` writes digits-cnn.pt next to the scikit-learn model; the handler then prefers
it (backend "auto"), or uses it only when asked (FERRY_DIGITS_BACKEND=torch). The saved module
takes the raw (n, 64) pixel matrix and returns class probabilities, so the handler needs no
knowledge of the network: scaling and softmax are inside the TorchScript graph.
"""

from __future__ import annotations

import pathlib
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

import digits_data

EPOCHS = 40
BATCH = 64


class DigitsCNN(nn.Module):
    """Two 3x3 convolutions and a 2x2 pool over the 8x8 image, then two dense layers."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.classify = nn.Sequential(nn.Flatten(), nn.Linear(32 * 4 * 4, 64), nn.ReLU(),
                                      nn.Linear(64, 10))

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        """Logits for (n, 64) pixels on the 0..16 scale."""
        images = (pixels / 16.0).reshape(-1, 1, 8, 8)
        return self.classify(self.features(images))


class Probabilities(nn.Module):
    """What is saved: the trained CNN followed by softmax."""

    def __init__(self, cnn: DigitsCNN) -> None:
        super().__init__()
        self.cnn = cnn

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.cnn(pixels), dim=1)


def fit(split: digits_data.Split) -> DigitsCNN:
    """Adam on shuffled mini-batches with a fixed seed: a few seconds on one CPU core."""
    torch.manual_seed(digits_data.SPLIT_SEED)
    x = torch.tensor(split.train_x, dtype=torch.float32)
    y = torch.tensor(split.train_y, dtype=torch.long)
    model = DigitsCNN()
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for _ in range(EPOCHS):
        order = torch.randperm(len(x))
        for start in range(0, len(x), BATCH):
            rows = order[start:start + BATCH]
            optimiser.zero_grad()
            loss_fn(model(x[rows]), y[rows]).backward()
            optimiser.step()
    return model.eval()


def train_and_save(split: digits_data.Split, path: pathlib.Path,
                   write_atomically: Callable[[pathlib.Path, Any], None]) -> float:
    """Trains, scripts and saves the model; returns its held-out accuracy."""
    torch.set_num_threads(1)
    scripted = torch.jit.script(Probabilities(fit(split)).eval())
    write_atomically(path, lambda target: scripted.save(target))
    with torch.inference_mode():
        probabilities = scripted(torch.tensor(split.test_x, dtype=torch.float32))
    return float((probabilities.argmax(dim=1).numpy() == split.test_y).mean())


class TorchBackend:
    """The TorchScript model in a worker: one forward pass per batch, one thread per process."""

    name = "torch"

    def __init__(self, path: pathlib.Path) -> None:
        torch.set_num_threads(1)  # a process per core already; intra-op threads would contend
        self.model = torch.jit.load(str(path)).eval()

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return self.model(torch.from_numpy(images.astype(np.float32))).numpy()
