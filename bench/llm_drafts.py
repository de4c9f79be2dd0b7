"""LLM drafts: provider requests per repeated failure, and the time a draft takes.

    python -m bench.llm_drafts               # 100 repeated failures, 12 timed drafts
    python -m bench.llm_drafts --quick       # 30 and 5 (well under a minute)
    python -m bench.llm_drafts --delay 2.0   # the fake model answers after 2 s (default 0.8)

The drafting entry point (`drafts.draft_for_unmatched`, as the posting path calls it once
the matched spells are posted) runs against a fresh database holding the starter spellbook
and the real OpenAI SDK pointed at the fake OpenAI server from the tests, which answers
after `--delay` seconds.

Requests: one error fails again and again (the same message with another widget name each
time, so the same fingerprint), in waves of ten concurrent failures, as ten workers would
see them, across two installations. Baseline, measured in the same run: asking the model
on every failure (what "call the API and insert" does). Also counted: the same during an
outage (the fake answers 500), where the first attempt and its SDK retries are all that is
sent before the error cools down.

Time: drafting runs after the check run is posted, so it adds nothing to the time until
the matched spells appear; what it takes is the time until the draft can be added to the
run. Measured per call: a new error (drafted), a repeat (reused), a failure that arrives
while another worker drafts the same error (waits for it), and a repository that did not
opt in. Baseline in the same run: one bare SDK request to the same fake, the floor of any
draft.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench._support import (  # noqa: E402
    BENCH_SECRET_KEY,
    bench_database,
    percentile,
    print_table,
    quiet_logging,
    ratio,
)
from grimoire_bot.db import open_pool  # noqa: E402
from grimoire_bot.drafts import DraftDeps, OutcomeKind, draft_for_unmatched  # noqa: E402
from grimoire_bot.llm import build_prompt, open_provider  # noqa: E402
from grimoire_bot.redaction import Redactor  # noqa: E402
from grimoire_bot.settings import AppEnv, LLMProvider, Settings  # noqa: E402
from grimoire_bot.spellbook import io as spellbook_io  # noqa: E402
from tests.drafts_scenarios import (  # noqa: E402
    INSTALLATION_ID,
    OTHER_INSTALLATION_ID,
    OTHER_REPO,
    REPO,
    delivery,
    error_record,
    install,
    set_auto_generate,
)
from tests.fakes.openai import FakeOpenAI  # noqa: E402

WAVE = 10
GOAL_REQUESTS = 1


@dataclass
class Results:
    failures: int
    requests: int = 0
    naive_requests: int = 0
    outage_requests: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    bare: list[float] = field(default_factory=list)
    drafted: list[float] = field(default_factory=list)
    reused: list[float] = field(default_factory=list)
    waited: list[float] = field(default_factory=list)
    not_opted_in: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def settings_for(fake: FakeOpenAI) -> Settings:
    return Settings(
        app_env=AppEnv.TEST,
        secret_key=BENCH_SECRET_KEY,
        llm_provider=LLMProvider.OPENAI,
        openai_api_key=fake.api_key,
        openai_base_url=fake.base_url,
        auto_create_spells=True,
        llm_daily_drafts=10_000,
        llm_daily_cost_usd=1_000.0,
        llm_daily_drafts_per_installation=10_000,
        llm_daily_cost_usd_per_installation=1_000.0,
        llm_timeout_seconds=30.0,
        llm_max_retries=2,
        llm_deadline_seconds=60.0,
        db_pool_max=20,
    )


def message(tool: str, variant: int) -> str:
    return f"fatal: {tool} quota exhausted for widget 'w{variant}' (code FQX-17)"


def tool_name(prefix: str, number: int) -> str:
    """A name per sample in letters only: fingerprints mask digits, so `tool1` and `tool2`
    would be the same error."""
    letters = ""
    while True:
        number, digit = divmod(number, 26)
        letters = chr(ord("a") + digit) + letters
        if not number:
            return prefix + letters


async def timed(coro) -> tuple[float, list]:
    started = time.perf_counter()
    outcomes = await coro
    return time.perf_counter() - started, outcomes


async def one_failure(deps: DraftDeps, tool: str, number: int) -> tuple[float, list]:
    """One failed job of `tool`'s error: a delivery, then the drafting call on it."""
    repo, installation = (
        (REPO, INSTALLATION_ID) if number % 2 else (OTHER_REPO, OTHER_INSTALLATION_ID)
    )
    delivery_id = await delivery(deps.pool, f"{tool}-{number}", repo.full_name)
    error = error_record(message(tool, number))
    return await timed(draft_for_unmatched(deps, [error], repo, installation, delivery_id))


async def repeated_failures(deps: DraftDeps, fake: FakeOpenAI, results: Results) -> None:
    before = len(fake.requests)
    for start in range(0, results.failures, WAVE):
        wave = await asyncio.gather(
            *(
                one_failure(deps, "frobnicator", n)
                for n in range(start, min(start + WAVE, results.failures))
            )
        )
        for seconds, [outcome] in wave:
            results.outcomes[outcome.kind.value] = results.outcomes.get(outcome.kind.value, 0) + 1
            if start and outcome.kind is OutcomeKind.REUSED:
                results.reused.append(seconds)
            elif outcome.kind is OutcomeKind.REUSED:
                results.waited.append(seconds)  # the first wave waits for the one drafting
    results.requests = len(fake.requests) - before
    if results.requests > GOAL_REQUESTS:
        results.problems.append(f"{results.requests} requests for one repeated error")


async def naive_baseline(deps: DraftDeps, fake: FakeOpenAI, results: Results) -> None:
    """Asking on every failure, ten at a time: what a design without the claim sends."""
    assert deps.provider is not None
    before = len(fake.requests)
    prompt = build_prompt(error_record(message("naive", 0)), deps.redactor)
    for start in range(0, results.failures, WAVE):
        count = min(WAVE, results.failures - start)
        await asyncio.gather(*(deps.provider.ask(prompt) for _ in range(count)))
    results.naive_requests = len(fake.requests) - before


async def outage(deps: DraftDeps, fake: FakeOpenAI, results: Results) -> None:
    fake.fail(500, times=10_000, retry_after_ms="20")
    before = len(fake.requests)
    for start in range(0, results.failures, WAVE):
        await asyncio.gather(
            *(
                one_failure(deps, "outage", n)
                for n in range(start, min(start + WAVE, results.failures))
            )
        )
    fake.script.clear()
    results.outage_requests = len(fake.requests) - before


async def latencies(deps: DraftDeps, results: Results, samples: int) -> None:
    assert deps.provider is not None
    for n in range(samples):
        prompt = build_prompt(error_record(message(tool_name("bare", n), n)), deps.redactor)
        started = time.perf_counter()
        await deps.provider.ask(prompt)
        results.bare.append(time.perf_counter() - started)
        seconds, [outcome] = await one_failure(deps, tool_name("gizmo", n), n)
        if outcome.kind is not OutcomeKind.DRAFTED:
            results.problems.append(f"draft {n}: {outcome.kind.value} ({outcome.reason})")
        results.drafted.append(seconds)
    async with deps.pool.acquire() as conn:
        await set_auto_generate(conn, REPO.id, False)
    for n in range(samples):
        seconds, outcomes = await one_failure(deps, tool_name("quiet", n), 2 * n + 1)  # REPO
        if outcomes:
            results.problems.append("a repository that did not opt in got a draft")
        results.not_opted_in.append(seconds)


async def run(failures: int, samples: int, delay: float) -> Results:
    results = Results(failures)
    async with FakeOpenAI(answer_delay=delay) as fake:
        settings = settings_for(fake)
        with bench_database("llm") as url:
            async with open_pool(url, min_size=2, max_size=settings.db_pool_max) as pool:
                async with pool.acquire() as conn:
                    await install(conn)
                    # A draft is checked against every spell's examples: the starter book's.
                    await spellbook_io.seed_if_empty(conn)
                provider = open_provider(settings)
                deps = DraftDeps(pool, settings, provider, Redactor(settings.secret_values))
                try:
                    await repeated_failures(deps, fake, results)
                    await naive_baseline(deps, fake, results)
                    await outage(deps, fake, results)
                    await latencies(deps, results, samples)
                finally:
                    if provider is not None:
                        await provider.close()
    return results


def _ms(values: Sequence[float], fraction: float) -> float:
    return percentile(values, fraction) * 1000


def report(results: Results, delay: float) -> int:
    n = results.failures
    print(f"fake model answers after {delay:g} s; {n} repeated failures in waves of {WAVE}")
    print()
    print_table(
        ["provider requests", "per failure", f"per {n} failures", "x grimoire"],
        [
            ["grimoire (claim, reuse)", results.requests / n, results.requests, 1.0],
            [
                "baseline: ask on every failure",
                results.naive_requests / n,
                results.naive_requests,
                ratio(results.naive_requests, results.requests),
            ],
            [
                "grimoire during an outage (500s)",
                results.outage_requests / n,
                results.outage_requests,
                ratio(results.outage_requests, results.requests),
            ],
        ],
    )
    print(
        "outcomes of the repeated failures: "
        + ", ".join(f"{kind} {count}" for kind, count in sorted(results.outcomes.items()))
    )
    print()
    bare50 = _ms(results.bare, 0.5)
    rows = [
        ["baseline: one bare SDK request", bare50, _ms(results.bare, 0.99), 1.0, len(results.bare)],
        [
            "new error: drafted",
            _ms(results.drafted, 0.5),
            _ms(results.drafted, 0.99),
            ratio(_ms(results.drafted, 0.5), bare50),
            len(results.drafted),
        ],
        [
            "same error while it is drafted (waits)",
            _ms(results.waited, 0.5),
            _ms(results.waited, 0.99),
            ratio(_ms(results.waited, 0.5), bare50),
            len(results.waited),
        ],
        [
            "repeat: reused",
            _ms(results.reused, 0.5),
            _ms(results.reused, 0.99),
            ratio(_ms(results.reused, 0.5), bare50),
            len(results.reused),
        ],
        [
            "repository not opted in",
            _ms(results.not_opted_in, 0.5),
            _ms(results.not_opted_in, 0.99),
            ratio(_ms(results.not_opted_in, 0.5), bare50),
            len(results.not_opted_in),
        ],
    ]
    print_table(["time until the draft can be shown", "p50 ms", "p99 ms", "x bare", "n"], rows)
    print("time added before the matched spells are posted: none (drafting runs after posting)")
    for problem in results.problems:
        print(f"PROBLEM: {problem}")
    drafted50 = _ms(results.drafted, 0.5)
    met = results.requests <= GOAL_REQUESTS
    print(f"goal: {GOAL_REQUESTS} request per {n} repeated failures {'met' if met else 'NOT met'}")
    print(
        f"README figures: {results.requests} provider request per {n} repeated failures "
        f"(asking on every failure: {results.naive_requests}; during an outage: "
        f"{results.outage_requests}); a new error's draft ready p50 "
        f"{drafted50 / 1000:.2f} s = {ratio(drafted50, bare50):.2f}x "
        f"a bare {bare50 / 1000:.2f} s model request, a repeat p50 "
        f"{_ms(results.reused, 0.5):.0f} ms; nothing added before the matched spells are posted"
    )
    return 1 if results.problems else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="30 failures, 5 timed drafts")
    parser.add_argument("--failures", type=int, default=None)
    parser.add_argument("--samples", type=int, default=None)
    parser.add_argument("--delay", type=float, default=0.8, help="the fake model's answer time")
    args = parser.parse_args(argv)
    failures = args.failures or (30 if args.quick else 100)
    samples = args.samples or (5 if args.quick else 12)
    quiet_logging()
    results = asyncio.run(run(failures, samples, args.delay))
    return report(results, args.delay)


if __name__ == "__main__":
    raise SystemExit(main())
