"""Hostile YAML documents, shared by bench/alias_bomb.py, the fuzzer and the tests.

Each returns the text of a spec-shaped document, so it reaches the loader as a real
pull request would (``version: 1`` first, the bomb under a key).
"""

from __future__ import annotations


def alias_bomb(depth: int, width: int = 9) -> str:
    """The "billion laughs": level i repeats level i-1 ``width`` times (width**depth values)."""
    lines = ["version: 1", 'lol0: &lol0 "lol"']
    for level in range(1, depth + 1):
        items = ", ".join([f"*lol{level - 1}"] * width)
        lines.append(f"lol{level}: &lol{level} [{items}]")
    return "\n".join(lines) + "\n"


def merge_bomb(depth: int, width: int = 9) -> str:
    """The same growth through merge keys (``<<: [*m, *m, ...]``) and nested mappings."""
    lines = ["version: 1", "m0: &m0 {a: 1, b: 2}"]
    for level in range(1, depth + 1):
        keys = ", ".join(f"k{k}: *m{level - 1}" for k in range(width))
        lines.append(f"m{level}: &m{level} {{{keys}}}")
    return "\n".join(lines) + "\n"


def deep_nesting(depth: int, flow: bool = True) -> str:
    """``[[[[...]]]]`` (flow) or indented block mappings ``depth`` levels deep."""
    if flow:
        return "version: 1\nx: " + "[" * depth + "]" * depth + "\n"
    return "version: 1\n" + "".join("  " * level + f"k{level}:\n" for level in range(depth))


def recursive_alias() -> str:
    return "version: 1\nsteps: &loop [*loop]\n"


def long_line(size: int) -> str:
    return "version: 1\npipeline:\n  description: " + "x" * size + "\n"


GENERATORS = {
    "alias_bomb": alias_bomb,
    "merge_bomb": merge_bomb,
    "deep_nesting": deep_nesting,
    "deep_block_nesting": lambda depth: deep_nesting(depth, flow=False),
    "recursive_alias": recursive_alias,
    "long_line": long_line,
}

if __name__ == "__main__":
    # ``python bench/hostile.py alias_bomb 9 > spec.yaml``: the benchmark writes big files
    # from a child process so that its own memory stays out of the children it measures.
    import sys

    name, *numbers = sys.argv[1:]
    sys.stdout.write(GENERATORS[name](*(int(n) for n in numbers)))
