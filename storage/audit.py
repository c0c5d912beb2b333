"""The audit trail: every change with actor, time, before and after."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.db import Database
from storage.timefmt import to_db


async def record(
    db: Database,
    *,
    action: str,
    entity: str,
    entity_id: Any,
    now: datetime,
    actor: int | None,
    before: Any = None,
    after: Any = None,
) -> None:
    await db.execute(
        "INSERT INTO audit(at, actor_user_id, action, entity, entity_id, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            to_db(now),
            actor,
            action,
            entity,
            None if entity_id is None else str(entity_id),
            None if before is None else json.dumps(before, ensure_ascii=False, default=str),
            None if after is None else json.dumps(after, ensure_ascii=False, default=str),
        ),
    )


async def for_entity(db: Database, entity: str, entity_id: Any) -> list[dict[str, Any]]:
    rows = await db.fetchall(
        "SELECT * FROM audit WHERE entity = ? AND entity_id = ? ORDER BY id", (entity, str(entity_id))
    )
    return [dict(r) for r in rows]
