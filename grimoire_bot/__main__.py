"""Command line: `python -m grimoire_bot [COMMAND]`; `--help` lists the commands."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from grimoire_bot.app import create_app
from grimoire_bot.db import installations as db_installations
from grimoire_bot.db import open_pool
from grimoire_bot.db import spells as db_spells
from grimoire_bot.db.embedded import start_embedded_postgres
from grimoire_bot.db.migrations import apply_migrations
from grimoire_bot.drafts.command import run_draft_command
from grimoire_bot.log import configure_logging
from grimoire_bot.matcher import Matcher
from grimoire_bot.matching import Diagnosis
from grimoire_bot.metrics import mark_this_process_dead
from grimoire_bot.retention import PruneReport, prune
from grimoire_bot.settings import MIN_RETENTION_DAYS, LLMProvider, Settings, SettingsError
from grimoire_bot.spellbook import io as spellbook_io
from grimoire_bot.users_command import add_users_parser, run_users_command
from grimoire_bot.webhooks.replay import PayloadError, read_payload, replay
from grimoire_bot.webhooks.worker import serve_worker

logger = logging.getLogger("grimoire_bot")


def database_url_for(settings: Settings) -> str:
    if settings.database_url:
        return settings.database_url
    return start_embedded_postgres(settings.embedded_pg_dir)


def _local_url(settings: Settings) -> str:
    host = "localhost" if settings.host in {"0.0.0.0", "::"} else settings.host  # noqa: S104
    return settings.public_url or f"http://{host}:{settings.port}"


def announce(settings: Settings, *, with_worker: bool) -> None:
    base = _local_url(settings)
    lines = [
        f"Grimoire is listening on {settings.host}:{settings.port}"
        + (" with an in-process worker" if with_worker else ""),
        f"  API docs:  {base}/docs  (ReDoc: {base}/redoc, OpenAPI: {base}/openapi.json)",
        f"  Webhooks:  {base}/api/github/webhooks",
    ]
    if not settings.webhook_secret:
        lines.append("  WEBHOOK_SECRET is not set: webhooks are refused (503) until it is.")
    if not settings.github_app_configured:
        lines.append(
            "  APP_ID and PRIVATE_KEY are not set: deliveries are recorded, but Grimoire cannot"
            " read failures or post on GitHub until they are."
        )
    print("\n".join(lines), flush=True)


async def _seed(database_url: str) -> None:
    async with open_pool(database_url, min_size=1, max_size=2) as pool, pool.acquire() as conn:
        report = await spellbook_io.seed_if_empty(conn)
    if report is not None:
        logger.info(
            "loaded the starter spellbook",
            extra={"spells_created": report.created, "failed": len(report.errors)},
        )


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    database_url = database_url_for(settings)
    apply_migrations(database_url)
    if settings.seed_spellbook:
        asyncio.run(_seed(database_url))
    app = create_app(settings, database_url, with_worker=True)
    announce(settings, with_worker=True)
    web.run_app(app, host=settings.host, port=settings.port, print=None)
    return 0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    asyncio.run(serve_worker(settings, database_url_for(settings)))
    return 0


def cmd_web(settings: Settings, args: argparse.Namespace) -> int:
    app = create_app(settings, database_url_for(settings))
    announce(settings, with_worker=False)
    web.run_app(app, host=settings.host, port=settings.port, print=None)
    return 0


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    applied = apply_migrations(database_url_for(settings))
    print(f"Applied {len(applied)} migration(s)" + (": " + ", ".join(applied) if applied else ""))
    return 0


async def _import(database_url: str, path: Path) -> int:
    spells = spellbook_io.read_spellbook_file(path)

    def show(done: int, total: int) -> None:
        print(f"\rimporting {done}/{total}", end="", file=sys.stderr, flush=True)

    async with open_pool(database_url, min_size=1, max_size=2) as pool, pool.acquire() as conn:
        report = await spellbook_io.import_spells(conn, spells, progress=show)
    print(file=sys.stderr)
    for index, key, message in report.errors:
        print(f"spell #{index + 1} ({key or 'no key'}): {message}", file=sys.stderr)
    print(
        f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
        f"{len(report.errors)} failed"
    )
    return 1 if report.errors else 0


async def _export(database_url: str) -> str:
    async with open_pool(database_url, min_size=1, max_size=2) as pool, pool.acquire() as conn:
        rows = await db_spells.spells_with_keys(conn)
    return spellbook_io.render_spellbook(dict(row) for row in rows)


async def _prune(database_url: str, retention_days: int) -> PruneReport:
    async with open_pool(database_url, min_size=1, max_size=2) as pool:
        return await prune(pool, retention_days)


def cmd_prune(settings: Settings, args: argparse.Namespace) -> int:
    days = args.days or settings.retention_days
    report = asyncio.run(_prune(database_url_for(settings), days))
    print(
        f"Deleted {report.total} record(s) older than {days} day(s): "
        + ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in report.deleted.items())
    )
    return 0


def cmd_spells(settings: Settings, args: argparse.Namespace) -> int:
    database_url = database_url_for(settings)
    if args.spells_command == "import":
        try:
            return asyncio.run(_import(database_url, Path(args.file)))
        except (OSError, spellbook_io.SpellbookFormatError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    text = asyncio.run(_export(database_url))
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def cmd_users(settings: Settings, args: argparse.Namespace) -> int:
    database_url = database_url_for(settings)
    apply_migrations(database_url)
    return asyncio.run(run_users_command(database_url, args))


def _prepare_database(settings: Settings) -> str:
    """For commands run by hand: an up-to-date schema, and the starter book in an empty one."""
    database_url = database_url_for(settings)
    apply_migrations(database_url)
    if settings.seed_spellbook:
        asyncio.run(_seed(database_url))
    return database_url


def cmd_receive(settings: Settings, args: argparse.Namespace) -> int:
    try:
        payload = read_payload(Path(args.payload))
    except PayloadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    log_path = Path(args.log) if args.log else None
    if log_path is not None and not log_path.is_file():
        print(f"error: no such log file: {log_path}", file=sys.stderr)
        return 2
    database_url = _prepare_database(settings)
    return asyncio.run(
        replay(settings, database_url, args.event, payload, dry_run=args.dry_run, log_path=log_path)
    )


class UnknownRepository(LookupError):
    pass


async def _match(
    database_url: str, text: bytes, limit: int, repository: str | None, *, semantic: bool
) -> tuple[Diagnosis, dict]:
    """The ranking `POST /api/match` answers; with a repository, as on its pull requests."""
    async with open_pool(database_url, min_size=1, max_size=2) as pool:
        repository_id = min_score = None
        if repository is not None:
            async with pool.acquire() as conn:
                row = await db_installations.get_repository(conn, repository)
            if row is None:
                raise UnknownRepository(repository)
            repository_id, min_score = row["id"], row["min_score"]
        diagnosis = await Matcher(pool, semantic=semantic).diagnose(
            text, repository_id=repository_id, limit=limit, min_score=min_score
        )
        async with pool.acquire() as conn:
            spells = await db_spells.get_spells(conn, [m.spell_id for m in diagnosis.ranked])
    return diagnosis, spells


def cmd_match(settings: Settings, args: argparse.Namespace) -> int:
    try:
        text = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    database_url = _prepare_database(settings)
    try:
        diagnosis, spells = asyncio.run(_match(
            database_url, text, args.limit, args.repository, semantic=settings.semantic_matching
        ))
    except UnknownRepository as exc:
        print(f"error: Grimoire is not installed on a repository named {exc}", file=sys.stderr)
        return 2
    print(f"{len(diagnosis.errors)} error(s)")
    for number, error in enumerate(diagnosis.errors):
        where = f"{error.file}:{error.line}" if error.file else "(no file)"
        print(f"  [{number}] {where}  {error.error_type or ''}  {error.message[:160]}")
    matches = [m for m in diagnosis.ranked if m.spell_id in spells]
    if not matches:
        print("no spell matched")
        return 1
    print(f"{len(matches)} spell(s), best first")
    for match in matches:
        spell = spells[match.spell_id]
        where = f"error [{match.error_index}]"
        print(f"  {match.score:.2f} {match.reason:<8} #{spell['id']} {spell['title']}  ({where})")
    return 0


def cmd_draft(settings: Settings, args: argparse.Namespace) -> int:
    if settings.llm_provider is LLMProvider.NONE:
        print(
            "error: drafting needs LLM_PROVIDER (openai or anthropic) and its API key",
            file=sys.stderr,
        )
        return 2
    try:
        text = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    database_url = _prepare_database(settings)
    return asyncio.run(run_draft_command(settings, database_url, text, save=args.save))


def _retention_days(raw: str) -> int:
    days = int(raw)
    if days < MIN_RETENTION_DAYS:
        raise argparse.ArgumentTypeError(f"must be at least {MIN_RETENTION_DAYS}")
    return days


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m grimoire_bot",
        description="Grimoire: a GitHub App that turns red CI into fixes.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser(
        "serve", help="migrate, seed, then run the web server and a worker (default)"
    )
    commands.add_parser("web", help="run only the web server (Procfile: web)")
    commands.add_parser("worker", help="run only a queue worker (Procfile: worker)")
    commands.add_parser("migrate", help="apply pending database migrations and exit (release)")

    spells = commands.add_parser("spells", help="import or export the spellbook")
    spell_commands = spells.add_subparsers(dest="spells_command", required=True, metavar="ACTION")
    importer = spell_commands.add_parser("import", help="load a spellbook file (updates by key)")
    importer.add_argument("file", help="a grimoire-spellbook/1 JSON file")
    exporter = spell_commands.add_parser("export", help="write every spell as a spellbook file")
    exporter.add_argument("-o", "--output", help="file to write (default: standard output)")

    add_users_parser(commands)

    receive = commands.add_parser(
        "receive", help="run a saved webhook payload through the handlers (like Probot's receive)"
    )
    receive.add_argument("-e", "--event", required=True, help="event name, e.g. check_run")
    receive.add_argument("-p", "--payload", required=True, help="the payload JSON file")
    receive.add_argument(
        "--dry-run", action="store_true", help="never call GitHub; print the check run instead"
    )
    receive.add_argument(
        "--log", help="with --dry-run: the job log (or, for pull_request, the diff)"
    )

    pruner = commands.add_parser(
        "prune", help="delete finished deliveries and bookkeeping past RETENTION_DAYS"
    )
    pruner.add_argument(
        "--days", type=_retention_days, help="keep this many days instead of RETENTION_DAYS"
    )

    match = commands.add_parser("match", help="print the errors and ranked spells for a CI log")
    match.add_argument("file", help="a log file, or - for standard input")
    match.add_argument("-n", "--limit", type=int, default=5, help="most spells to show (5)")
    match.add_argument(
        "-r", "--repository", help="owner/name: rank with that repository's votes, as on its PRs"
    )

    draft = commands.add_parser(
        "draft", help="ask the LLM to draft spells for a log's errors that no spell matches"
    )
    draft.add_argument("file", help="a log file, or - for standard input")
    draft.add_argument(
        "--save", action="store_true", help="store the drafts for review (default: print only)"
    )
    return parser


COMMANDS = {
    None: cmd_serve,
    "serve": cmd_serve,
    "web": cmd_web,
    "worker": cmd_worker,
    "migrate": cmd_migrate,
    "spells": cmd_spells,
    "users": cmd_users,
    "receive": cmd_receive,
    "match": cmd_match,
    "prune": cmd_prune,
    "draft": cmd_draft,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    configure_logging(settings)
    try:
        return COMMANDS[args.command](settings, args)
    finally:
        # Web and worker processes end here after SIGTERM or SIGINT (both stop gracefully).
        mark_this_process_dead()


if __name__ == "__main__":
    sys.exit(main())
