#!/usr/bin/python3
"""Runs the ONNX checker (full_check=True: structure, operator schemas and strict shape inference) on every
.onnx file in a folder and writes checker_verdict.json beside them.

Usage (from the repository root, with Debian's python3-onnx):
    CNNGEN_WRITE_ONNX=1 dotnet test tests/CnnGen.IntegrationTests --filter "FullyQualifiedName~WriteGoldenModelsWhenAsked"
    /usr/bin/python3 scripts/onnx/check_onnx.py [folder]

The folder defaults to tests/CnnGen.IntegrationTests/Golden/onnx. Exits with 1 if any model fails.
"""
import hashlib
import json
import os
import sys

import onnx


def main() -> int:
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "tests", "CnnGen.IntegrationTests", "Golden", "onnx")
    files = sorted(f for f in os.listdir(folder) if f.endswith(".onnx"))
    if not files:
        print(f"no .onnx files in {folder}", file=sys.stderr)
        return 1

    models = {}
    all_ok = True
    for name in files:
        path = os.path.join(folder, name)
        with open(path, "rb") as f:
            data = f.read()
        entry = {"sha256": hashlib.sha256(data).hexdigest()}
        try:
            model = onnx.load_from_string(data)
            onnx.checker.check_model(model, full_check=True)
            entry["status"] = "ok"
            entry["ir_version"] = model.ir_version
            entry["opset"] = max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
            entry["inputs"] = [i.name for i in model.graph.input]
            entry["outputs"] = [o.name for o in model.graph.output]
            entry["nodes"] = len(model.graph.node)
        except Exception as e:  # the checker raises ValidationError, the parser DecodeError
            entry["status"] = "failed"
            entry["error"] = str(e).strip()
            all_ok = False
        models[name] = entry
        print(f"{name}: {entry['status']}" + ("" if entry["status"] == "ok" else f" - {entry['error']}"))

    verdict = {
        "checker": "onnx.checker.check_model(full_check=True)",
        "onnx_version": onnx.__version__,
        "verdict": "ok" if all_ok else "failed",
        "models": models,
    }
    with open(os.path.join(folder, "checker_verdict.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(verdict, f, indent=2, sort_keys=True)
        f.write("\n")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
