#!/usr/bin/python3
"""Golden loss and parameter gradients of small CnnGen networks, computed with PyTorch (float64).

Regenerate (Debian python3-torch) from the repository root:
    /usr/bin/python3 scripts/golden/gradients_torch.py

Writes tests/CnnGen.IntegrationTests/Golden/gradients/<Network>.json with the input (NCHW, flat), labels, every parameter
under its CnnGen name and layout, the loss and every gradient. Each network mirrors a declaration in
tests/CnnGen.IntegrationTests/Networks/GradientNetworks.cs:
  * conv weights (FN, C, FH, FW) are torch's layout; affine W is (in, out) = torch Linear weight transposed;
  * flattening is in (C, H, W) order, as torch.flatten on NCHW;
  * loss = mean over the batch of -log(softmax(z)[t] + 1e-7), exactly CnnGen's formula;
  * batch normalisation in training mode (batch statistics, biased variance, eps 1e-5);
  * average pooling divides by the full window (count_include_pad=True); max pooling pads with -inf;
  * a projection shortcut is a bias-free 1x1 convolution with the block's stride followed by batch normalisation.
"""
import json
import os

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "CnnGen.IntegrationTests", "Golden", "gradients")


class Builder:
    """Runs a CnnGen-style layer list on x, creating parameters named as CnnGen does (one number per parameterised layer)."""

    def __init__(self, gen):
        self.gen = gen
        self.params = {}  # CnnGen name -> tensor in CnnGen layout (leaf, requires grad)
        self.order = []
        self.number = 0

    def new(self, name, shape, scale):
        t = (torch.rand(shape, generator=self.gen) * 2 - 1) * scale
        t.requires_grad_(True)
        self.params[name] = t
        self.order.append(name)
        return t

    def conv(self, x, filters, size, stride=1, pad=0, bias=True):
        self.number += 1
        n = self.number
        c = x.shape[1]
        w = self.new(f"W{n}", (filters, c, size, size), (1.0 / (c * size * size)) ** 0.5 * 1.5)
        b = self.new(f"b{n}", (filters,), 0.2) if bias else None
        return F.conv2d(x, w, b, stride=stride, padding=pad)

    def affine(self, x, units):
        self.number += 1
        n = self.number
        x = x.reshape(x.shape[0], -1)
        w = self.new(f"W{n}", (x.shape[1], units), (1.0 / x.shape[1]) ** 0.5 * 1.5)
        b = self.new(f"b{n}", (units,), 0.2)
        return x @ w + b

    def batchnorm(self, x, number=None):
        if number is None:
            self.number += 1
            number = self.number
        c = x.shape[1]
        g = self.new(f"gamma{number}", (c,), 0.3)
        with torch.no_grad():
            g += 1.0
        b = self.new(f"beta{number}", (c,), 0.2)
        return F.batch_norm(x, None, None, g, b, training=True, momentum=0.1, eps=1e-5)

    def projection(self, x, out_channels, stride):
        # numbers: the shortcut conv takes the next number, its batch norm the one after (as CnnGen's EndResidual)
        self.number += 1
        q = self.number
        w = self.new(f"W{q}", (out_channels, x.shape[1], 1, 1), (1.0 / x.shape[1]) ** 0.5)
        s = F.conv2d(x, w, None, stride=stride)
        self.number += 1
        return self.batchnorm(s, number=q + 1)


def loss_of(z, t):
    p = torch.softmax(z, dim=1)
    return -(torch.log(p[torch.arange(z.shape[0]), t] + 1e-7)).mean()


def golden_simple_conv(b, x):
    h = F.max_pool2d(torch.relu(b.conv(x, 4, 3)), 2)
    h = torch.relu(b.affine(h, 8))
    return b.affine(h, 5)


def golden_avg_tanh_sigmoid(b, x):
    h = torch.tanh(b.conv(x, 3, 3, stride=2, pad=1))
    h = F.avg_pool2d(h, 3, stride=2, padding=1, count_include_pad=True)
    h = torch.sigmoid(b.affine(h, 6))
    return b.affine(h, 4)


def block(b, x, channels, stride=1, projection=False):
    h = torch.relu(b.batchnorm(b.conv(x, channels, 3, stride=stride, pad=1, bias=False)))
    h = b.batchnorm(b.conv(h, channels, 3, pad=1, bias=False))
    shortcut = b.projection(x, channels, stride) if projection else x
    return torch.relu(h + shortcut)


def golden_res_batchnorm(b, x):
    h = torch.relu(b.batchnorm(b.conv(x, 4, 3, pad=1, bias=False)))
    h = block(b, h, 4)
    h = block(b, h, 6, stride=2, projection=True)
    h = F.max_pool2d(h, 3, stride=1, padding=1)
    h = h.mean(dim=(2, 3))
    return b.affine(h, 3)


def golden_affine_batchnorm(b, x):
    h = torch.relu(b.batchnorm(b.affine(x, 10)))
    return b.affine(h, 5)


def golden_conv_relu(b, x):
    h = torch.relu(b.conv(x, 3, 3, pad=1))
    h = torch.relu(b.conv(h, 4, 3))
    return b.affine(h, 3)


NETWORKS = [
    ("GoldenSimpleConv", (1, 10, 10), 5, golden_simple_conv),
    ("GoldenAvgTanhSigmoid", (2, 9, 9), 4, golden_avg_tanh_sigmoid),
    ("GoldenResBatchNorm", (2, 7, 7), 3, golden_res_batchnorm),
    ("GoldenAffineBatchNorm", (3, 4, 4), 5, golden_affine_batchnorm),
    ("GoldenConvRelu", (2, 6, 6), 3, golden_conv_relu),
]


def main():
    os.makedirs(OUT, exist_ok=True)
    for index, (name, shape, classes, build) in enumerate(NETWORKS):
        gen = torch.Generator().manual_seed(1000 + index)
        batch = 3
        x = torch.rand((batch,) + shape, generator=gen) * 2 - 1
        t = torch.randint(0, classes, (batch,), generator=gen)
        b = Builder(gen)
        z = build(b, x)
        loss = loss_of(z, t)
        loss.backward()
        doc = {
            "network": name,
            "batch": batch,
            "input": x.flatten().tolist(),
            "labels": t.tolist(),
            "loss": loss.item(),
            "parameters": [
                {"name": n, "shape": list(b.params[n].shape), "values": b.params[n].detach().flatten().tolist(),
                 "gradient": b.params[n].grad.flatten().tolist()}
                for n in b.order
            ],
        }
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            json.dump(doc, f)
        print(name, "loss", loss.item(), "parameters", len(b.order))


if __name__ == "__main__":
    main()
