"""A province lists, adds and renames its indicators (chỉ tiêu cơ cấu) without code: `/tieuchi` in chat (officials
of a top unit, with a preview and “Xác nhận”), `ptdv indicator` on the server. Audited.

    /tieuchi                                     — the list
    /tieuchi them Bộ đội xuất ngũ | BĐXN | xuất ngũ, bộ đội phục viên
                                                 — add: name | short form | other ways of writing it (optional)
    /tieuchi doiten nông dân | nông dân, ngư dân — rename (the old name stays an alias)
    /tieuchi batbuoc nông dân | có               — required: always a column of the Excel, annex, template

A new indicator is at once read in reports ("kết nạp 2, 1 bộ đội xuất ngũ"), answered in "cơ cấu" questions, and
a column of the Excel, the import template and the report's annex.
"""

from __future__ import annotations

from bot.domain.indicators import GROUP_LABELS, IndicatorDef, Indicators, fold_code
from bot.domain.messages import Inbound, Reply
from bot.domain.models import User
from bot.domain.normalize import fold
from bot.domain.payloads import IndicatorPayload
from bot.present import replies
from bot.services.context import Context
from bot.services.proposals import preview
from bot.services.refusal import Refusal
from storage import audit
from storage import indicators as indicator_store
from storage.pending import Pending

USAGE = (
    "Cách dùng:\n"
    "/tieuchi — xem các chỉ tiêu cơ cấu\n"
    "/tieuchi them <tên> | <viết tắt> | <cách gọi khác, …> — ví dụ: "
    "/tieuchi them bộ đội xuất ngũ | BĐXN | xuất ngũ, bộ đội phục viên\n"
    "/tieuchi doiten <tên cũ> | <tên mới> — ví dụ: /tieuchi doiten nông dân | nông dân, ngư dân\n"
    "/tieuchi batbuoc <tên> | có (hoặc: không) — chỉ tiêu luôn có cột trong biểu, phụ lục, mẫu nhập"
)
ONLY_TOP_OFFICIALS = "Chỉ cán bộ theo dõi của cấp ủy cao nhất mới thêm hoặc đổi tên chỉ tiêu cơ cấu."
MAX_NAME = 60
MAX_ALIASES = 12


class IndicatorError(Exception):
    """A polite Vietnamese answer: what was wrong and how to write it; nothing changed."""


def list_text(items: Indicators) -> str:
    lines = ["Các chỉ tiêu cơ cấu (báo cáo, câu hỏi “cơ cấu”, tệp Excel và báo cáo định kỳ đều dùng danh sách này):"]
    group = None
    for item in items:
        if item.group != group:
            group = item.group
            lines.append(f"{GROUP_LABELS.get(group, group)}:")
        notes = []
        if item.part_of:
            notes.append(f"tính trong số {items.label(item.part_of)}")
        if item.aliases:
            notes.append("còn gọi: " + ", ".join(item.aliases))
        if item.required:
            notes.append("luôn có cột trong biểu")
        lines.append(f"• {item.name} ({item.short_name})" + (f" — {'; '.join(notes)}" if notes else ""))
    return "\n".join(lines)


def _clean(text: str, what: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise IndicatorError(f"Chưa có {what}. {USAGE}")
    if len(text) > MAX_NAME:
        raise IndicatorError(f"{what[:1].upper()}{what[1:]} dài quá {MAX_NAME} ký tự.")
    if fold(text).strip(" -,.;") == "" or not any(ch.isalpha() for ch in text):
        raise IndicatorError(f"{what[:1].upper()}{what[1:]} phải có chữ. {USAGE}")
    return text


def _aliases(text: str) -> tuple[str, ...]:
    found = tuple(dict.fromkeys(a for part in text.split(",") if (a := " ".join(part.split()))))
    if len(found) > MAX_ALIASES:
        raise IndicatorError(f"Tối đa {MAX_ALIASES} cách gọi khác.")
    for alias in found:
        _clean(alias, "cách gọi khác")
    return found


def _clash(items: Indicators, names: tuple[str, ...], own: str | None) -> None:
    for name in names:
        other = items.find(name)
        if other is not None and other.code != own:
            raise IndicatorError(f"“{name}” đã là tên của chỉ tiêu “{other.name}”.")


def draft_add(items: Indicators, args: str) -> IndicatorDef:
    """The new indicator `/tieuchi them <tên> | <viết tắt> | <cách gọi khác, …>` describes (not stored)."""
    parts = [p.strip() for p in args.split("|")]
    name = _clean(parts[0] if parts else "", "tên chỉ tiêu")
    short = _clean(parts[1], "tên viết tắt") if len(parts) > 1 and parts[1] else name[:1].upper() + name[1:]
    aliases = _aliases(parts[2]) if len(parts) > 2 else ()
    if len(parts) > 3:
        raise IndicatorError(USAGE)
    _clash(items, (name, *aliases), None)
    code, n, base = fold_code(name), 1, fold_code(name)
    while code in items.by_code:
        n += 1
        code = f"{base}_{n}"
    return IndicatorDef(
        code=code,
        name=name[:1].lower() + name[1:] if not name[:2].isupper() else name,
        short_name=short,
        aliases=aliases,
        group="khac",
        sort_order=max((i.sort_order for i in items), default=0) + 10,
    )


def draft_rename(items: Indicators, args: str) -> tuple[IndicatorDef, IndicatorDef]:
    old, bar, new = args.partition("|")
    if not bar or not old.strip() or not new.strip():
        raise IndicatorError(USAGE)
    target = items.find(old)
    if target is None:
        raise IndicatorError(f"Không có chỉ tiêu “{old.strip()}”. Gõ /tieuchi để xem danh sách.")
    new = _clean(new, "tên mới")
    _clash(items, (new,), target.code)
    renamed = target.model_copy(
        update={"name": new, "aliases": tuple(dict.fromkeys(a for a in (*target.aliases, target.name) if a != new))}
    )
    return target, renamed


def draft_required(items: Indicators, args: str) -> tuple[IndicatorDef, IndicatorDef]:
    name, _, flag = args.partition("|")
    target = items.find(name)
    if target is None:
        raise IndicatorError(f"Không có chỉ tiêu “{name.strip()}”. Gõ /tieuchi để xem danh sách.")
    answer = fold(flag).strip() or "co"
    if answer not in ("co", "khong", "ko"):
        raise IndicatorError(USAGE)
    return target, target.model_copy(update={"required": answer == "co"})


def describe(kind: str, item: IndicatorDef, before: IndicatorDef | None = None) -> str:
    if kind == "required":
        how = "luôn có cột" if item.required else "chỉ có cột khi có số liệu"
        return f"Chỉ tiêu “{item.name}”: {how} trong tệp Excel, phụ lục báo cáo và mẫu nhập."
    if kind == "add":
        aliases = f"; cách gọi khác: {', '.join(item.aliases)}" if item.aliases else ""
        return (
            f"Thêm chỉ tiêu cơ cấu: “{item.name}” (viết tắt: {item.short_name}{aliases}).\n"
            f"Sau khi lưu, báo cáo viết được như: “kết nạp 2, trong đó 1 {item.name}”; câu hỏi “cơ cấu”, tệp Excel, "
            "mẫu nhập và báo cáo định kỳ có thêm chỉ tiêu này."
        )
    assert before is not None
    return f"Đổi tên chỉ tiêu “{before.name}” thành “{item.name}”. Tên cũ vẫn đọc được trong báo cáo."


async def command(ctx: Context, args: str) -> tuple[str, IndicatorDef, IndicatorDef | None] | str:
    """Read `/tieuchi …`: the list's text, or (kind, new row, old row) of a change to confirm."""
    verb, _, rest = args.strip().partition(" ")
    items = await ctx.indicators()
    match fold(verb):
        case "" | "xem" | "danh sach":
            return list_text(items)
        case "them" | "moi" | "add":
            return "add", draft_add(items, rest), None
        case "doiten" | "doi ten" | "sua" | "rename":
            before, after = draft_rename(items, rest)
            return "rename", after, before
        case "batbuoc" | "bat buoc" | "required":
            before, after = draft_required(items, rest)
            return "required", after, before
    raise IndicatorError(USAGE)


async def _may(ctx: Context, user: User) -> bool:
    tree = await ctx.tree()
    return user.is_official and user.unit_id in tree and tree[user.unit_id].parent_id is None


async def by_chat(ctx: Context, user: User, inbound: Inbound, args: str) -> list[Reply]:
    try:
        read = await command(ctx, args)
    except IndicatorError as exc:
        return [Reply(text=str(exc))]
    if isinstance(read, str):
        return [Reply(text=read)]
    if not await _may(ctx, user):
        return [Reply(text=ONLY_TOP_OFFICIALS)]
    kind, item, before = read
    payload = IndicatorPayload(kind=kind, item=item)
    return await preview(ctx, user, inbound, payload, describe(kind, item, before))


async def save(ctx: Context, kind: str, item: IndicatorDef, actor: int | None) -> str:
    """Write one change (inside the caller's transaction), audited; the reply text."""
    items = await ctx.indicators()
    before = items.by_code.get(item.code)
    if kind == "add" and before is not None:
        raise IndicatorError(f"Đã có chỉ tiêu “{before.name}”.")
    if kind != "add" and before is None:
        raise IndicatorError("Chỉ tiêu này không còn trong danh sách.")
    _clash(items, (item.name, *item.aliases) if kind == "add" else (item.name,), None if kind == "add" else item.code)
    await indicator_store.put(ctx.db, item, ctx.now())
    await audit.record(
        ctx.db,
        action=f"indicator.{kind}",
        entity="indicator",
        entity_id=item.code,
        now=ctx.now(),
        actor=actor,
        before=before.model_dump(mode="json") if before else None,
        after=item.model_dump(mode="json"),
    )
    if kind == "add":
        return f"Đã thêm chỉ tiêu cơ cấu “{item.name}”. Gõ /tieuchi để xem danh sách."
    if kind == "required":
        return f"Đã lưu: {describe(kind, item)}"
    return f"Đã đổi tên chỉ tiêu thành “{item.name}”."


async def apply(ctx: Context, user: User, p: Pending) -> str:
    if not await _may(ctx, user):  # demoted or moved since the preview
        raise Refusal(ONLY_TOP_OFFICIALS if user.is_official else replies.OFFICIALS_ONLY)
    data = p.payload
    assert isinstance(data, IndicatorPayload)
    try:
        return await save(ctx, data.kind, data.item, user.id)
    except IndicatorError as exc:
        raise Refusal(str(exc)) from exc


async def by_cli(ctx: Context, args: str) -> str:
    """`ptdv indicator [list | add … | rename …]`: the same as /tieuchi, applied at once (the server's operator)."""
    words = args.strip()
    verb, _, rest = words.partition(" ")
    verb = {"list": "", "add": "them", "rename": "doiten", "required": "batbuoc"}.get(verb, verb)
    read = await command(ctx, f"{verb} {rest}".strip())
    if isinstance(read, str):
        return read
    kind, item, _ = read
    async with ctx.db.transaction():
        return await save(ctx, kind, item, None)
