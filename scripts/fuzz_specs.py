#!/usr/bin/env python3
"""A structure-aware fuzzing campaign against the spec checker and compiler.

    python scripts/fuzz_specs.py [--cases 10000] [--seed 11] [--timeout 10] [--memory-mib 1024]
                                 [--out fuzz-failures] [--first N]

Each case takes a seed spec (spec/*.yaml with env "dev", tests/golden/*/spec.yaml with env
"test") and mutates either its parsed tree (deletions, type swaps, renames, duplications,
reorders, unicode, huge values, swapped references, ${...} injections) or its YAML text
(deleted, duplicated, swapped, re-indented lines, tabs, anchors, aliases, merge keys,
tags, truncation, long lines), then checks and compiles it as `smpipe validate --env`
does, and renders the diagnostics as text, JSON and every other output format.

A case passes when nothing raises and every diagnostic is positioned inside the file
with a known rule id. Cases run in a worker process with an address-space limit
(``--memory-mib``); a case that raises is a traceback, one that outlives ``--timeout``
seconds twice (the second time in a fresh worker, since a shared machine's load can stall
one run) a hang, a worker that dies a crash. Each
failure is written to ``--out`` as the reproducing spec (``<kind>-<seed>-<n>.yaml``, with
its env folder) and the traceback beside it. The figures are printed at the end; the exit
status is 1 when anything failed. ``tests/test_fuzz_campaign.py`` runs a seeded sample.
"""

from __future__ import annotations

import argparse
import copy
import multiprocessing
import random
import re
import resource
import shutil
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@dataclass(frozen=True)
class Seed:
    path: Path
    env: str
    text: str
    data: Any


def seeds() -> list[Seed]:
    found = [(p, "dev") for p in sorted((ROOT / "spec").glob("*.yaml"))]
    found += [(p, "test") for p in sorted((ROOT / "tests" / "golden").glob("*/spec.yaml"))]
    return [Seed(p, env, p.read_text(), yaml.safe_load(p.read_text())) for p, env in found]


# ---- values a mutation may put somewhere ------------------------------------------------

UNICODE = [
    "Ünïcödé",
    "名前",
    "\u202eevil",  # right-to-left override
    "emoji 🚀",
    "zero\u200bwidth",
    "ﬁ ligature",
    "\u00a0nbsp",
    "e\u0301",
    "\U0001f600" * 20,
]


def _weird_value(rng: random.Random, strings: list[str]) -> Any:
    choices: list[Callable[[], Any]] = [
        lambda: None,
        lambda: rng.choice([True, False]),
        lambda: rng.randint(-(10**6), 10**6),
        lambda: 10 ** rng.randint(18, 400),
        lambda: -(10 ** rng.randint(18, 400)),
        lambda: rng.choice([0.0, -0.0, 1e308, 1e-308, 0.1, 2.5]),
        lambda: float(rng.choice(["nan", "inf", "-inf"])),
        lambda: "",
        lambda: rng.choice(UNICODE),
        lambda: "x" * rng.choice([1_000, 100_000, 600_000]),
        lambda: rng.choice(strings) if strings else "s",
        lambda: (
            rng.choice(strings) + rng.choice(["", "x", "${", "}", "$${", "${region}"])
            if strings
            else "${"
        ),
        lambda: "${" + rng.choice(["", "region", "nope", "a b", "${x}", "data_bucket"]) + "}",
        lambda: [],
        lambda: {},
        lambda: [rng.choice(strings) if strings else 1],
        lambda: {rng.choice(["param", "step", "output", "join", "json_get", "execution"]): "X"},
        lambda: {"step": rng.choice(strings) if strings else "S", "output": "model"},
        lambda: {"join": [1, {"param": "X"}], "on": 5},
        lambda: _nested(rng.randint(10, 60)),
    ]
    return rng.choice(choices)()


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


def _strings(data: Any) -> Iterator[str]:
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str):
                yield key
            yield from _strings(value)
    elif isinstance(data, list):
        for item in data:
            yield from _strings(item)
    elif isinstance(data, str):
        yield data


def _containers(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every mapping and list in ``data`` with its path."""
    if isinstance(data, (dict, list)):
        yield path, data
        items = data.items() if isinstance(data, dict) else enumerate(data)
        for key, value in items:
            yield from _containers(value, (*path, key))


# ---- tree mutations ------------------------------------------------------------------------


def mutate_tree(data: Any, rng: random.Random) -> Any:
    """Apply 1-4 structure-aware mutations to a deep copy of ``data``."""
    data = copy.deepcopy(data)
    strings = sorted(set(_strings(data)))
    for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
        containers = [c for _, c in _containers(data) if c]
        if not containers:
            return _weird_value(rng, strings)
        target = rng.choice(containers)
        operation = rng.choice(TREE_OPERATIONS)
        operation(target, rng, strings)
    return data


def _pick(target: Any, rng: random.Random) -> Any:
    return rng.choice(list(target)) if isinstance(target, dict) else rng.randrange(len(target))


def _delete(target: Any, rng: random.Random, strings: list[str]) -> None:
    del target[_pick(target, rng)]


def _swap_type(target: Any, rng: random.Random, strings: list[str]) -> None:
    target[_pick(target, rng)] = _weird_value(rng, strings)


def _rename(target: Any, rng: random.Random, strings: list[str]) -> None:
    if not isinstance(target, dict):
        return _swap_type(target, rng, strings)
    key = _pick(target, rng)
    new = rng.choice(
        [
            str(key)[:-1],
            str(key) + "s",
            str(key).upper(),
            rng.choice(UNICODE),
            "",
            rng.choice(strings) if strings else "x",
            rng.randint(0, 9),
            None,
            True,
        ]
    )
    target[new] = target.pop(key)
    return None


def _duplicate(target: Any, rng: random.Random, strings: list[str]) -> None:
    key = _pick(target, rng)
    if isinstance(target, list):
        target.insert(rng.randrange(len(target) + 1), copy.deepcopy(target[key]))
    else:
        target[f"{key}_copy" if rng.random() < 0.5 else key] = copy.deepcopy(target[key])
        # Also copy a whole sibling into another place: steps with the same name, etc.
        other = _pick(target, rng)
        target[other] = copy.deepcopy(target[key])


def _reorder(target: Any, rng: random.Random, strings: list[str]) -> None:
    if isinstance(target, list):
        rng.shuffle(target)
    else:
        items = list(target.items())
        rng.shuffle(items)
        target.clear()
        target.update(items)


def _swap_reference(target: Any, rng: random.Random, strings: list[str]) -> None:
    """Replace a string by another string of the spec: names swapped, cycles, wrong kinds."""
    key = _pick(target, rng)
    if isinstance(target[key], str) and strings:
        target[key] = rng.choice(strings)
    else:
        target[key] = rng.choice(strings) if strings else "x"


def _huge(target: Any, rng: random.Random, strings: list[str]) -> None:
    key = _pick(target, rng)
    value = target[key]
    if isinstance(value, list) and len(value) < 20:
        target[key] = value * rng.choice([50, 500])
    elif isinstance(value, dict):
        target[key] = {f"{k}{i}": v for i in range(rng.choice([20, 200])) for k, v in value.items()}
    elif isinstance(value, str):
        target[key] = value * min(rng.choice([100, 10_000]), 2_000_000 // max(len(value), 1))
    else:
        target[key] = 10 ** rng.randint(20, 300)


# Weighted towards mutations that keep the spec's shape, so that the cross-reference rules,
# the emitters and the definition check are reached, not only the schema.
TREE_OPERATIONS = [
    *[_swap_reference] * 4,
    *[_delete] * 3,
    *[_duplicate] * 2,
    _reorder,
    _rename,
    _swap_type,
    _huge,
]


# ---- text mutations ------------------------------------------------------------------------


def mutate_text(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    for _ in range(rng.randint(1, 3)):
        if not lines:
            lines = [""]
        index = rng.randrange(len(lines))
        operation = rng.randrange(13)
        line = lines[index]
        if operation == 0:
            del lines[index]
        elif operation == 1:
            lines.insert(index, line)
        elif operation == 2:
            other = rng.randrange(len(lines))
            lines[index], lines[other] = lines[other], lines[index]
        elif operation == 3:
            lines[index] = " " * rng.choice([1, 2, 3]) + line
        elif operation == 4:
            lines[index] = line[rng.choice([1, 2]) :]
        elif operation == 5:
            lines[index] = "\t" + line
        elif operation == 6:
            cut = rng.randrange(len(line) + 1)
            lines[index] = line[:cut] + rng.choice(
                ["&a ", "*a", "*nope", "<<: *a", "!!python/object:os.system ", "!tag ", "? ",
                 "{", "[", "]", "}", '"', "'", "|", ">", "#", "%YAML 1.2", "---", "...", ": ",
                 "\\", "\x00", "\x85", "\u2028", "\ufeff", "${", "@", "`"]
            ) + line[cut:]  # fmt: skip
        elif operation == 7:
            lines = lines[: rng.randrange(len(lines) + 1)]
        elif operation == 8:
            lines[index] = line + " " + "y" * rng.choice([5_000, 200_000])
        elif operation == 9:
            lines.insert(index, "anchor: &a {" + ", ".join(f"k{i}: *a" for i in range(3)) + "}")
        elif operation == 10:
            lines.insert(index, rng.choice(UNICODE) + ": " + rng.choice(UNICODE))
        elif operation == 11:
            lines.insert(index, "---")
        else:
            lines[index] = line.replace(":", "", 1)
    return "\n".join(lines)


_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _safe_dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=1_000_000)


def make_case(all_seeds: list[Seed], seed: int, number: int) -> tuple[Seed, str]:
    """The case ``number`` of campaign ``seed``: always the same text for the same pair."""
    rng = random.Random(f"{seed}:{number}")
    base = rng.choice(all_seeds)
    kind = rng.random()
    if kind < 0.7:
        text = _safe_dump(mutate_tree(base.data, rng))
    elif kind < 0.92:
        text = mutate_text(base.text, rng)
    else:
        text = mutate_text(_safe_dump(mutate_tree(base.data, rng)), rng)
    return base, text


# ---- checking one case ---------------------------------------------------------------------

_YAML_BREAK = re.compile("\r\n|\r|\n|\x85|\u2028|\u2029")


def check_case(base: Seed, text: str) -> None:
    """Check and compile ``text`` as `smpipe validate --env` does and render every output
    format; raise AssertionError on an unpositioned or unknown diagnostic."""
    from compiler import diagnostic_formats, diagnostics
    from compiler.compile import check_document
    from compiler.loader import load_text
    from compiler.rules import RULES

    known = {rule.id for rule in RULES}
    document = load_text(text, "fuzz.yaml")
    result = check_document(document, base.path, base.env, None, True)
    line_count = len(_YAML_BREAK.findall(text)) + 1  # YAML's line breaks, \u2028 included
    for d in result.diagnostics:
        assert d.rule in known, f"unknown rule id {d.rule!r}"
        assert d.message, "empty message"
        assert d.line >= 1 and d.col >= 1, f"unpositioned: {d}"
        if d.file == "fuzz.yaml":
            assert d.line <= line_count, f"line {d.line} past the end ({line_count}): {d}"
    if not result.errors:
        assert result.spec is not None and result.text is not None, "no errors, no definition"
    diagnostics.render_text(result.diagnostics, result.sources)
    diagnostics.render_json(result.diagnostics)
    diagnostic_formats.render_github(result.diagnostics)
    diagnostic_formats.render_sarif(result.diagnostics)


# ---- the campaign: a worker process, a per-case timeout and memory limit ----------------------


def _worker(connection: Connection, seed: int, memory_mib: int) -> None:
    limit = memory_mib * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    all_seeds = seeds()
    import compiler.compile  # noqa: F401  (imported before the first case is timed)

    connection.send(("ready", ""))
    while True:
        number = connection.recv()
        if number is None:
            return
        base, text = make_case(all_seeds, seed, number)
        try:
            check_case(base, text)
        except BaseException:
            connection.send(("traceback", traceback.format_exc()))
        else:
            connection.send(("ok", ""))


@dataclass
class Figures:
    cases: int = 0
    tracebacks: int = 0
    hangs: int = 0
    crashes: int = 0
    slowest: float = 0.0
    slowest_case: int = -1
    # Timed out once, then passed in a fresh worker (a loaded machine, not the case).
    retried: int = 0


def _start(seed: int, memory_mib: int) -> tuple[multiprocessing.Process, Connection]:
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.Process(target=_worker, args=(child, seed, memory_mib), daemon=True)
    process.start()
    if not parent.poll(120):
        raise SystemExit("the fuzz worker did not start")
    parent.recv()
    return process, parent


def _keep(out: Path, kind: str, seed: int, number: int, detail: str) -> Path:
    base, text = make_case(seeds(), seed, number)
    folder = out / f"{kind}-{seed}-{number}"
    (folder / "env").mkdir(parents=True, exist_ok=True)
    env_file = base.path.parent / "env" / f"{base.env}.yaml"
    if env_file.exists():
        shutil.copy(env_file, folder / "env" / env_file.name)
    (folder / "spec.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    (folder / "failure.txt").write_text(
        f"smpipe validate {folder / 'spec.yaml'} --env {base.env}\n\n{detail}\n"
    )
    return folder


def _run(
    connection: Connection, process: multiprocessing.Process, number: int, timeout: float
) -> tuple[str, str]:
    connection.send(number)
    if not connection.poll(timeout):
        return "hang", f"no answer within {timeout} s"
    try:
        status, detail = connection.recv()
    except EOFError:
        process.join(5)
        return "crash", f"the worker died (exit code {process.exitcode})"
    return status, detail


def campaign(
    cases: int, seed: int, timeout: float, memory_mib: int, out: Path, first: int = 0
) -> Figures:
    figures = Figures()
    process, connection = _start(seed, memory_mib)
    start = time.perf_counter()
    try:
        for number in range(first, first + cases):
            figures.cases += 1
            began = time.perf_counter()
            status, detail = _run(connection, process, number, timeout)
            if status == "hang":  # once more in a fresh worker: was it the machine's load?
                process.kill()
                process.join()
                process, connection = _start(seed, memory_mib)
                began = time.perf_counter()
                status, detail = _run(connection, process, number, timeout)
                figures.retried += status == "ok"
            elapsed = time.perf_counter() - began
            if number and number % 1000 == 0:
                print(f"... {number} cases", flush=True)
            if status == "ok":
                if elapsed > figures.slowest:
                    figures.slowest, figures.slowest_case = elapsed, number
                continue
            if status == "traceback":
                figures.tracebacks += 1
            elif status == "hang":
                figures.hangs += 1
            else:
                figures.crashes += 1
            folder = _keep(out, status, seed, number, detail)
            print(f"{status}: case {number} -> {folder}", flush=True)
            if status != "traceback":  # a fresh worker for the next case
                process.kill()
                process.join()
                process, connection = _start(seed, memory_mib)
    finally:
        connection.send(None)
        process.join(5)
    figures_time = time.perf_counter() - start
    print(
        f"cases {figures.cases}, tracebacks {figures.tracebacks}, hangs {figures.hangs}, "
        f"crashes {figures.crashes}; {figures_time:.0f} s in all "
        f"({figures_time / max(figures.cases, 1) * 1000:.0f} ms a case), slowest case "
        f"{figures.slowest:.2f} s (#{figures.slowest_case}); bounds {timeout} s and "
        f"{memory_mib} MiB a case; {figures.retried} timed out once and passed when retried"
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds a case may take")
    parser.add_argument("--memory-mib", type=int, default=1024, help="address space a case may use")
    parser.add_argument("--out", type=Path, default=ROOT / "fuzz-failures")
    parser.add_argument("--first", type=int, default=0, help="number of the first case")
    args = parser.parse_args()
    figures = campaign(args.cases, args.seed, args.timeout, args.memory_mib, args.out, args.first)
    sys.exit(1 if figures.tracebacks or figures.hangs or figures.crashes else 0)


if __name__ == "__main__":
    main()
