"""When to draft a spell, and drafting it once per error across every worker, within budget.

For each error no spell matched, in a repository that opted in (`auto_generate`) while
AUTO_CREATE_SPELLS is on:

1. A draft already exists for the error's fingerprint: it is reused and the reuse counted,
   in any repository; a draft reviewers rejected is never shown or drafted again.
2. Otherwise one worker claims the fingerprint (a row keyed by it: an insert, or taking
   over a stale claim or an expired cool-down); the others wait for its verdict.
3. The claimer reserves the day's budget (drafts and dollars, global and per installation),
   asks the model, validates the answer, asks once more with the reason if it is not
   acceptable, and stores the draft with its provenance, or records why not and cools
   the fingerprint down so a hot failure does not pay for the same refusal a hundred times.

Nothing here raises: every failure, expected or not, becomes an outcome recorded for the
delivery, and the delivery's other work is untouched.
"""

from __future__ import annotations

import asyncio
import enum
import itertools
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import asyncpg

from grimoire_bot import metrics
from grimoire_bot.db import drafts as db_drafts
from grimoire_bot.db import installations as db_installations
from grimoire_bot.db import llm_budget
from grimoire_bot.db.llm_budget import Cap
from grimoire_bot.llm import (
    PROMPT_VERSION,
    Answer,
    CallStats,
    FailureKind,
    Prompt,
    Provider,
    ProviderFailure,
    Retry,
    build_prompt,
    cost_usd,
    deadline,
    open_provider,
    price_for,
)
from grimoire_bot.llm.costs import estimate_tokens
from grimoire_bot.llm.factory import MAX_OUTPUT_TOKENS
from grimoire_bot.llm.prompt import log_excerpt
from grimoire_bot.matching import ErrorRecord, says_only_that_a_step_failed
from grimoire_bot.redaction import Redactor
from grimoire_bot.settings import Settings

from .validate import DraftFields, InvalidDraft, check_pattern_fits, example_for, read_answer

# One failure with many unknown errors drafts for the first few only.
MAX_DRAFTS_PER_FAILURE = 3
# How long a fingerprint rests after a failed attempt before the model is asked again.
TRANSIENT_COOL_DOWN_SECONDS = 10 * 60  # rate limits, outages, timeouts
VERDICT_COOL_DOWN_SECONDS = 7 * 24 * 3600  # refusals and answers that failed validation twice
# A claim older than the deadline plus this is its holder's, no longer: it was killed.
STALE_CLAIM_MARGIN_SECONDS = 30.0
# A waiting worker looks again this often (a connection is held only for each look).
WAIT_POLL_SECONDS = (0.05, 0.1, 0.15, 0.2, 0.25)
MAX_MESSAGE_CHARS = 500
MAX_REASON_CHARS = 1000

logger = logging.getLogger(__name__)


class OutcomeKind(enum.StrEnum):
    DRAFTED = "drafted"
    REUSED = "reused"
    PREVIOUSLY_REJECTED = "previously_rejected"
    OVER_BUDGET = "over_budget"
    INVALID = "invalid"
    REFUSED = "refused"
    RATE_LIMITED = "rate_limited"
    PROVIDER_ERROR = "provider_error"
    TIMEOUT = "timeout"
    APPROVED = "approved"  # the error's draft was approved: a spell, not shown as a draft
    COOLING_DOWN = "cooling_down"
    IN_PROGRESS = "in_progress"
    INTERNAL_ERROR = "internal_error"
    PREVIEWED = "previewed"  # the `draft` command without --save: asked, shown, not stored


COOL_DOWN_SECONDS = {
    OutcomeKind.INVALID: VERDICT_COOL_DOWN_SECONDS,
    OutcomeKind.REFUSED: VERDICT_COOL_DOWN_SECONDS,
}


@dataclass(frozen=True)
class AiDraft:
    """A drafted spell as shown on a pull request (`spell_id` None: a preview, not stored)."""

    spell_id: int | None
    title: str
    description: str
    error_type: str | None
    error_pattern: str
    solution_code: str
    tags: str
    confidence: float | None
    provider: str | None
    model: str | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> AiDraft:
        return cls(
            spell_id=row["id"],
            title=row["title"],
            description=row["description"],
            error_type=row["error_type"],
            error_pattern=row["error_pattern"],
            solution_code=row["solution_code"],
            tags=row["tags"],
            confidence=row["confidence"],
            provider=row.get("provider"),
            model=row.get("model"),
        )


@dataclass(frozen=True)
class DraftOutcome:
    error: ErrorRecord
    kind: OutcomeKind
    reason: str
    draft: AiDraft | None = None  # for DRAFTED, REUSED and PREVIEWED
    requests: int = 0  # HTTP requests sent to the provider, retries included
    cost_usd: float = 0.0


class RepositoryRef(Protocol):
    """What drafting needs of a repository (`advice.sources.Repository` is one)."""

    @property
    def id(self) -> int: ...

    @property
    def full_name(self) -> str: ...


@dataclass(frozen=True)
class DraftSite:
    """Where the error was seen: kept with the call record and the draft's provenance."""

    repository_id: int | None = None
    repository: str | None = None
    installation_id: int | None = None
    delivery_id: str | None = None


@dataclass
class DraftDeps:
    pool: asyncpg.Pool
    settings: Settings
    provider: Provider | None
    redactor: Redactor


@asynccontextmanager
async def open_draft_deps(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[DraftDeps]:
    """What drafting needs, for one process: the provider's client is opened once, here."""
    provider = open_provider(settings)
    try:
        yield DraftDeps(pool, settings, provider, Redactor(settings.secret_values))
    finally:
        if provider is not None:
            await provider.close()


@dataclass
class _Usage:
    requests: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    reserved_usd: float = 0.0

    def add(self, tokens_in: int, tokens_out: int) -> None:
        self.tokens_in += tokens_in
        self.tokens_out += tokens_out


@dataclass
class _Result:
    kind: OutcomeKind
    reason: str
    draft: AiDraft | None = None
    usage: _Usage = field(default_factory=_Usage)
    cost_usd: float = 0.0
    asked: bool = False  # whether the provider was asked (its name goes in the record)


# ---------------------------------------------------------------- entry points


async def draft_for_unmatched(
    deps: DraftDeps,
    errors: Sequence[ErrorRecord],
    repository: RepositoryRef,
    installation_id: int | None,
    delivery_id: str | None,
    *,
    opted_in: bool | None = None,
) -> list[DraftOutcome]:
    """Draft (or reuse) a spell for errors no spell matched; call after posting the run.

    `errors` are the errors without a spell to post. `opted_in` is the repository's
    effective `auto_generate` when the caller knows it (e.g. from `.github/grimoire.yml`);
    None reads the stored repository setting. Returns nothing when drafting is off."""
    if not deps.settings.auto_create_spells or deps.provider is None:
        return []
    if opted_in is None:
        async with deps.pool.acquire() as conn:
            stored = await db_installations.settings_for_repository_id(conn, repository.id)
        opted_in = bool(stored["auto_generate"])
    if not opted_in:
        return []
    site = DraftSite(repository.id, repository.full_name, installation_id, delivery_id)
    # Each error is drafted on its own (draft_error never raises): together, not in turn.
    return list(
        await asyncio.gather(*(draft_error(deps, error, site) for error in distinct_errors(errors)))
    )


def distinct_errors(errors: Iterable[ErrorRecord]) -> list[ErrorRecord]:
    """One error per fingerprint, the first few (the root cause is usually printed first),
    leaving out lines that only report a failed step."""
    seen: dict[str, ErrorRecord] = {}
    for error in errors:
        if not says_only_that_a_step_failed(error):
            seen.setdefault(error.fingerprint, error)
    return list(seen.values())[:MAX_DRAFTS_PER_FAILURE]


def unmatched_errors(
    errors: Sequence[ErrorRecord], matches: Sequence[Sequence[object]]
) -> list[ErrorRecord]:
    """The errors whose list of postable spells is empty (parallel sequences)."""
    return [error for error, found in zip(errors, matches, strict=True) if not found]


async def draft_error(deps: DraftDeps, error: ErrorRecord, site: DraftSite) -> DraftOutcome:
    """The draft for one error: reused, drafted and stored, or the reason there is none."""
    return await _guarded(deps, error, site, _draft_once_per_fingerprint(deps, error, site))


async def preview_draft(deps: DraftDeps, error: ErrorRecord, site: DraftSite) -> DraftOutcome:
    """Ask for a draft and validate it, storing nothing but the call (and its cost)."""
    return await _guarded(deps, error, site, _preview(deps, error, site))


async def _guarded(deps: DraftDeps, error: ErrorRecord, site: DraftSite, work: Any) -> DraftOutcome:
    started = time.perf_counter()
    try:
        result = await work
    except Exception:
        # Drafting is an extra: a bug or a lost database must never fail the delivery.
        logger.exception(
            "drafting failed",
            extra={"fingerprint": error.fingerprint, "delivery_id": site.delivery_id},
        )
        result = _Result(OutcomeKind.INTERNAL_ERROR, "an internal error stopped drafting")
    duration_ms = (time.perf_counter() - started) * 1000
    _count(deps, result)
    try:
        await _record(deps, error, site, result, duration_ms)
    except Exception:
        logger.exception(
            "recording a drafting outcome failed", extra={"delivery_id": site.delivery_id}
        )
    logger.info(
        "llm draft",
        extra={
            "fingerprint": error.fingerprint,
            "outcome": result.kind.value,
            "requests": result.usage.requests,
            "cost_usd": round(result.cost_usd, 6),
            "delivery_id": site.delivery_id,
            "ms": round(duration_ms),
        },
    )
    return DraftOutcome(
        error=error,
        kind=result.kind,
        reason=result.reason,
        draft=result.draft,
        requests=result.usage.requests,
        cost_usd=result.cost_usd,
    )


# ---------------------------------------------------------------- once per fingerprint


async def _draft_once_per_fingerprint(
    deps: DraftDeps, error: ErrorRecord, site: DraftSite, *, may_wait: bool = True
) -> _Result:
    async with deps.pool.acquire() as conn:
        state = await db_drafts.get_draft_state(conn, error.fingerprint)
    known = await _from_state(deps, error, site, state)
    if known is not None:
        return known
    async with deps.pool.acquire() as conn:
        claim = await db_drafts.claim_draft(conn, error.fingerprint, _stale_after(deps))
    if claim is not None:
        return await _draft_claimed(deps, error, site, claim)
    if not may_wait:
        return _Result(OutcomeKind.IN_PROGRESS, "another worker is drafting this error")
    state = await _wait_for_verdict(deps, error.fingerprint)
    known = await _from_state(deps, error, site, state)
    if known is not None:
        return known
    if state is not None and state["state"] == "drafting":
        return _Result(OutcomeKind.IN_PROGRESS, "another worker is still drafting this error")
    # The other worker gave its claim up without a verdict (over budget): try once ourselves.
    return await _draft_once_per_fingerprint(deps, error, site, may_wait=False)


async def _from_state(
    deps: DraftDeps, error: ErrorRecord, site: DraftSite, state: Mapping[str, Any] | None
) -> _Result | None:
    """The outcome the stored state decides, or None when this worker may try to draft."""
    if state is None:
        return None
    if state["state"] == "drafted" and state["spell_id"] is not None:
        if state["spell_status"] == "rejected":
            return _Result(
                OutcomeKind.PREVIOUSLY_REJECTED,
                f"reviewers rejected the draft for this error (spell #{state['spell_id']})",
            )
        if state["spell_status"] == "approved":
            # A spell now: posted with the others when it matches, never as an AI draft.
            return _Result(
                OutcomeKind.APPROVED,
                f"reviewers approved the draft for this error as spell #{state['spell_id']}",
            )
        async with deps.pool.acquire() as conn:
            await db_drafts.count_reuse(conn, error.fingerprint, site.delivery_id)
            row = await db_drafts.draft_with_provenance(conn, state["spell_id"])
        if row is None:  # deleted a moment ago
            return None
        return _Result(
            OutcomeKind.REUSED,
            f"reused spell #{row['id']}, drafted for an earlier failure",
            draft=AiDraft.from_row(row),
        )
    if state["state"] == "failed" and state["cooling"]:
        return _Result(
            OutcomeKind.COOLING_DOWN,
            f"not asked again until {state['retry_after']:%Y-%m-%d %H:%M} UTC; "
            f"the last attempt ended with: {state['last_reason']}",
        )
    return None


def _stale_after(deps: DraftDeps) -> float:
    return deps.settings.llm_deadline_seconds + STALE_CLAIM_MARGIN_SECONDS


async def _wait_for_verdict(deps: DraftDeps, fingerprint: str) -> Mapping[str, Any] | None:
    """The fingerprint's state once another worker's claim ended, or as it stands at the
    stale-claim bound."""
    return await wait_while_claimed(
        deps.pool,
        lambda conn: db_drafts.get_draft_state(conn, fingerprint),
        claimed="drafting",
        within=_stale_after(deps),
    )


async def wait_while_claimed(
    pool: asyncpg.Pool,
    look: Callable[[asyncpg.Connection], Awaitable[Mapping[str, Any] | None]],
    *,
    claimed: str,
    within: float,
) -> Mapping[str, Any] | None:
    """The row `look` reads once its `state` is no longer `claimed` (another worker's
    claim ended), or as it stands after `within` seconds; a connection is held only for
    each look. Drafts and reranks wait on each other's claims this way."""
    ends = time.monotonic() + within
    for attempt in itertools.count():
        await asyncio.sleep(WAIT_POLL_SECONDS[min(attempt, len(WAIT_POLL_SECONDS) - 1)])
        async with pool.acquire() as conn:
            row = await look(conn)
        if row is None or row["state"] != claimed or time.monotonic() >= ends:
            return row
    raise AssertionError("unreachable: itertools.count never ends")


async def _draft_claimed(
    deps: DraftDeps, error: ErrorRecord, site: DraftSite, claim: uuid.UUID
) -> _Result:
    """Draft under our claim; whatever interrupts it (a crash, a cancellation) settles the
    claim as failed, so other workers are not left waiting for a verdict that never comes."""
    try:
        return await _draft_and_store(deps, error, site, claim)
    except BaseException:
        try:
            async with deps.pool.acquire() as conn:
                await db_drafts.mark_failed(
                    conn, error.fingerprint, claim, "interrupted", TRANSIENT_COOL_DOWN_SECONDS
                )
        except Exception:
            logger.exception("settling an interrupted draft claim failed")
        raise


async def _draft_and_store(
    deps: DraftDeps, error: ErrorRecord, site: DraftSite, claim: uuid.UUID
) -> _Result:
    result, fields, example = await _ask_within_budget(deps, error, site)
    async with deps.pool.acquire() as conn:
        if result.kind is OutcomeKind.OVER_BUDGET and not result.asked:
            await db_drafts.release_claim(conn, error.fingerprint, claim)
            return result
        if fields is None:
            cool_down = COOL_DOWN_SECONDS.get(result.kind, TRANSIENT_COOL_DOWN_SECONDS)
            await db_drafts.mark_failed(
                conn, error.fingerprint, claim, result.reason[:MAX_REASON_CHARS], cool_down
            )
            return result
        try:
            row = await db_drafts.store_draft(
                conn,
                claim,
                _spell_fields(fields, error, example),
                _provenance(deps, error, site, result),
            )
        except db_drafts.ClaimLost:
            result.kind = OutcomeKind.IN_PROGRESS
            result.reason = "another worker took this error over; its draft will be used"
            return result
    provider = deps.provider
    result.draft = AiDraft.from_row(
        {**dict(row), "provider": provider.name if provider else None, "model": _model(deps)}
    )
    result.reason = f"drafted spell #{row['id']}"
    return result


def _spell_fields(fields: DraftFields, error: ErrorRecord, example: str) -> dict[str, Any]:
    return {
        "title": fields.title,
        "description": fields.description,
        "error_type": fields.error_type,
        "error_pattern": fields.error_pattern,
        "solution_code": fields.solution_code,
        "tags": ",".join(fields.tags),
        "ecosystem": error.ecosystem,
        "scope": "log",
        "status": "draft",
        "examples": [example],
        "auto_generated": True,
        "confidence": fields.confidence,
    }


def _provenance(
    deps: DraftDeps, error: ErrorRecord, site: DraftSite, result: _Result
) -> db_drafts.Provenance:
    return db_drafts.Provenance(
        provider=deps.provider.name if deps.provider else "none",
        model=_model(deps) or "none",
        prompt_version=PROMPT_VERSION,
        tokens_in=result.usage.tokens_in,
        tokens_out=result.usage.tokens_out,
        cost_usd=result.cost_usd,
        requests=result.usage.requests,
        fingerprint=error.fingerprint,
        repository_id=site.repository_id,
        repository=site.repository,
        installation_id=site.installation_id,
        delivery_id=site.delivery_id,
    )


def _model(deps: DraftDeps) -> str | None:
    return deps.provider.model if deps.provider else None


async def _preview(deps: DraftDeps, error: ErrorRecord, site: DraftSite) -> _Result:
    result, fields, _ = await _ask_within_budget(deps, error, site)
    if fields is not None:
        result.kind = OutcomeKind.PREVIEWED
        result.reason = "drafted; not stored (no --save)"
        result.draft = AiDraft(
            spell_id=None,
            title=fields.title,
            description=fields.description,
            error_type=fields.error_type,
            error_pattern=fields.error_pattern,
            solution_code=fields.solution_code,
            tags=",".join(fields.tags),
            confidence=fields.confidence,
            provider=deps.provider.name if deps.provider else None,
            model=_model(deps),
        )
    return result


# ---------------------------------------------------------------- asking, within budget


def daily_caps(settings: Settings, installation_id: int | None) -> list[Cap]:
    """The day's caps a call counts against: the global one, and its installation's. Drafts
    and reranks share them."""
    caps = [Cap(llm_budget.GLOBAL, settings.llm_daily_drafts, settings.llm_daily_cost_usd)]
    if installation_id is not None:
        caps.append(
            Cap(
                installation_id,
                settings.llm_daily_drafts_per_installation,
                settings.llm_daily_cost_usd_per_installation,
            )
        )
    return caps


async def over_budget_reason(
    conn: asyncpg.Connection, cap: Cap, wanted_usd: float, *, asking: str = "draft"
) -> str:
    """Why a call was refused: what was spent today against the cap that refused it.
    `asking` names the kind of call, counted against the same caps (drafts, reranks)."""
    spent = await llm_budget.spent_today(conn, cap.installation_id)
    scope = (
        "all installations"
        if cap.installation_id == llm_budget.GLOBAL
        else f"installation {cap.installation_id}"
    )
    calls = "drafts" if asking == "draft" else "calls"
    return (
        f"over the daily LLM budget for {scope}: {spent.drafts} of {cap.max_drafts} {calls} "
        f"and ${spent.cost_usd:.4f} of ${cap.max_cost_usd:.2f} spent today (UTC); "
        f"a {asking} may cost up to ${wanted_usd:.4f}"
    )


async def _reserve(
    deps: DraftDeps, caps: Sequence[Cap], *, drafts: int, cost: float, usage: _Usage
) -> tuple[Any, str | None]:
    async with deps.pool.acquire() as conn:
        day, refused = await llm_budget.reserve(conn, caps, drafts=drafts, cost_usd=cost)
        if refused is not None:
            return None, await over_budget_reason(conn, refused, cost)
    usage.reserved_usd += cost
    return day, None


async def _ask_within_budget(
    deps: DraftDeps, error: ErrorRecord, site: DraftSite
) -> tuple[_Result, DraftFields | None, str]:
    """Reserve, ask (once more if the answer is refused), settle. Returns the result, the
    accepted fields (None if none) and the example the draft would be stored with."""
    provider = deps.provider
    if provider is None:
        return _Result(OutcomeKind.PROVIDER_ERROR, "no LLM provider is configured"), None, ""
    prompt = build_prompt(error, deps.redactor)
    own_text, _ = log_excerpt(error, deps.redactor)
    example = example_for(own_text)
    price = price_for(provider.model, deps.settings.llm_price_per_mtok)
    per_ask = cost_usd(price, estimate_tokens(prompt.system + prompt.user), MAX_OUTPUT_TOKENS)
    caps = daily_caps(deps.settings, site.installation_id)
    usage = _Usage()
    day, refused = await _reserve(deps, caps, drafts=1, cost=per_ask, usage=usage)
    if refused is not None:
        return _Result(OutcomeKind.OVER_BUDGET, refused, usage=usage), None, example
    async with deps.pool.acquire() as conn:
        other_examples = await db_drafts.spell_examples(conn)
    try:
        result, fields = await _converse(
            deps, provider, error, prompt, example, other_examples, caps, per_ask, usage
        )
    finally:
        spent = cost_usd(price, usage.tokens_in, usage.tokens_out)
        async with deps.pool.acquire() as conn:
            await llm_budget.settle(
                conn, day, [cap.installation_id for cap in caps], spent - usage.reserved_usd
            )
    result.usage = usage
    result.cost_usd = spent
    result.asked = True
    return result, fields, example


async def _converse(
    deps: DraftDeps,
    provider: Provider,
    error: ErrorRecord,
    prompt: Prompt,
    example: str,
    other_examples: Mapping[str, Iterable[str]],
    caps: Sequence[Cap],
    per_ask: float,
    usage: _Usage,
) -> tuple[_Result, DraftFields | None]:
    """At most two asks under one deadline; database work happens between them, outside it."""
    ends = time.monotonic() + deps.settings.llm_deadline_seconds
    retry: Retry | None = None
    first_problem = ""
    for ask in (1, 2):
        try:
            answer = await _ask(provider, prompt, retry, ends, usage)
        except ProviderFailure as failure:
            usage.add(failure.tokens_in, failure.tokens_out)
            return _Result(_outcome_of(failure.kind), _reason(failure.detail, deps)), None
        try:
            fields = read_answer(answer.fields, answer.problem)
            # Measuring breadth runs a thousand RE2 searches: off the event loop.
            await asyncio.to_thread(check_pattern_fits, fields, error, example, other_examples)
        except InvalidDraft as invalid:
            if ask == 2:
                reason = f"asked twice; first: {first_problem}; then: {invalid}"
                return _Result(OutcomeKind.INVALID, _reason(reason, deps)), None
            first_problem = str(invalid)
            _, refused = await _reserve(deps, caps, drafts=0, cost=per_ask, usage=usage)
            if refused is not None:
                reason = f"{first_problem}; not asked again: {refused}"
                return _Result(OutcomeKind.OVER_BUDGET, _reason(reason, deps)), None
            retry = Retry(answer, first_problem)
            continue
        return _Result(OutcomeKind.DRAFTED, "drafted"), fields
    raise AssertionError("unreachable: the second ask always returns")


async def _ask(
    provider: Provider, prompt: Prompt, retry: Retry | None, ends: float, usage: _Usage
) -> Answer:
    remaining = ends - time.monotonic()
    if remaining <= 0:
        raise ProviderFailure(FailureKind.TIMEOUT, "no time left before the deadline")
    stats = CallStats()
    try:
        async with deadline(remaining, stats):
            answer = await provider.ask(prompt, retry)
    finally:
        usage.requests += stats.requests
    usage.add(answer.tokens_in, answer.tokens_out)
    return answer


def _outcome_of(kind: FailureKind) -> OutcomeKind:
    return OutcomeKind(kind.value)


def _reason(text: str, deps: DraftDeps) -> str:
    """A reason as stored and shown: scrubbed (an API error may echo a key) and cut."""
    return deps.redactor.redact(text)[:MAX_REASON_CHARS]


# ---------------------------------------------------------------- the record


def _count(deps: DraftDeps, result: _Result) -> None:
    """What asking the provider cost, for `/metrics`: requests (retries included) by the
    outcome of the draft they were for, tokens both ways, and the estimated dollars."""
    provider = deps.provider
    if provider is None or not result.asked:
        return
    labels = (provider.name, provider.model)
    metrics.LLM_CALLS.labels(*labels, result.kind.value).inc(result.usage.requests)
    metrics.LLM_TOKENS.labels(*labels, "input").inc(result.usage.tokens_in)
    metrics.LLM_TOKENS.labels(*labels, "output").inc(result.usage.tokens_out)
    metrics.LLM_COST.labels(*labels).inc(max(result.cost_usd, 0.0))


async def _record(
    deps: DraftDeps, error: ErrorRecord, site: DraftSite, result: _Result, duration_ms: float
) -> None:
    provider = deps.provider if result.asked else None
    call = db_drafts.CallRecord(
        delivery_id=site.delivery_id,
        repository_id=site.repository_id,
        repository=site.repository,
        installation_id=site.installation_id,
        fingerprint=error.fingerprint,
        error_message=deps.redactor.redact(error.message)[:MAX_MESSAGE_CHARS],
        error_file=error.file,
        error_line=error.line,
        outcome=result.kind.value,
        reason=result.reason[:MAX_REASON_CHARS],
        provider=provider.name if provider else None,
        model=provider.model if provider else None,
        prompt_version=PROMPT_VERSION if provider else None,
        requests=result.usage.requests,
        tokens_in=result.usage.tokens_in,
        tokens_out=result.usage.tokens_out,
        cost_usd=result.cost_usd,
        spell_id=result.draft.spell_id if result.draft else None,
        duration_ms=duration_ms,
    )
    async with deps.pool.acquire() as conn:
        await db_drafts.record_call(conn, call)
