#!/usr/bin/env python3
"""Checks that every quoted #include points down the pipeline, never up or sideways.

A file's layer is its folder (compiler/sema, runtime, core, ...). Each include is resolved the
way the build resolves it, against the include roots in the order below, and the layer it
lands in must be one the including layer may use. A new folder must be added to LAYERS, so a
module cannot appear without a stated place in the picture.

Usage: check_layers.py SOURCE_ROOT   (exit 1 and one line per violation when any)
"""
import pathlib
import re
import sys

ROOTS = ["core", "compiler", "runtime", "include"]

# layer -> the layers it may include (itself always allowed).
LAYERS = {
    "core": [],
    "compiler/syntax": ["core"],
    "compiler/sema": ["core", "compiler/syntax", "compiler/ir"],  # the op table
    "compiler/ir": ["core"],
    "compiler/autodiff": ["core", "compiler/ir"],
    "compiler/lower": ["core", "compiler/syntax", "compiler/sema", "compiler/ir",
                       "compiler/autodiff"],
    "compiler/imde": ["core", "compiler/ir", "compiler/autodiff"],
    "compiler/codegen": ["core", "compiler/ir", "compiler/autodiff"],
    "compiler/jit": ["core", "compiler/ir", "compiler/autodiff", "compiler/codegen"],
    "compiler/cxx": ["core", "compiler/ir", "compiler/autodiff", "compiler/codegen",
                     "compiler/jit"],
    "runtime": ["core"],
    "compiler/driver": ["core", "compiler/syntax", "compiler/sema", "compiler/ir",
                        "compiler/autodiff", "compiler/lower", "compiler/imde",
                        "compiler/codegen", "compiler/jit", "compiler/cxx", "runtime",
                        "include"],
    "include": ["core"],
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def layer_of(path: pathlib.Path, root: pathlib.Path) -> str:
    rel = path.relative_to(root).parts
    if rel[0] == "compiler":
        return "compiler/" + rel[1]
    return rel[0]


def resolve(name: str, including: pathlib.Path, root: pathlib.Path):
    local = including.parent / name
    if local.exists():
        return local
    for r in ROOTS:
        candidate = root / r / name
        if candidate.exists():
            return candidate
    return None


def main() -> int:
    root = pathlib.Path(sys.argv[1]).resolve()
    problems = []
    for top in ROOTS:
        for path in sorted((root / top).rglob("*")):
            if path.suffix not in (".h", ".cpp") or not path.is_file():
                continue
            layer = layer_of(path, root)
            if layer not in LAYERS:
                problems.append(f"{path.relative_to(root)}: folder {layer} has no place in "
                                "tests/layering/check_layers.py's LAYERS")
                continue
            allowed = set(LAYERS[layer]) | {layer}
            for lineno, line in enumerate(path.read_text().splitlines(), 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                target = resolve(m.group(1), path, root)
                if target is None:
                    continue  # generated files (PreludeText) and system headers
                used = layer_of(target, root)
                if used not in allowed:
                    problems.append(f"{path.relative_to(root)}:{lineno}: {layer} includes "
                                    f"\"{m.group(1)}\" from {used}")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
