#!/usr/bin/python3
"""Golden values for CnnGen.Metrics, computed with scikit-learn and an exact-fraction reference.

Run from the repository root (re-runnable; fixed seed, same output every time):

    /usr/bin/python3 scripts/golden/metrics_sklearn.py

Writes tests/CnnGen.Runtime.Tests/Golden/metrics/{average_precision,classification}.json.

Average precision:
  * sklearn_ap: sklearn.metrics.average_precision_score, the uninterpolated step-wise sum
    sum_k (R_k - R_{k-1}) P_k, with the ground-truth count equal to the number of positives.
    Scores are distinct float32 values, so sklearn's grouping of tied scores never applies.
  * all_point / eleven_point / hundred_one_point: the PASCAL VOC 2010+, VOC 2007 and COCO
    interpolations, computed here from their definitions with exact fractions, with
    ground_truth_count = positives + missed (objects no detection found).
Classification: confusion_matrix, accuracy_score, precision_recall_fscore_support (per class,
macro, micro; zero_division=0) and top_k_accuracy_score, on predictions taken as the arg-max of
random float32 logits.
"""
import json
import os
from fractions import Fraction

import numpy as np
import sklearn
from sklearn.metrics import (accuracy_score, average_precision_score, confusion_matrix,
                             precision_recall_fscore_support, top_k_accuracy_score)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "CnnGen.Runtime.Tests", "Golden", "metrics")


def distinct_float32_scores(rng, n):
    while True:
        s = rng.random(n).astype(np.float32)
        if len(np.unique(s)) == n:
            return s


def interpolated_ap(labels_ranked, g, points):
    """Exact AP from the definitions; points=None means all-point, else points+1 recall levels."""
    tp = 0
    precision, recall = [], []
    for k, y in enumerate(labels_ranked, start=1):
        tp += int(y)
        precision.append(Fraction(tp, k))
        recall.append(Fraction(tp, g))

    def p_interp(r):
        cands = [p for p, rr in zip(precision, recall) if rr >= r]
        return max(cands) if cands else Fraction(0)

    if points is None:
        total, prev = Fraction(0), Fraction(0)
        for rr in recall:
            if rr > prev:
                total += (rr - prev) * p_interp(rr)
                prev = rr
        return float(total)
    return float(sum(p_interp(Fraction(i, points)) for i in range(points + 1)) / (points + 1))


def ap_cases(rng):
    cases = []
    for n, p_pos, missed in [(8, 0.5, 0), (25, 0.4, 0), (60, 0.3, 5), (200, 0.2, 17), (12, 0.8, 3)]:
        while True:
            labels = (rng.random(n) < p_pos).astype(int)
            if 0 < labels.sum() < n:
                break
        scores = distinct_float32_scores(rng, n)
        order = np.argsort(-scores.astype(np.float64), kind="stable")
        ranked = labels[order]
        g = int(labels.sum()) + missed
        cases.append({
            "scores": [float(s) for s in scores],
            "labels": [int(y) for y in labels],
            "positives": int(labels.sum()),
            "ground_truth_count": g,
            "sklearn_ap": float(average_precision_score(labels, scores.astype(np.float64))),
            "all_point": interpolated_ap(ranked, g, None),
            "eleven_point": interpolated_ap(ranked, g, 10),
            "hundred_one_point": interpolated_ap(ranked, g, 100),
        })
    return cases


def classification_cases(rng):
    cases = []
    for n, k, absent in [(20, 3, None), (50, 5, None), (40, 6, 4), (200, 10, None)]:
        labels = rng.integers(0, k, n)
        logits = rng.standard_normal((n, k)).astype(np.float32)
        # Make predictions better than chance so every metric is non-trivial.
        logits[np.arange(n), labels] += np.float32(0.8)
        if absent is not None:
            # A class that occurs neither in the labels nor in the predictions.
            labels[labels == absent] = (absent + 1) % k
            logits[:, absent] = np.float32(-10)
        predicted = logits.argmax(axis=1)
        p, r, f, s = precision_recall_fscore_support(labels, predicted, labels=list(range(k)), average=None, zero_division=0)
        macro = precision_recall_fscore_support(labels, predicted, average="macro", zero_division=0)
        micro = precision_recall_fscore_support(labels, predicted, average="micro", zero_division=0)
        topk = {str(t): float(top_k_accuracy_score(labels, logits, k=t, labels=list(range(k)))) for t in (1, 2, 3) if t < k}
        cases.append({
            "classes": k,
            "labels": [int(y) for y in labels],
            "logits": [float(v) for v in logits.reshape(-1)],
            "predicted": [int(v) for v in predicted],
            "confusion_matrix": confusion_matrix(labels, predicted, labels=list(range(k))).tolist(),
            "accuracy": float(accuracy_score(labels, predicted)),
            "precision": [float(v) for v in p],
            "recall": [float(v) for v in r],
            "f1": [float(v) for v in f],
            "support": [int(v) for v in s],
            "macro_precision": float(macro[0]),
            "macro_recall": float(macro[1]),
            "macro_f1": float(macro[2]),
            "micro_precision": float(micro[0]),
            "micro_recall": float(micro[1]),
            "micro_f1": float(micro[2]),
            "top_k_accuracy": topk,
        })
    return cases


def main():
    rng = np.random.default_rng(20240605)
    os.makedirs(OUT, exist_ok=True)
    header = {"generator": "scripts/golden/metrics_sklearn.py", "sklearn": sklearn.__version__, "seed": 20240605}
    for name, cases in [("average_precision", ap_cases(rng)), ("classification", classification_cases(rng))]:
        path = os.path.join(OUT, name + ".json")
        with open(path, "w") as fh:
            json.dump({**header, "cases": cases}, fh, indent=1)
            fh.write("\n")
        print(f"wrote {os.path.relpath(path, ROOT)} ({len(cases)} cases)")


if __name__ == "__main__":
    main()
