"""SQL for the curator console: its sessions, and the read queries behind its pages (the
review queue's context, unmatched failures, spell health)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from grimoire_bot.db import spells as db_spells
from grimoire_bot.db.users import USER_COLUMNS

# The user columns `api.auth.UserOut` reads, for a query that joins users as `u`.
SESSION_USER_COLUMNS = ", ".join(f"u.{column.strip()}" for column in USER_COLUMNS.split(","))
UNMATCHED_COLUMNS = """
    fingerprint,
    count(*) AS occurrences,
    count(DISTINCT (repository_id, head_sha)) AS commits,
    array_agg(DISTINCT repository ORDER BY repository) AS repositories,
    min(seen_at) AS first_seen,
    max(seen_at) AS last_seen,
    (array_agg(message ORDER BY seen_at DESC))[1] AS message,
    (array_agg(error_type ORDER BY seen_at DESC))[1] AS error_type,
    (array_agg(ecosystem ORDER BY seen_at DESC))[1] AS ecosystem,
    (array_agg(sample ORDER BY seen_at DESC))[1] AS sample,
    (array_agg(file ORDER BY seen_at DESC))[1] AS file,
    (array_agg(line ORDER BY seen_at DESC))[1] AS line,
    (array_agg(repository_id ORDER BY seen_at DESC))[1] AS repository_id,
    (array_agg(repository ORDER BY seen_at DESC))[1] AS repository,
    (SELECT d.spell_id FROM llm_drafts d JOIN spells s ON s.id = d.spell_id
      WHERE d.fingerprint = failure_errors.fingerprint AND s.status = 'draft') AS draft_spell_id
"""


# Whether a failure row's repository is among $2 (null: every one). An LLM call made for no
# repository (the `draft` command) is treated as hidden: nobody can say who may see it.
_VISIBLE = "($2::bigint[] IS NULL OR coalesce(repository_id = ANY($2), false))"
# The columns of a failure row that carry its log, kept only when the viewer may see it.
_IF_VISIBLE = ", ".join(
    f"CASE WHEN visible THEN {column} END AS {column}"
    for column in ("message", "error_type", "file", "line", "repository", "sample")
)


# ---------------------------------------------------------------- sessions


async def create_session(
    conn: asyncpg.Connection,
    *,
    id_hash: bytes,
    user_id: int,
    token_generation: int,
    csrf_token: str,
    lifetime: timedelta,
) -> None:
    """A new session; expired ones go at the same time (each sign-in sweeps a little)."""
    async with conn.transaction():
        await conn.execute("DELETE FROM console_sessions WHERE expires_at < now()")
        await conn.execute(
            """
            INSERT INTO console_sessions (id_hash, user_id, token_generation, csrf_token,
                                          expires_at)
            VALUES ($1, $2, $3, $4, now() + $5)
            """,
            id_hash,
            user_id,
            token_generation,
            csrf_token,
            lifetime,
        )


async def session_user(conn: asyncpg.Connection, id_hash: bytes) -> asyncpg.Record | None:
    """The account behind a session and the session's CSRF token, while the session is
    unexpired, the account active and its token generation the one it signed in with
    (deactivation and password changes bump it, ending every session at once)."""
    return await conn.fetchrow(
        f"""
        SELECT {SESSION_USER_COLUMNS}, s.csrf_token
        FROM console_sessions s JOIN users u ON u.id = s.user_id
        WHERE s.id_hash = $1 AND s.expires_at > now()
          AND u.is_active AND u.token_generation = s.token_generation
        """,
        id_hash,
    )


async def delete_session(conn: asyncpg.Connection, id_hash: bytes) -> None:
    await conn.execute("DELETE FROM console_sessions WHERE id_hash = $1", id_hash)


# ---------------------------------------------------------------- the review queue


async def drafts_for_review(
    conn: asyncpg.Connection, limit: int, *, with_ai_drafts: bool = True
) -> list[asyncpg.Record]:
    """Draft spells, oldest first, with where an AI draft came from (null for people's);
    without AI drafts unless `with_ai_drafts`."""
    return await conn.fetch(
        f"""
        SELECT s.*, p.provider, p.model, p.cost_usd, p.tokens_in, p.tokens_out,
               p.fingerprint, u.email AS author
        FROM (SELECT {db_spells.SPELL_COLUMNS} FROM spells
              WHERE status = 'draft' AND ($2 OR NOT auto_generated)) s
        LEFT JOIN spell_provenance p ON p.spell_id = s.id
        LEFT JOIN users u ON u.id = s.created_by
        ORDER BY s.created_at, s.id
        LIMIT $1
        """,
        limit,
        with_ai_drafts,
    )


async def open_proposals(conn: asyncpg.Connection, limit: int) -> list[asyncpg.Record]:
    """Open proposals, oldest first, with who wrote them."""
    return await conn.fetch(
        """
        SELECT p.id, p.spell_id, p.base_revision, p.changes, p.reason, p.created_at,
               u.email AS author
        FROM spell_proposals p LEFT JOIN users u ON u.id = p.proposed_by
        WHERE p.status = 'open'
        ORDER BY p.created_at, p.id
        LIMIT $1
        """,
        limit,
    )


async def source_errors(
    conn: asyncpg.Connection, fingerprints: Iterable[str], repository_ids: Sequence[int] | None
) -> dict[str, asyncpg.Record]:
    """The latest failure seen for each fingerprint: its message, place and sample lines;
    or, for one no failure row remembers, the error an LLM call recorded for it.

    A log may come from a private repository: a row from a repository outside
    `repository_ids` (None: every repository) comes back with `visible` false and nothing
    from its log, only that it exists; a visible row is preferred to a newer hidden one."""
    wanted = sorted(set(fingerprints))
    if not wanted:
        return {}
    repos = None if repository_ids is None else list(repository_ids)
    rows = await conn.fetch(
        f"""
        SELECT DISTINCT ON (fingerprint) fingerprint, visible, {_IF_VISIBLE}, seen_at
        FROM (SELECT *, {_VISIBLE} AS visible
              FROM failure_errors WHERE fingerprint = ANY($1)) f
        ORDER BY fingerprint, visible DESC, seen_at DESC
        """,
        wanted,
        repos,
    )
    found = {row["fingerprint"]: row for row in rows}
    missing = [fingerprint for fingerprint in wanted if fingerprint not in found]
    if missing:
        calls = await conn.fetch(
            f"""
            SELECT DISTINCT ON (fingerprint) fingerprint, visible, {_IF_VISIBLE}, seen_at
            FROM (SELECT fingerprint, error_message AS message, NULL::text AS error_type,
                         error_file AS file, error_line AS line, repository,
                         error_message AS sample, at AS seen_at, {_VISIBLE} AS visible
                  FROM llm_calls WHERE fingerprint = ANY($1)) c
            ORDER BY fingerprint, visible DESC, seen_at DESC
            """,
            missing,
            repos,
        )
        found.update({row["fingerprint"]: row for row in calls})
    return found


async def recent_failure_samples(
    conn: asyncpg.Connection, *, days: int, limit: int, repository_ids: Sequence[int] | None
) -> list[asyncpg.Record]:
    """One sample per error fingerprint seen in the last `days` (the most frequent first),
    to show what a pattern would match; `repository_ids` None: every repository."""
    return await conn.fetch(
        """
        SELECT fingerprint, count(*) AS occurrences, bool_or(matched) AS matched,
               (array_agg(sample ORDER BY seen_at DESC))[1] AS sample,
               (array_agg(message ORDER BY seen_at DESC))[1] AS message,
               array_agg(DISTINCT repository ORDER BY repository) AS repositories
        FROM failure_errors
        WHERE seen_at > now() - make_interval(days => $1)
          AND ($3::bigint[] IS NULL OR repository_id = ANY($3))
        GROUP BY fingerprint
        ORDER BY count(*) DESC, max(seen_at) DESC
        LIMIT $2
        """,
        days,
        limit,
        None if repository_ids is None else list(repository_ids),
    )


# ---------------------------------------------------------------- unmatched failures


async def unmatched_failures(
    conn: asyncpg.Connection, *, days: int, limit: int, repository_ids: Sequence[int] | None
) -> list[asyncpg.Record]:
    """The error fingerprints of the last `days` no approved spell matched, most frequent
    first, counted only over `repository_ids` (None: every repository)."""
    return await conn.fetch(
        f"""
        SELECT {UNMATCHED_COLUMNS}
        FROM failure_errors
        WHERE NOT matched AND seen_at > now() - make_interval(days => $1)
          AND ($3::bigint[] IS NULL OR repository_id = ANY($3))
        GROUP BY fingerprint
        ORDER BY count(*) DESC, max(seen_at) DESC, fingerprint
        LIMIT $2
        """,
        days,
        limit,
        None if repository_ids is None else list(repository_ids),
    )


async def unmatched_failure(
    conn: asyncpg.Connection, fingerprint: str, repository_ids: Sequence[int] | None
) -> asyncpg.Record | None:
    """One fingerprint's failures (any age), as the unmatched list shows it, with the
    repository it was last seen in (`repository_id`, `repository`) and that repository's
    installation (`installation_id`, null once uninstalled): where a draft for it comes from."""
    return await conn.fetchrow(
        f"""
        SELECT f.*, r.installation_id
        FROM (SELECT {UNMATCHED_COLUMNS}
              FROM failure_errors
              WHERE fingerprint = $1 AND ($2::bigint[] IS NULL OR repository_id = ANY($2))
              GROUP BY fingerprint) f
        LEFT JOIN repositories r ON r.id = f.repository_id
        """,
        fingerprint,
        None if repository_ids is None else list(repository_ids),
    )


# ---------------------------------------------------------------- spell health


async def spell_health(
    conn: asyncpg.Connection, *, days: int, repository_ids: Sequence[int] | None
) -> list[asyncpg.Record]:
    """Every spell that was matched in the last `days`, voted on or ignored somewhere:
    its matches (total and per day, oldest day first), votes, and the repositories whose
    `.github/grimoire.yml` ignores it (by key or id)."""
    repos = None if repository_ids is None else list(repository_ids)
    return await conn.fetch(
        """
        WITH matched AS (
            SELECT spell_id, (seen_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n
            FROM failure_errors
            WHERE matched AND spell_id IS NOT NULL
              AND seen_at > now() - make_interval(days => $1)
              AND ($2::bigint[] IS NULL OR repository_id = ANY($2))
            GROUP BY 1, 2
        ), per_spell AS (
            SELECT spell_id, sum(n)::bigint AS matches,
                   jsonb_object_agg(day::text, n) AS per_day
            FROM matched GROUP BY spell_id
        ), votes AS (
            SELECT spell_id, count(*) FILTER (WHERE vote > 0) AS helpful,
                   count(*) FILTER (WHERE vote < 0) AS not_relevant
            FROM spell_votes GROUP BY spell_id
        ), ignoring AS (
            SELECT s.id AS spell_id, array_agg(DISTINCT f.repository ORDER BY f.repository)
                   AS repositories
            FROM spells s
            JOIN repository_config_files f ON f.settings ? 'ignore_spells'
             AND (f.settings -> 'ignore_spells' @> jsonb_build_array(s.key)
                  OR f.settings -> 'ignore_spells' @> jsonb_build_array(s.id))
            LEFT JOIN repositories r ON lower(r.full_name) = f.repository
            WHERE $2::bigint[] IS NULL OR r.id = ANY($2)
            GROUP BY s.id
        )
        SELECT s.id, s.key, s.title, s.status::text AS status,
               coalesce(m.matches, 0) AS matches, coalesce(m.per_day, '{}') AS per_day,
               coalesce(v.helpful, 0) AS helpful, coalesce(v.not_relevant, 0) AS not_relevant,
               coalesce(i.repositories, '{}') AS ignored_in
        FROM spells s
        LEFT JOIN per_spell m ON m.spell_id = s.id
        LEFT JOIN votes v ON v.spell_id = s.id
        LEFT JOIN ignoring i ON i.spell_id = s.id
        WHERE m.spell_id IS NOT NULL OR v.spell_id IS NOT NULL OR i.spell_id IS NOT NULL
        ORDER BY coalesce(m.matches, 0) DESC, s.id
        """,
        days,
        repos,
    )


# ---------------------------------------------------------------- fixtures and imports


@dataclass(frozen=True)
class FailureError:
    """One error read from a failure, as `failure_errors` keeps it."""

    repository_id: int
    repository: str
    head_sha: str
    source_key: str
    source_name: str
    position: int
    fingerprint: str
    message: str
    sample: str
    matched: bool
    error_type: str | None = None
    file: str | None = None
    line: int | None = None
    ecosystem: str | None = None
    spell_id: int | None = None
    score: float | None = None
    delivery_id: str | None = None
    seen_at: datetime | None = None


async def insert_failure_errors(conn: asyncpg.Connection, errors: Iterable[FailureError]) -> None:
    """Record errors as the pipeline does (a repeated error and place replaces its row):
    how tests and demonstrations plant failures."""
    await conn.executemany(
        """
        INSERT INTO failure_errors (repository_id, repository, head_sha, source_key,
            source_name, delivery_id, position, fingerprint, message, error_type, file, line,
            ecosystem, sample, spell_id, score, matched, seen_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                coalesce($18, now()))
        ON CONFLICT (repository_id, head_sha, source_key, position) DO UPDATE SET
            fingerprint = EXCLUDED.fingerprint, message = EXCLUDED.message,
            sample = EXCLUDED.sample, spell_id = EXCLUDED.spell_id, score = EXCLUDED.score,
            matched = EXCLUDED.matched, seen_at = EXCLUDED.seen_at
        """,
        [_row(error) for error in errors],
    )


def _row(error: FailureError) -> tuple[Any, ...]:
    return (
        error.repository_id,
        error.repository,
        error.head_sha,
        error.source_key,
        error.source_name,
        error.delivery_id,
        error.position,
        error.fingerprint,
        error.message,
        error.error_type,
        error.file,
        error.line,
        error.ecosystem,
        error.sample,
        error.spell_id,
        error.score,
        error.matched,
        error.seen_at,
    )
