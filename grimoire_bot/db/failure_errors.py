"""SQL for the record of every error read from a failure, matched or not.

The curator console counts "the most frequent failures with no spell" and each spell's
health from these rows. A source (a failed job or check run of a commit) is written in one
statement that replaces what an earlier attempt wrote for it, so a retried delivery or a
re-check never counts an error twice. Rows older than RETENTION_DAYS are pruned
(`db.retention`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

# AI drafts a run shows: drafted or reused for this repository, and not reviewed since.
SHOWN_DRAFT_OUTCOMES = ("drafted", "reused")


@dataclass(frozen=True)
class SeenError:
    """One error of a source, as the console reads it (the sample already scrubbed)."""

    fingerprint: str
    message: str
    error_type: str | None
    file: str | None
    line: int | None
    ecosystem: str | None
    sample: str
    spell_id: int | None  # the best approved spell that fits it, if any
    score: float | None


@dataclass(frozen=True)
class SourceSeen:
    """Where the errors were read: a failed job or check run of one commit."""

    repository_id: int
    repository: str
    head_sha: str
    source_key: str
    source_name: str
    delivery_id: str | None


async def record_source_errors(
    conn: asyncpg.Connection, source: SourceSeen, errors: Sequence[SeenError]
) -> None:
    """Store the source's errors in their order, replacing what was stored for it before
    (one statement: the positions written are upserted, any beyond them deleted)."""
    await conn.execute(
        """
        WITH written AS (
            INSERT INTO failure_errors AS f
                (repository_id, repository, head_sha, source_key, source_name, delivery_id,
                 position, fingerprint, message, error_type, file, line, ecosystem, sample,
                 spell_id, score, matched)
            SELECT $1, $2, $3, $4, $5, $6, e.position - 1, e.fingerprint, e.message,
                   e.error_type, e.file, e.line, e.ecosystem, e.sample, s.id, e.score,
                   s.id IS NOT NULL
            FROM unnest($7::text[], $8::text[], $9::text[], $10::text[], $11::int[],
                        $12::text[], $13::text[], $14::bigint[], $15::float8[])
                 WITH ORDINALITY AS e (fingerprint, message, error_type, file, line,
                                       ecosystem, sample, spell_id, score, position)
            -- A spell deleted since it was matched is recorded as no spell.
            LEFT JOIN spells s ON s.id = e.spell_id
            ON CONFLICT (repository_id, head_sha, source_key, position) DO UPDATE SET
                repository = EXCLUDED.repository, source_name = EXCLUDED.source_name,
                delivery_id = EXCLUDED.delivery_id, fingerprint = EXCLUDED.fingerprint,
                message = EXCLUDED.message, error_type = EXCLUDED.error_type,
                file = EXCLUDED.file, line = EXCLUDED.line, ecosystem = EXCLUDED.ecosystem,
                sample = EXCLUDED.sample, spell_id = EXCLUDED.spell_id,
                score = EXCLUDED.score, matched = EXCLUDED.matched, seen_at = now()
            RETURNING 1
        )
        DELETE FROM failure_errors
        WHERE repository_id = $1 AND head_sha = $3 AND source_key = $4
          AND position >= cardinality($7::text[])
        """,
        source.repository_id,
        source.repository,
        source.head_sha,
        source.source_key,
        source.source_name,
        source.delivery_id,
        [e.fingerprint for e in errors],
        [e.message for e in errors],
        [e.error_type for e in errors],
        [e.file for e in errors],
        [e.line for e in errors],
        [e.ecosystem for e in errors],
        [e.sample for e in errors],
        [e.spell_id for e in errors],
        [e.score for e in errors],
    )


async def drafts_for_commit(
    conn: asyncpg.Connection, repository_id: int, head_sha: str
) -> list[asyncpg.Record]:
    """The AI drafts a commit's run shows: for each error of the commit no approved spell
    fits, the draft drafting found for it in this repository (drafted or reused), while
    nobody has reviewed it; each draft once, in the order its error was first read. Once
    the commit has a run, only errors of the jobs it holds count (a job whose re-run
    passed leaves the run after a re-check, and its drafts with it)."""
    return await conn.fetch(
        """
        SELECT * FROM (
            SELECT DISTINCT ON (s.id) f.message AS error_message, f.file AS error_file,
                f.line AS error_line, f.id AS first_seen, s.id, s.title, s.description,
                s.error_type, s.error_pattern, s.solution_code, s.tags, s.confidence,
                p.provider, p.model
            FROM failure_errors f
            JOIN llm_calls c ON c.repository_id = f.repository_id
                AND c.fingerprint = f.fingerprint AND c.outcome::text = ANY($3::text[])
            JOIN spells s ON s.id = c.spell_id AND s.status = 'draft'
            LEFT JOIN spell_provenance p ON p.spell_id = s.id
            WHERE f.repository_id = $1 AND f.head_sha = $2 AND NOT f.matched
              AND (
                f.source_key IN (
                    SELECT a.key FROM advised_sources a
                    JOIN commit_runs r ON r.id = a.commit_run_id
                    WHERE r.repository_id = $1 AND r.head_sha = $2
                )
                OR NOT EXISTS (
                    SELECT 1 FROM commit_runs r WHERE r.repository_id = $1 AND r.head_sha = $2
                )
              )
            ORDER BY s.id, f.id
        ) shown
        ORDER BY first_seen
        """,
        repository_id,
        head_sha,
        list(SHOWN_DRAFT_OUTCOMES),
    )
