"""Primary-location accuracy on the project's own set, through the public HTTP API.

    python -m bench.eval_locate                    # the development side, misses listed
    python -m bench.eval_locate --split heldout    # the frozen held-out side (report, never tune)
    python -m bench.eval_locate --split ciroots    # the frozen CI-roots split (report, never tune)
    python -m bench.eval_locate --split round2-dev      # the second round's development side
    python -m bench.eval_locate --split round2-heldout  # its frozen held-out side (never tune)
    python -m bench.eval_locate --split round3-dev      # the third round's (tuned on)
    python -m bench.eval_locate --split round3-heldout  # its frozen held-out side (never tune)
    python -m bench.eval_locate --split round5-dev      # the fifth round's (tuned on)
    python -m bench.eval_locate --split round5-heldout  # its frozen held-out side (never tune)
    python -m bench.eval_locate --split round6-heldout  # the sixth round: held out only
    python -m bench.eval_locate --quick            # at most 15 misses listed

Held-out and CI-roots cases are only counted, never listed: people tuning the matcher run this too.

Each case of `bench/evalset/locate-<split>.jsonl` is a real tool output with the expected
primary `path:line`, repository-relative. A fresh database and the real app (`create_app`)
on loopback: sign up, POST the set's spellbook to `/api/spells`, then POST each log to
`/api/match`. The primary location is the file and line of the error the best match fixes,
or, with no match (or a match on an error without a file), of the first error that has a
file: what a reader would be sent to first. It is right when it equals the expected one
after normalising separators (`\\` to `/`, a leading `./` dropped); an absolute path or a
CI workspace root left in front counts as wrong, since annotations need repository paths.

Two diagnostics beside it: `any error` (some extracted error has the expected location) and
`suffix` (the primary path ends with the expected one: right file, root not stripped).
When the API documents a `files` field on the match request, every case that lists files is
run again with them (tree resolution); until then only the text-only mode is measured. A
third mode sends the name of the repository the case's thread is in (`repository`, after
installing it in the benchmark's database): what a check run without its commit's tree, or
a caller naming the repository, gets.
Baseline in the same run: the first `path:line` or `path(line` token of the log.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

from bench._support import (  # noqa: E402
    bench_database,
    print_table,
    quiet_logging,
)
from bench.eval_matching import bench_settings, load_spells, sign_up  # noqa: E402
from bench.evalset import (  # noqa: E402
    CIROOTS_SPLIT,
    Kind,
    Split,
    load_cases,
    load_ciroots,
    load_spellbook,
    print_breakdown,
    split_directory,
    split_names,
)
from grimoire_bot.app import create_app  # noqa: E402
from grimoire_bot.db import installations as db_installations  # noqa: E402
from grimoire_bot.db import open_pool  # noqa: E402

GOAL = 0.90  # issue 11: primary location right in at least 90% of held-out outputs
REPOSITORY_RE = re.compile(r"^https://github\.com/([\w.-]+/[\w.-]+)/")
BENCH_INSTALLATION_ID = 1
RETURNED_LIMIT = 5
MATCH_TIMEOUT_SECONDS = 120
QUICK_MISSES = 15
# A path with an extension, then `:line` or `(line`: the naive reading of a log.
NAIVE_LOCATION = re.compile(r"((?:[A-Za-z]:)?[\w.\\/@+-]*\w\.\w+)(?::|\()(\d+)")


@dataclass(frozen=True)
class Location:
    path: str
    line: int | None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Outcome:
    case: Mapping[str, Any]
    primary: Location | None
    found: tuple[Location, ...]  # every extracted error that has a file
    error: str | None = None

    @property
    def expected(self) -> Location:
        return Location(normalise(self.case["expected"]["path"]), self.case["expected"]["line"])

    @property
    def right(self) -> bool:
        return self.primary == self.expected

    @property
    def any_right(self) -> bool:
        return self.expected in self.found

    @property
    def suffix_right(self) -> bool:
        primary, expected = self.primary, self.expected
        return primary is not None and primary.line == expected.line and (
            primary.path == expected.path or primary.path.endswith("/" + expected.path)
        )


def normalise(path: str) -> str:
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def located(error: Mapping[str, Any]) -> Location | None:
    return Location(normalise(error["file"]), error.get("line")) if error.get("file") else None


def primary_location(answer: Mapping[str, Any]) -> tuple[Location | None, tuple[Location, ...]]:
    errors = answer["errors"]
    found = tuple(loc for loc in map(located, errors) if loc is not None)
    matches = answer["matches"]
    if matches:
        index = matches[0]["error_index"]
        best = located(errors[index]) if 0 <= index < len(errors) else None
        if best is not None:
            return best, found
    return (found[0] if found else None), found


def naive(case: Mapping[str, Any]) -> Outcome:
    hit = NAIVE_LOCATION.search(case["log"])
    primary = Location(normalise(hit.group(1)), int(hit.group(2))) if hit else None
    return Outcome(case, primary, (primary,) if primary else ())


# ------------------------------------------------------------------ the API side


async def accepts_files(session: aiohttp.ClientSession, base: str) -> bool:
    """Whether POST /api/match documents a `files` field (tree resolution) in the OpenAPI."""
    async with session.get(f"{base}/openapi.json") as response:
        if response.status != 200:
            return False
        document = await response.json()
    try:
        body = document["paths"]["/api/match"]["post"]["requestBody"]
        schema: Any = body["content"]["application/json"]["schema"]
        while "$ref" in schema:
            node: Any = document
            for part in schema["$ref"].lstrip("#/").split("/"):
                node = node[part]
            schema = node
    except KeyError:
        return False
    return "files" in schema.get("properties", {})


def repository_of(case: Mapping[str, Any]) -> str | None:
    """The `owner/name` of the repository the case's thread is in."""
    found = REPOSITORY_RE.match(case["source"])
    return found.group(1) if found else None


async def install_repositories(database_url: str, cases: Sequence[Mapping[str, Any]]) -> None:
    """Install every case's repository (once, whatever its case) under one installation, so
    that `/api/match` accepts its name."""
    names = sorted({name for case in cases if (name := repository_of(case))}, key=str.lower)
    repositories: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, name in enumerate(names, start=1):
        if name.lower() not in seen:
            seen.add(name.lower())
            repositories.append({"id": number, "full_name": name, "private": False})
    async with open_pool(database_url, max_size=1) as pool, pool.acquire() as conn:
        await db_installations.upsert_installation(
            conn, {"id": BENCH_INSTALLATION_ID, "account": {"login": "bench"}}
        )
        await db_installations.add_repositories(conn, BENCH_INSTALLATION_ID, repositories)


async def locate(
    session: aiohttp.ClientSession,
    base: str,
    cases: Sequence[Mapping[str, Any]],
    with_files: bool = False,
    with_repository: bool = False,
) -> list[Outcome]:
    outcomes = []
    timeout = aiohttp.ClientTimeout(total=MATCH_TIMEOUT_SECONDS)
    for case in cases:
        request: dict[str, Any] = {"log": case["log"], "limit": RETURNED_LIMIT}
        if with_files:
            request["files"] = case["files"]
        if with_repository and (name := repository_of(case)):
            request["repository"] = name
        async with session.post(f"{base}/api/match", json=request, timeout=timeout) as response:
            answer = await response.json(content_type=None)
            if response.status != 200:
                outcomes.append(Outcome(case, None, (), f"{response.status}: {answer}"))
                continue
        outcomes.append(Outcome(case, *primary_location(answer)))
    return outcomes


@dataclass
class ApiRun:
    refused: int
    text_only: list[Outcome]
    with_files: list[Outcome] | None  # None: the API has no `files` field yet
    with_repository: list[Outcome]


async def through_api(
    spells: Sequence[Mapping[str, Any]], cases: Sequence[Mapping[str, Any]]
) -> ApiRun:
    settings = bench_settings()
    with bench_database("locate") as database_url:
        runner = web.AppRunner(create_app(settings, database_url), access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            base = f"http://127.0.0.1:{runner.addresses[0][1]}"
            async with aiohttp.ClientSession() as session:
                token = await sign_up(session, base)
                loaded = await load_spells(session, base, token, spells)
                text_only = await locate(session, base, cases)
                with_files = None
                if await accepts_files(session, base):
                    listed = [case for case in cases if case.get("files")]
                    with_files = await locate(session, base, listed, with_files=True)
                await install_repositories(database_url, cases)
                with_repository = await locate(session, base, cases, with_repository=True)
        finally:
            await runner.cleanup()
    return ApiRun(len(loaded.refused), text_only, with_files, with_repository)


# ------------------------------------------------------------------ the report


def share(outcomes: Sequence[Outcome], attribute: str) -> float:
    if not outcomes:
        return float("nan")
    return sum(getattr(o, attribute) for o in outcomes) / len(outcomes)


def print_misses(outcomes: Sequence[Outcome], limit: int | None) -> None:
    rows = [
        [o.case["id"], o.case["tool"], str(o.expected), o.error or str(o.primary or "(none)"),
         ",".join(o.case["classes"]) or "-"]
        for o in outcomes if not o.right
    ]
    print()
    shown = rows if limit is None else rows[:limit]
    print_table(["case", "tool", "expected", "primary returned", "classes"], shown)
    if len(shown) < len(rows):
        print(f"... and {len(rows) - len(shown)} more (run without --quick to see all)")


def print_mode(title: str, outcomes: Sequence[Outcome], baseline: Sequence[Outcome]) -> None:
    print()
    print(f"{title}: {len(outcomes)} cases")
    rows = [[name, f"{share(outcomes, attribute):.3f}", f"{share(baseline, attribute):.3f}"]
            for name, attribute in (("primary location", "right"), ("any error", "any_right"),
                                    ("suffix (root kept)", "suffix_right"))]
    print_table(["measure", "grimoire API", "first path:line"], rows)


def report(split: str, run: ApiRun, baseline: Sequence[Outcome], quick: bool) -> None:
    outcomes = run.text_only
    right = [o.right for o in outcomes]
    print_breakdown("tool", [[o.case["tool"]] for o in outcomes], right)
    print_breakdown("CI system", [[o.case["ci"]] for o in outcomes], right)
    print_breakdown("class", [o.case["classes"] for o in outcomes], right)
    listed_misses = split == Split.DEV or split.endswith("-" + Split.DEV)
    if listed_misses:  # held-out and CI-roots cases are counted, never listed
        print_misses(outcomes, QUICK_MISSES if quick else None)
    print_mode("text only", outcomes, baseline)
    listed = {o.case["id"] for o in run.with_files or ()}
    if run.with_files is None:
        print("with files: not measured, POST /api/match has no `files` field")
        files_figure = "with files not offered by the API"
    else:
        if listed_misses:
            print_misses(run.with_files, QUICK_MISSES if quick else None)
        print_mode("with files", run.with_files, [b for b in baseline if b.case["id"] in listed])
        files_figure = f"with files {share(run.with_files, 'right'):.2f}"
    print_mode("with the repository's name", run.with_repository, baseline)
    primary = share(outcomes, "right")
    met = "met" if primary >= GOAL else "NOT met"
    print(f"goal: primary location >= {GOAL:.2f} {met}; {run.refused} spells refused")
    tools = len({o.case["tool"] for o in outcomes})
    print(
        f"README figures: primary location {primary:.2f} text only, {files_figure}, "
        f"with the repository's name {share(run.with_repository, 'right'):.2f} "
        f"(any error {share(outcomes, 'any_right'):.2f}, "
        f"root kept {share(outcomes, 'suffix_right'):.2f}; "
        f"first path:line in the log {share(baseline, 'right'):.2f}) on {len(outcomes)} "
        f"grimoire-{split} cases, {tools} tools"
    )


def load_split(split: str) -> list[dict[str, Any]]:
    if split == CIROOTS_SPLIT:
        return load_ciroots()
    directory, side = split_directory(split)
    return load_cases(Kind.LOCATE, side, directory)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=[*split_names(), CIROOTS_SPLIT],
                        default=Split.DEV.value,
                        help="which side of bench/evalset/ (or of a later round), or the "
                             "separate CI-roots split (tune on dev sides only)")
    parser.add_argument("--quick", action="store_true", help=f"list at most {QUICK_MISSES} misses")
    args = parser.parse_args(argv)
    quiet_logging()
    split = args.split
    cases = load_split(split)
    run = asyncio.run(through_api(load_spellbook(), cases))
    report(split, run, [naive(case) for case in cases], args.quick)
    failed = sum(
        1 for o in [*run.text_only, *(run.with_files or ()), *run.with_repository] if o.error
    )
    if failed:  # a refused request would otherwise read as a localisation miss
        print(f"INVALID RUN: {failed} requests to /api/match failed")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
