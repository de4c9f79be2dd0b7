"""How the matching engine scales with spellbook size and log size, against a plain loop.

    python bench/match_scale.py            # 1k, 10k, 100k spells x 1 MB and 10 MB logs
    python bench/match_scale.py --quick    # 1k and 10k spells x 1 MB (under a minute)

Every cell runs twice: by pattern and words only (the baseline), and with matching by
meaning on (the bundled embedding model, `+meaning` rows). For those, "model" is loading
the model and "embed" is computing every spell's vector, which a deployment does once per
spell change and keeps in Postgres; their "build" is what a process start costs, with the
vectors already computed.

Spells and logs are synthetic but shaped like real ones: spell patterns follow the forms
real spells use (literal-led messages with captured names, compiler codes, anchored
`path:line:col` shapes, alternations, case-insensitive phrases) with made-up identifiers,
and logs are runner output (timestamps, ANSI colour, group markers, install and test
progress) with a few real-looking failures, some of which the spells were written for.

Each cell runs in a fresh process so its peak memory is its own. "engine" is the whole
pipeline for one log, `diagnose()`: clean, extract, match, rank. "loop" is the naive
alternative measured in the same process: Python `re.search` of every spell pattern over
the cleaned log. For big cells the loop is timed on a sample of patterns and extrapolated
linearly (marked `~`). Timings are medians; the machine is shared and noisy, so the ratio
is the claim, not the absolute time.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from grimoire_bot.matching import SpellDoc, SpellIndex, clean_log, diagnose  # noqa: E402
from grimoire_bot.matching.index import spell_meaning_text  # noqa: E402

MB = 1024 * 1024
FULL_CELLS = [(1_000, 1), (1_000, 10), (10_000, 1), (10_000, 10), (100_000, 1), (100_000, 10)]
QUICK_CELLS = [(1_000, 1), (10_000, 1)]
LOOP_SAMPLE_BUDGET_SECONDS = 6.0
ERROR_EVERY_LINES = 1500
SEED = 20240501

SYLLABLES = (
    "ka",
    "lo",
    "mi",
    "ne",
    "ru",
    "ta",
    "vo",
    "zi",
    "pe",
    "qu",
    "ster",
    "gen",
    "dor",
    "fax",
    "lin",
    "mor",
    "bel",
    "cra",
    "dun",
    "pix",
    "sol",
    "tre",
    "wik",
    "yam",
)
# fmt: off
WORDS = (
    "failed", "cannot", "find", "module", "named", "resolve", "dependency", "package", "version",
    "lock", "file", "config", "found", "missing", "undefined", "reference", "type", "assignable",
    "property", "exist", "import", "install", "build", "compile", "test", "timeout", "denied",
    "permission", "access", "token", "network", "connection", "refused", "invalid",
    "unsupported", "unexpected", "token", "syntax", "declaration", "expected", "argument",
    "return", "value", "null", "pointer", "index", "range", "overflow", "memory", "heap",
    "stack", "limit", "exceeded", "certificate", "verify", "checksum", "mismatch", "signature",
    "header", "library", "symbol", "linker", "duplicate", "conflict", "peer", "requires",
    "newer", "older", "runtime", "engine", "platform", "architecture", "interpreter",
    "environment", "variable", "secret", "credentials", "registry", "image", "layer", "context",
    "directory", "path", "permission", "executable", "script", "command", "plugin", "extension",
    "schema", "migration", "database", "column", "table", "constraint", "violation", "deadlock",
    "transaction", "query", "parse", "encode", "decode", "serialize", "deserialize", "format",
    "invalid", "option", "flag", "deprecated", "removed", "renamed", "incompatible", "mismatch",
    "target", "release", "toolchain", "compiler", "sdk", "framework", "workspace", "member",
    "manifest", "lockfile", "frozen", "outdated", "stale", "cache", "artifact", "upload",
    "download", "retention", "quota",
)
# fmt: on
# Noise lines talk about the project's own things, not about failures.
# fmt: off
NOUNS = (
    "user", "order", "cart", "payment", "session", "router", "handler", "client", "server",
    "config", "schema", "model", "view", "widget", "parser", "lexer", "token", "queue", "worker",
    "scheduler", "metrics", "logger", "cache", "store", "index", "report", "invoice", "account",
    "profile", "search", "upload", "export", "import", "bundle", "asset", "layout", "theme",
)
# fmt: on
CLASS_ROOTS = (
    "Import",
    "Attribute",
    "Value",
    "Type",
    "Key",
    "Runtime",
    "Assertion",
    "Lookup",
    "Connection",
    "Timeout",
    "Permission",
    "FileNotFound",
    "NotImplemented",
    "OS",
)
TOOLS = (
    ("python", "pip,pytest"),
    ("node", "npm,webpack"),
    ("typescript", "tsc"),
    ("go", "go"),
    ("rust", "cargo"),
    ("java", "maven,gradle"),
    ("cpp", "gcc,cmake"),
    ("ruby", "bundler"),
    ("docker", "buildkit"),
    ("github-actions", "actions"),
    ("shell", "bash"),
    ("dotnet", "msbuild"),
    ("eslint", "eslint"),
    ("jest", "jest"),
)
NOISE_LINES = (
    "Collecting {w}-{i}=={v}",
    "  Downloading {w}_{i}-{v}-py3-none-any.whl (62 kB)",
    "tests/test_{w}.py::test_{i}_{w} PASSED                                 [ 42%]",
    "   Compiling {w}-{i} v{v}",
    "ok  \tgithub.com/acme/{w}/internal/{i}\t0.021s",
    "[INFO] Building jar: /home/runner/work/{w}/{w}/target/{i}-{v}.jar",
    "npm WARN deprecated {w}@{v}: This module is no longer maintained",
    "gcc -O2 -Wall -c src/{w}/{i}.c -o build/{i}.o",
    "added {n} packages, and audited {n} packages in 12s",
    "\x1b[32m\u2713\x1b[0m {w} handles {i} correctly ({n} ms)",
    "Step {n}/{n} : RUN pip install --no-cache-dir {w}",
    "    {i}_test.go:{n}: setting up the {w} fixture",
    "Resolving deltas: {n}% ({n}/{n}), done.",
    "Requirement already satisfied: {w} in ./venv/lib/python3.12/site-packages ({v})",
)
ERROR_BLOCKS = (
    'Traceback (most recent call last):\n  File "/home/runner/work/app/app/src/{w}.py", '
    "line {n}, in <module>\n    import {i}\n{example}",
    "{example}\nError: Process completed with exit code 1.",
    "src/{w}/{i}.ts:{n}:{n} - {example}",
    "npm ERR! code E{W}\nnpm ERR! {example}",
)


def identifier(rng: random.Random) -> str:
    return "".join(rng.choices(SYLLABLES, k=rng.randint(2, 4)))


def phrase(rng: random.Random, low: int = 3, high: int = 6) -> str:
    return " ".join(rng.sample(WORDS, rng.randint(low, high)))


def synthetic_spell(rng: random.Random, spell_id: int) -> tuple[SpellDoc, str]:
    """A spell in one of the shapes real spells take, and an error text it was written for."""
    ecosystem, tags = rng.choice(TOOLS)
    name, words, code = identifier(rng), phrase(rng), rng.randint(1000, 9999)
    cls = rng.choice(CLASS_ROOTS) + identifier(rng).capitalize() + "Error"
    shape = rng.randrange(10)
    if shape == 0:
        example = f"{cls}: {words} '{name}'"
        pattern = rf"{cls}: {re.escape(words)} '([\w.]+)'"
    elif shape == 1:
        example = f"error TS{code}: {words.capitalize()} '{name}'."
        pattern = rf"error TS{code}: {re.escape(words.capitalize())} '[^']+'"
    elif shape == 2:
        example = f"error[E{code:04d}]: {words} `{name}`"
        pattern = rf"error\[E{code:04d}\]: {re.escape(words)}"
    elif shape == 3:
        example = f"./{name}.go:12:5: {words} {name}"
        pattern = rf"(?m)^\S+\.go:\d+:\d+: {re.escape(words)} \w+"
    elif shape == 4:
        other = phrase(rng)
        example = f"{other} {name}"
        pattern = rf"{re.escape(words)}|{re.escape(other)} {name}"
    elif shape == 5:
        example = f"{words.upper()} in {name}"
        pattern = rf"(?i){re.escape(words)} in {name}"
    elif shape == 6:
        example = f"fatal error: {name}/{identifier(rng)}.h: {words}"
        pattern = rf"fatal error: {name}/\w+\.h: {re.escape(words)}"
    elif shape == 7:
        example = f"npm ERR! code E{name.upper()}"
        pattern = rf"npm ERR! code E{name.upper()}\b"
    elif shape == 8:
        example = f"Could not {words} for {name}-{code}"
        pattern = rf"Could not {re.escape(words)} for {name}-\d+"
    else:
        example = f'{words.capitalize()}: "{name}" ({code} > {code - 1})'
        pattern = rf"{re.escape(words.capitalize())}: \"[^\"]+\" \(\d+ > \d+\)"
    spell = SpellDoc(
        id=spell_id,
        title=f"{ecosystem}: {phrase(rng, 2, 4)}",
        description=phrase(rng, 8, 20),
        error_type=(f"TS{code}" if shape == 1 else cls if shape == 0 else None),
        error_pattern=pattern,
        tags=f"{ecosystem},{tags}",
        ecosystem=ecosystem,
        status="approved",
    )
    return spell, example


def synthetic_spellbook(count: int) -> tuple[list[SpellDoc], list[str]]:
    rng = random.Random(SEED)
    pairs = [synthetic_spell(rng, spell_id) for spell_id in range(count)]
    return [spell for spell, _ in pairs], [example for _, example in pairs]


def synthetic_log(size_mb: int, examples: Sequence[str]) -> str:
    """A runner log of about `size_mb` MB with a real-looking failure every so often."""
    rng = random.Random(SEED + size_mb)
    lines: list[str] = ["##[group]Run ./ci.sh"]
    total = 0
    target = size_mb * MB
    number = 0
    while total < target:
        number += 1
        if number % ERROR_EVERY_LINES == 0:
            body = rng.choice(ERROR_BLOCKS).format(
                w=rng.choice(WORDS),
                i=identifier(rng),
                n=rng.randint(1, 400),
                W=rng.choice(WORDS).upper(),
                example=rng.choice(examples),
            )
        else:
            body = rng.choice(NOISE_LINES).format(
                w=rng.choice(NOUNS),
                i=identifier(rng),
                n=rng.randint(1, 4000),
                v=f"{rng.randint(0, 9)}.{rng.randint(0, 40)}.{rng.randint(0, 9)}",
            )
        for line in body.split("\n"):
            stamped = (
                f"2024-05-01T12:{number // 6000 % 60:02d}:{number // 100 % 60:02d}."
                f"{number % 10_000_000:07d}Z {line}"
            )
            lines.append(stamped)
            total += len(stamped) + 1
    lines.append("##[error]Process completed with exit code 1.")
    return "\n".join(lines)


def python_loop_seconds(patterns: Sequence[str], text: str) -> tuple[float, bool]:
    """Seconds for `re.search` of every pattern over `text`: measured, or extrapolated
    from a sample when the whole loop would take too long (second value True)."""
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern, re.MULTILINE))
        except re.error:
            continue
    started = time.perf_counter()
    done = 0
    for regex in compiled:
        regex.search(text)
        done += 1
        if time.perf_counter() - started > LOOP_SAMPLE_BUDGET_SECONDS and done >= 20:
            break
    elapsed = time.perf_counter() - started
    return elapsed * len(compiled) / done, done < len(compiled)


def run_cell(
    spell_count: int, size_mb: int, repeats: int, *, semantic: bool = False
) -> dict[str, float | bool | int]:
    spells, examples = synthetic_spellbook(spell_count)
    log = synthetic_log(size_mb, examples)
    model_seconds = embed_seconds = 0.0
    embedder = vectors = None
    if semantic:
        from grimoire_bot.embeddings import load_embedder

        started = time.perf_counter()
        embedder = load_embedder()
        model_seconds = time.perf_counter() - started
        started = time.perf_counter()
        matrix = embedder.embed([spell_meaning_text(spell) for spell in spells])
        vectors = {spell.id: row for spell, row in zip(spells, matrix, strict=True)}
        embed_seconds = time.perf_counter() - started
    started = time.perf_counter()
    index = SpellIndex.build(spells, embedder=embedder, vectors=vectors)
    build_seconds = time.perf_counter() - started
    started = time.perf_counter()
    diagnose(log, index)
    first = time.perf_counter() - started
    timings = []
    matches = errors = 0
    for _ in range(repeats):
        started = time.perf_counter()
        diagnosis = diagnose(log, index)
        timings.append(time.perf_counter() - started)
        errors, matches = len(diagnosis.errors), len(diagnosis.ranked)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    loop_seconds, extrapolated = (
        (0.0, False)
        if semantic  # the same loop as the baseline row's, not measured twice
        else python_loop_seconds([s.error_pattern for s in spells], clean_log(log))
    )
    engine = statistics.median(timings)
    return {
        "semantic": semantic,
        "model_s": model_seconds,
        "embed_s": embed_seconds,
        "spells": spell_count,
        "log_mb": size_mb,
        "engine_s": engine,
        "first_s": first,
        "loop_s": loop_seconds,
        "extrapolated": extrapolated,
        "speedup": loop_seconds / engine if loop_seconds else 0.0,
        "peak_mb": peak_mb,
        "build_s": build_seconds,
        "errors": errors,
        "matches": matches,
        "skipped": len(index.skipped),
    }


def print_table(rows: Sequence[dict]) -> None:
    print(
        f"{'spells':>14} {'log':>6} {'engine':>9} {'first log':>10} {'re loop':>10} "
        f"{'speed-up':>9} {'peak RSS':>9} {'build':>7} {'model':>6} {'embed':>7} "
        f"{'errors':>6} {'matches':>7}"
    )
    plain = {(r["spells"], r["log_mb"]): r for r in rows if not r["semantic"]}
    for row in rows:
        base = plain.get((row["spells"], row["log_mb"]), row)
        if row["semantic"]:
            row = {**row, "loop_s": base["loop_s"], "extrapolated": base["extrapolated"]}
            row["speedup"] = row["loop_s"] / row["engine_s"]
        loop = f"{'~' if row['extrapolated'] else ''}{row['loop_s']:.1f} s"
        label = f"{row['spells']}{' +meaning' if row['semantic'] else ''}"
        print(
            f"{label:>14} {row['log_mb']:>4} MB {row['engine_s'] * 1000:>6.0f} ms "
            f"{row['first_s'] * 1000:>7.0f} ms {loop:>10} {row['speedup']:>8.0f}x "
            f"{row['peak_mb']:>6.0f} MB {row['build_s']:>5.1f} s {row['model_s']:>4.1f} s "
            f"{row['embed_s']:>5.1f} s {row['errors']:>6} {row['matches']:>7}"
        )
    if any(row["extrapolated"] for row in rows):
        print("~ the re loop was timed on a sample of the patterns and extrapolated linearly")
    print("engine = diagnose(): clean + extract + match + rank for one log, median of the runs")
    print("after the first; first log = the first diagnose() after build, while RE2 still")
    print("builds its DFA states (a long-running worker pays this once per spellbook);")
    print("re loop = Python re.search of every pattern over the cleaned log, same process;")
    print("+meaning rows: speed-up against the same loop; model = loading the embedding")
    print("model; embed = every spell's vector (once per spell change, kept in Postgres).")
    print(f"README figures: {readme_figures(rows)}")


def readme_figures(rows: Sequence[dict]) -> str:
    """The claims: speed-up at 10k spells on 1 MB, time at 100k spells on 10 MB, and what
    matching by meaning adds (engine time, peak RSS, model load, embedding the book)."""
    figures = []
    plain = {(r["spells"], r["log_mb"]): r for r in rows if not r["semantic"]}
    for row in rows:
        if not row["semantic"]:
            continue
        base = plain.get((row["spells"], row["log_mb"]))
        if base is None:
            continue
        speedup = base["loop_s"] / row["engine_s"]
        figures.append(
            f"{row['spells']} spells x {row['log_mb']} MB: {speedup:.0f}x with meaning "
            f"({base['speedup']:.0f}x without), {row['engine_s'] * 1000:.0f} ms "
            f"({base['engine_s'] * 1000:.0f} ms), RSS +{row['peak_mb'] - base['peak_mb']:.0f} MB, "
            f"model {row['model_s']:.1f} s, embed {row['embed_s']:.1f} s"
        )
    return "; ".join(figures)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1k and 10k spells x 1 MB only")
    parser.add_argument(
        "--cell", nargs=2, type=int, metavar=("SPELLS", "MB"), help=argparse.SUPPRESS
    )  # used internally: one cell, JSON out
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--semantic", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.cell:
        result = run_cell(args.cell[0], args.cell[1], args.repeats, semantic=args.semantic)
        print(json.dumps(result))
        return 0
    rows = []
    cells = QUICK_CELLS if args.quick else FULL_CELLS
    for (spell_count, size_mb), semantic in itertools.product(cells, (False, True)):
        repeats = args.repeats if spell_count * size_mb <= 100_000 else 1
        result = subprocess.run(  # noqa: S603 - this script, with our own arguments
            [
                sys.executable,
                __file__,
                "--cell",
                str(spell_count),
                str(size_mb),
                "--repeats",
                str(repeats),
                *(["--semantic"] if semantic else []),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(result.stdout.strip().splitlines()[-1]))
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
