"""Golden values for the CnnGen optimisers, computed with torch.optim.

Runs each optimiser for 5 steps on a fixed quadratic problem with two parameters, a weight ``w`` (2x3) and a bias
``b`` (3): the gradient of each is ``c * (p - t)`` with fixed coefficients ``c`` and targets ``t``, set directly on
``p.grad`` so the C# test can form the same gradient in float32. Weight decay, when used, applies to ``w`` only (a
parameter group with weight_decay=0 holds ``b``), as CnnGen applies it to weights only.

Writes tests/CnnGen.Runtime.Tests/Golden/optimizers/<name>.json. Run from the repository root:

    python3 scripts/golden/optimizers_torch.py
"""
import json
import os

import torch

STEPS = 5
OUT = os.path.join("tests", "CnnGen.Runtime.Tests", "Golden", "optimizers")

INITIAL = {
    "w": [[0.5, -1.25, 2.0], [-0.75, 0.1, 1.5]],
    "b": [0.3, -0.2, 0.05],
}
COEFFICIENTS = {
    "w": [[1.0, 0.5, 2.0], [0.25, 3.0, 1.5]],
    "b": [1.0, 2.0, 0.5],
}
TARGETS = {
    "w": [[0.0, 0.5, -1.0], [1.0, 0.0, 0.25]],
    "b": [-0.5, 0.5, 0.0],
}

# name -> (torch class, hyper-parameters for torch, hyper-parameters as recorded for the C# side)
CONFIGS = {
    "sgd": (torch.optim.SGD, dict(lr=0.1), dict(lr=0.1)),
    "sgd_weight_decay": (torch.optim.SGD, dict(lr=0.1, weight_decay=0.05), dict(lr=0.1, weight_decay=0.05)),
    "momentum": (torch.optim.SGD, dict(lr=0.1, momentum=0.9), dict(lr=0.1, momentum=0.9)),
    "nesterov": (torch.optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True), dict(lr=0.1, momentum=0.9)),
    "adagrad": (torch.optim.Adagrad, dict(lr=0.1, eps=1e-10), dict(lr=0.1, eps=1e-10)),
    "rmsprop": (torch.optim.RMSprop, dict(lr=0.01, alpha=0.99, eps=1e-8), dict(lr=0.01, alpha=0.99, eps=1e-8)),
    "adam": (torch.optim.Adam, dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8), dict(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8)),
    "adam_l2": (torch.optim.Adam, dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1),
                dict(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.1)),
    "adamw": (torch.optim.AdamW, dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1),
              dict(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.1, decoupled=True)),
}


def flat(t):
    return [float(x) for x in t.detach().reshape(-1).tolist()]


def run(name, cls, torch_hyper, recorded_hyper):
    w = torch.tensor(INITIAL["w"], dtype=torch.float32, requires_grad=True)
    b = torch.tensor(INITIAL["b"], dtype=torch.float32, requires_grad=True)
    params = {"w": w, "b": b}
    coef = {k: torch.tensor(v, dtype=torch.float32) for k, v in COEFFICIENTS.items()}
    target = {k: torch.tensor(v, dtype=torch.float32) for k, v in TARGETS.items()}

    hyper = dict(torch_hyper)
    decay = hyper.pop("weight_decay", 0.0)
    groups = [{"params": [w], "weight_decay": decay}, {"params": [b], "weight_decay": 0.0}]
    try:
        opt = cls(groups, foreach=False, **hyper)
    except TypeError:  # older torch without the foreach argument
        opt = cls(groups, **hyper)

    steps = []
    for _ in range(STEPS):
        for k, p in params.items():
            p.grad = coef[k] * (p.detach() - target[k])
        opt.step()
        steps.append({k: flat(p) for k, p in params.items()})

    doc = {
        "optimizer": name,
        "torch_version": torch.__version__,
        "hyper": recorded_hyper,
        "shapes": {"w": [2, 3], "b": [3]},
        "initial": {k: flat(torch.tensor(v, dtype=torch.float32)) for k, v in INITIAL.items()},
        "coefficients": {k: flat(v) for k, v in coef.items()},
        "targets": {k: flat(v) for k, v in target.items()},
        "steps": steps,
    }
    with open(os.path.join(OUT, name + ".json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, (cls, torch_hyper, recorded_hyper) in CONFIGS.items():
        run(name, cls, torch_hyper, recorded_hyper)
        print("wrote", name)


if __name__ == "__main__":
    main()
