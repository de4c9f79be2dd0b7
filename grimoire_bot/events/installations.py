"""Keep the tables of installations and their repositories in step with GitHub."""

from __future__ import annotations

from gidgethub import routing, sansio

from grimoire_bot.db import installations as db_installations
from grimoire_bot.events.context import HandlerContext

router = routing.Router()


@router.register("installation", action="created")
@router.register("installation", action="new_permissions_accepted")
async def record_installation(event: sansio.Event, ctx: HandlerContext) -> None:
    installation = event.data["installation"]
    async with ctx.pool.acquire() as conn, conn.transaction():
        await db_installations.upsert_installation(conn, installation)
        await db_installations.add_repositories(
            conn, installation["id"], event.data.get("repositories") or []
        )


@router.register("installation", action="deleted")
async def forget_installation(event: sansio.Event, ctx: HandlerContext) -> None:
    async with ctx.pool.acquire() as conn:
        await db_installations.delete_installation(conn, event.data["installation"]["id"])


@router.register("installation", action="suspend")
async def suspend_installation(event: sansio.Event, ctx: HandlerContext) -> None:
    async with ctx.pool.acquire() as conn:
        await db_installations.set_suspended(conn, event.data["installation"]["id"], True)


@router.register("installation", action="unsuspend")
async def unsuspend_installation(event: sansio.Event, ctx: HandlerContext) -> None:
    async with ctx.pool.acquire() as conn:
        await db_installations.set_suspended(conn, event.data["installation"]["id"], False)


@router.register("installation_repositories", action="added")
async def add_repositories(event: sansio.Event, ctx: HandlerContext) -> None:
    installation = event.data["installation"]
    async with ctx.pool.acquire() as conn, conn.transaction():
        # The App may have been installed before this deployment saw the `created` event.
        await db_installations.upsert_installation(conn, installation)
        await db_installations.add_repositories(
            conn, installation["id"], event.data.get("repositories_added") or []
        )


@router.register("installation_repositories", action="removed")
async def remove_repositories(event: sansio.Event, ctx: HandlerContext) -> None:
    removed = event.data.get("repositories_removed") or []
    async with ctx.pool.acquire() as conn:
        await db_installations.remove_repositories(conn, [repo["id"] for repo in removed])
