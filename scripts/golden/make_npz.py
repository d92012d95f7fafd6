#!/usr/bin/env python3
"""Writes the golden .npz files read by tests/CnnGen.Runtime.Tests/Serialization/NpzGoldenTests.cs.

The arrays fit the test project's FakeNetwork: W1 (3, 1, 2, 2), b1 (3,), W2 (12, 4) and the state
running_mean1 (3,). Re-runnable: fixed seed, same output every time (numpy only).

    /usr/bin/python3 scripts/golden/make_npz.py
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "tests", "CnnGen.Runtime.Tests", "Golden", "npz")


def arrays(dtype):
    rng = np.random.RandomState(20240607)
    return {
        "W1": rng.randn(3, 1, 2, 2).astype(dtype),
        "b1": rng.randn(3).astype(dtype),
        "W2": rng.randn(12, 4).astype(dtype),
        "running_mean1": rng.rand(3).astype(dtype),
    }


def describe(params):
    return {
        k: {
            "shape": list(v.shape),
            "dtype": v.dtype.str,
            "sum": float(np.asarray(v, dtype=np.float64).sum()),
            "first": [float(x) for x in np.asarray(v, dtype=np.float32).ravel()[:5]],
            "last": float(np.asarray(v, dtype=np.float32).ravel()[-1]),
        }
        for k, v in params.items()
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    expected = {}

    f32 = arrays(np.float32)
    np.savez(os.path.join(OUT, "fake_f32.npz"), **f32)
    expected["fake_f32.npz"] = describe(f32)

    f64 = arrays(np.float64)
    np.savez(os.path.join(OUT, "fake_f64.npz"), **f64)
    expected["fake_f64.npz"] = describe(f64)

    np.savez_compressed(os.path.join(OUT, "fake_f32_compressed.npz"), **f32)
    expected["fake_f32_compressed.npz"] = describe(f32)

    wrong = dict(f32)
    wrong["W2"] = wrong["W2"].reshape(4, 12).copy()
    np.savez(os.path.join(OUT, "fake_wrong_shape.npz"), **wrong)
    expected["fake_wrong_shape.npz"] = describe(wrong)

    missing = {k: v for k, v in f32.items() if k not in ("b1", "running_mean1")}
    np.savez(os.path.join(OUT, "fake_missing.npz"), **missing)
    expected["fake_missing.npz"] = describe(missing)

    fortran = dict(f32)
    fortran["W2"] = np.asfortranarray(f32["W2"])
    np.savez(os.path.join(OUT, "fake_fortran.npz"), **fortran)

    ints = dict(f32)
    ints["b1"] = np.array([1, 2, 3], dtype=np.int64)
    np.savez(os.path.join(OUT, "fake_int64.npz"), **ints)

    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
