"""Recognising unit mentions against the units that exist (a gazetteer), and what the asker's own words name.

The index is built once per tree version from every unit's name, short name and aliases (former names). A
message is folded, common abbreviations are spelled out the same way on both sides (CA, QS, VKS, TAND, THADS,
MTTQ, UBND, TT y tế, THPT = trường cấp 3, THCS = cấp 2, TH = cấp 1, MN, Agribank, NHCSXH…), words with typos are
corrected to the nearest word the unit names use (rapidfuzz), and word n-grams are looked up:

- a full key (a unit's name, or its name without "Đảng bộ/Chi bộ/xã…") is a clear mention;
- a partial key ("Trường THPT", "thôn Quyết", "Đồng Tâm") names every unit it fits — one is an answer,
  several are a question back to the user;
- words that match nothing are ignored: they are never turned into a unit.

"toàn huyện / cả xã / toàn đảng bộ / chung" name the asker's top unit, "chi bộ em / đơn vị mình / bên em" the
asker's own unit, "khối …", "các xã", "các chi bộ thôn" a category. Nothing here knows any particular tree.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bot.domain.models import Category
from bot.domain.normalize import fold, strip_diacritics

# Spelled-out forms, applied to folded text on both sides (unit names and messages). Order matters.
_CANON: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), r)
    for p, r in [
        (r"\btrung hoc pho thong\b|\bcap (?:3|ba)\b|\bc3\b|\bpt\s*th\b", "thpt"),
        (r"\btrung hoc co so\b|\bcap (?:2|hai)\b|\bc2\b", "thcs"),
        (r"\bcap (?:1|mot)\b|\bc1\b|(?<=\btruong )th\b", "tieu hoc"),
        (r"\bmau giao\b|\bmn\b", "mam non"),
        (r"\bvien kiem sat nhan dan\b|\bvksnd\b|\bvks\b", "vien kiem sat"),
        (r"\btoa an nhan dan\b|\btand\b", "toa an"),
        (r"\bthi hanh an dan su\b|\bthads\b|\bthi hanh an\b", "thi hanh an"),
        (r"\bmat tran to quoc(?: viet nam)?\b|\bmttq(?:vn)?\b|\bmat tran\b", "mat tran"),
        (r"\buy ban nhan dan\b|\bubnd\b", "uy ban"),
        (r"\btt\s*y te\b|\bttyt\b|\btrung tam y te\b", "trung tam y te"),
        (r"\btram y te\b|\btyt\b|\btram yt\b", "tram y te"),
        (r"\bngan hang nong nghiep(?: va phat trien nong thon| va ptnt)?\b|\bnhno(?: va)? ?ptnt\b", "agribank"),
        (r"\bngan hang chinh sach(?: xa hoi)?\b|\bnhcs(?:xh)?\b", "nhcsxh"),
        (r"\bqs\b|\bquan su\b|\bbchqs\b|\bban chi huy quan su\b", "quan su"),
        (r"\b(?:co phan|cp|tnhh|mot thanh vien|mtv)\b", " "),  # legal forms: "Công ty xi măng" names it
        (r"\btt\b(?= (?:chinh tri|gdnn|y te|van hoa|dich vu|boi duong|phat trien|hoc tap))", "trung tam"),
        (r"\btt\b", "thi tran"),
        (r"\bth\b(?= [a-z])", "tieu hoc"),
        (r"\bcty\b|\bc ty\b", "cong ty"),
        (r"\bcq\b", "co quan"),
        (r"\bhtx\b|\bhop tac xa\b", "hop tac xa"),
        (r"\bgd ?nn\b|\bgiao duc nghe nghiep\b", "gdnn"),
        (r"\bgiao duc thuong xuyen\b", "gdtx"),
        (r"\bpx\b", "phan xuong"),
    ]
]
_ORG = r"(?:dang bo|chi bo|dang uy|to chuc co so dang|tcsd|co quan)"
_PLACE = r"(?:xa|phuong|thi tran|huyen|thon|xom|ban|to dan pho|khu pho|khu|ap|lang|tinh|thanh pho|tp)"
_ORG_PREFIX = re.compile(rf"^(?:{_ORG}\s+)+")
_PLACE_PREFIX = re.compile(rf"^{_PLACE}\s+")
_TRAILING_PLACE = re.compile(r"\s+(?:huyen|xa|tinh|phuong|thi tran)$")
# Words that start an institution's name: a phrase starting with one of them may name several units.
INSTITUTIONS = frozenset("truong trung ngan phan cong xom thon tram van hop dien vien toa".split())
# One word that is a unit's kind and nothing else in everyday speech ("td thpt", "agribank năm nay").
DISTINCT_WORDS = frozenset({"thpt", "thcs", "agribank", "nhcsxh", "gdnn", "mat tran", "vien kiem sat", "toa an"})
# Everyday two-word phrases that are also place names: matched only with their type word ("thôn Thành Công").
COMMON_PHRASES = frozenset(
    {
        "thanh cong",
        "thong nhat",
        "doan ket",
        "tien bo",
        "dong tam",
        "quyet thang",
        "hoa binh",
        "doc lap",
        "tu do",
        "hanh phuc",
        "tan tien",
        "quyet tien",
        "dai hoc",
        "tieu hoc",
        "hoc sinh",
        "dong chi",
        "quan chung",
        "dang vien",
        "doan vien",
        "cong nhan",
        "tu nhan",
        "nong nghiep",
        "van phong",
        "cong ty",
        "y te",
        "chinh tri",
        "mam non",
        "nhan dan",
        "dan toc",
        "thon xom",
        "trung tam",
        "ngan hang",
        "phan xuong",
        "thanh nien",
        "moi",
    }
)
# Words that never make a name on their own (a partial key needs more than these).
GENERIC = frozenset(
    (
        "dang bo chi co quan xa huyen tinh phuong thi tran thon xom ban khu to cac va cua nhan dan cong ty tnhh "
        "co phan truong trung tam hoc ngan hang y te phan xuong van phong chi cuc hop tac nong nghiep doan the "
        "uy tram quan su cong an chinh quyen mat tran tieu thcs thpt mam non chi nhanh dien luc vien kiem sat "
        "toa thi hanh an agribank nhcsxh the em minh moi"
    ).split()
)
TOP_WORDS = re.compile(
    r"\b(?:toan|ca|tong|chung ca|trong)\s+(?:huyen|xa|tinh|phuong|thi tran|dang bo|dang uy|don vi|dia ban|khoi)\b"
    r"|\b(?:huyen|xa|tinh|phuong|dang bo|dang uy)\s+(?:minh|ta|nha|nha minh)\b"
    r"|\b(?:so lieu|tien do|so) chung\b|\bchung ca\b|\btoan bo\b|\bca dang bo\b|\btoan dang bo\b"
)
OWN_WORDS = re.compile(
    r"\b(?:chi bo|cb|dang bo|don vi|dv|co quan|truong|thon|xom|tram|cong ty|ben|phan xuong|hop tac xa|"
    r"chi bo nha truong|nha truong)\s+(?:em|minh|toi|chung em|chung toi|nha minh|nha em|ta)\b"
    r"|\bben (?:em|minh)\b|\bchung em\b|\bchung toi\b|\bchi bo nha truong\b|\bchi bo minh\b|\bchi bo em\b"
)


@functools.lru_cache(maxsize=64)
def _category_patterns(categories: tuple[tuple[str, tuple[str, ...]], ...]) -> list[tuple[str, re.Pattern[str]]]:
    """The committee's own khối names first, then the everyday phrases for the khối it has (all of them when
    no list is given)."""
    own = [
        (
            code,
            re.compile(
                r"\b(?:" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")\b"
                r"(?! (?:ngoai )?nha nuoc| tu nhan| ngoai quoc doanh)"  # "doanh nghiệp ngoài nhà nước" is a field
            ),
        )
        for code, names in categories
        if names
    ]
    codes = {code for code, _ in categories}
    return own + [(str(cat), p) for cat, p in CATEGORY_WORDS if not codes or cat in codes]


CATEGORY_WORDS: list[tuple[Category, re.Pattern[str]]] = [
    (
        Category.COMMUNE,
        re.compile(
            r"\b(?:khoi (?:xa|thi tran|thon|xom)(?: thi tran| va thi tran)?|cac xa(?: thi tran| va thi tran)?|"
            r"cac dang bo xa|cap xa|cac chi bo (?:thon|xom)(?: xom| thon)?|cac (?:thon|xom)(?: xom| thon)?|"
            r"chi bo thon xom|khoi dan cu)\b"
        ),
    ),
    (Category.ARMED, re.compile(r"\b(?:khoi )?(?:luc luong vu trang|llvt)\b")),
    (
        Category.ADMIN,
        re.compile(r"\b(?:co quan hanh chinh|khoi hanh chinh|khoi co quan|khoi dang doan the|khoi dang chinh quyen)\b"),
    ),
    (
        Category.SERVICE,
        re.compile(r"\b(?:khoi )?(?:su nghiep|don vi su nghiep)\b|\bkhoi truong(?: hoc)?\b|\bcac truong(?: hoc)?\b"),
    ),
    (
        Category.ENTERPRISE,
        re.compile(r"\b(?:khoi doanh nghiep|cac doanh nghiep|chi bo doanh nghiep|khoi dn|cac cong ty)\b"),
    ),
]
# Everyday words never corrected into a name.
EVERYDAY = frozenset(
    (
        "nhung nao dang cham duoc roi thang quy nam nhieu bao nhieu chua khong tien ket qua bieu xuat file excel "
        "thong nhat thanh cong dong chi quan chung nguon doan vien hoc sinh sinh vien theo doi giup nhanh xin "
        "cho xem biet hoi tinh hinh chinh tri truoc ngoai nay sang chieu tuan hang trong cung ky sanh xep hang "
        "dung dau nhat chuyen muong thai nghiep nhan thuc minh nhe nhau cuoi dau bang"
    ).split()
)
# What may stand around a unit's name in the leftover of a question: taken off its edges before `loose`.
LOOSE_LEAD = frozenset("td tiendo tien do cua chi anh em oi a da cho xem ve o tai".split())
LOOSE_TAIL = frozenset(
    {"may", "bn", "dc", "duoc", "roi", "a", "nhe", "em", "chi", "anh", "sao", "the", "nao", "dong chi", "nguoi", "thi"}
    | {"the nao", "ra sao", "bao nhieu", "may dong", "duoc may", "dc may", "nhi", "vay"}
)
LOOSE_WEAK = frozenset("xa huyen tinh phuong dang bo chi co quan don vi cac khoi cap uy va cua ban to khu ap".split())
MAX_LOOSE = 8
PLACE_WORDS = ("huyen", "xa", "tinh", "phuong", "thanh pho", "dac khu")
# Bodies of a committee that are not units: "báo cáo Thường trực Huyện ủy" is not about Chi bộ Cơ quan Huyện ủy.
BODIES = re.compile(
    r"\b(?:thuong truc|ban thuong vu|btv|ban chap hanh|bch|ban to chuc|btc|ban tuyen giao|uy ban kiem tra)\s+"
    r"(?:huyen uy|tinh uy|thanh uy|dang uy|thi uy|quan uy)\b"
)
_WHICH_OF = re.compile(r"\bnhung (?=(?:xa|thon|xom|chi bo thon|chi bo xom|truong|cong ty|doanh nghiep)\b)")
KIND_AT = frozenset({"truong", "xom", "thon", "tram"})
_UPPER_CA = re.compile(r"(?<![\w])CA(?![\w])")
LOWER_CA = re.compile(r"(?<![\w])ca(?![\w])")  # "ca" as typed: no mark, so "cả" or the abbreviation of Công an
CA_PLACE = re.compile(r"\bca (xa|huyen|phuong|thi tran|tinh)\b")
TYPO_CUTOFF = 80.0
MAX_KEY_TOKENS = 8


# One search says whether any abbreviation is there at all (most names and messages have none): the 60,000
# names of a province are prepared in a fraction of the time.
# The words (or phrases) without which no rewrite below applies: a text holding none of them is left as it is —
# the 60,000 names of a province are prepared without running the 24 rewrites on each.
_TRIGGERS = tuple(
    f" {t} "
    for t in (
        "trung hoc pho thong|cap 3|cap ba|c3|pt th|ptth|trung hoc co so|cap 2|cap hai|c2|cap 1|cap mot|c1|truong th|"
        "mau giao|mn|vien kiem sat nhan dan|vksnd|vks|toa an nhan dan|tand|thi hanh an|thads|mat tran|mttq|mttqvn|"
        "uy ban nhan dan|ubnd|tt|tty|ttyt|trung tam y te|tram y te|tyt|tram yt|ngan hang nong nghiep|nhno|nhnoptnt|"
        "ngan hang chinh sach|nhcs|nhcsxh|qs|quan su|bchqs|co phan|cp|tnhh|mot thanh vien|mtv|th|cty|c ty|cq|htx|"
        "hop tac xa|gd nn|gdnn|giao duc nghe nghiep|giao duc thuong xuyen|px"
    ).split("|")
)
_ALNUM = re.compile(r"[a-z0-9]+")


def canon(folded: str) -> str:
    words = f" {' '.join(_ALNUM.findall(folded))} "
    if not any(t in words for t in _TRIGGERS):
        return " ".join(folded.split())
    for pattern, replacement in _CANON:
        folded = pattern.sub(replacement, folded)
    return " ".join(folded.split())


def prepare(text: str) -> str:
    """A message or a name → folded, abbreviations spelled out (upper-case "CA" is Công an; "ca" is "cả")."""
    text = _UPPER_CA.sub("cong an", strip_diacritics(text).replace("\u200b", ""))
    return canon(_DASHES.sub(" ", fold(text)))


_DASHES = re.compile(r"\s*[-\u2013\u2014]+\s*")


@dataclass(frozen=True)
class UnitEntry:
    id: int
    names: tuple[str, ...]  # name, short name, aliases
    parent_id: int | None = None
    category: str | None = None


@dataclass
class Mention:
    ids: frozenset[int]
    start: int  # token offsets
    end: int
    key: str
    full: bool  # a whole name (True) or a part of several (False)


@dataclass
class Pick:
    """What a message names, for one asker.

    how: "default" (nothing named: the asker's own unit), "own", "top", "unit", "ask", "category",
    "out_of_scope", "not_found"."""

    how: str
    unit_id: int | None = None
    choices: list[int] = field(default_factory=list)
    category: str | None = None  # a khối code of the asker's committee
    phrase: str = ""
    nearest: list[int] = field(default_factory=list)


def _keys(name: str, base: str | None = None) -> tuple[set[str], set[str]]:
    """Full keys (a whole name) and partial keys (contiguous parts of it that may name it); `base`: the name
    already prepared."""
    full: set[str] = set()
    base = prepare(name) if base is None else base
    if not base:
        return full, set()
    full.add(base)
    org_free = _ORG_PREFIX.sub("", base).strip() or base
    full.add(org_free)
    for key in list(full):
        trimmed = _TRAILING_PLACE.sub("", key)
        if trimmed and trimmed != key and trimmed not in GENERIC:
            full.add(trimmed)
    bare = _PLACE_PREFIX.sub("", org_free).strip()
    if bare and bare != org_free and len(bare.split()) >= 2 and bare not in COMMON_PHRASES:
        full.add(bare)
        trimmed = _TRAILING_PLACE.sub("", bare)
        if len(trimmed.split()) >= 2 and trimmed not in COMMON_PHRASES:
            full.add(trimmed)
    full = {k for k in full if k and k not in GENERIC and k not in COMMON_PHRASES}
    partial: set[str] = set()
    done: list[str] = []
    for key in sorted((k for k in full if not _ORG_PREFIX.match(k)), key=len, reverse=True):
        if any(f" {key} " in f" {longer} " for longer in done):
            continue  # its parts are parts of the longer key already taken apart
        done.append(key)
        tokens = key.split()
        for n in range(1, min(len(tokens), MAX_KEY_TOKENS)):
            for i in range(len(tokens) - n + 1):
                part = tokens[i : i + n]
                phrase = " ".join(part)
                if phrase in COMMON_PHRASES and part[0] not in INSTITUTIONS:
                    continue
                proper = [t for t in part if t not in GENERIC]
                if (len(part) >= 2 and (proper or part[0] in INSTITUTIONS)) or phrase in DISTINCT_WORDS:
                    partial.add(phrase)
    return full, partial - full


class Gazetteer:
    def __init__(self, entries: Iterable[UnitEntry]) -> None:
        self.full: dict[str, set[int]] = {}
        self.partial: dict[str, set[int]] = {}
        self.entries: dict[int, UnitEntry] = {}
        self.loose_keys: dict[str, set[int]] = {}  # every written form of every name, for a whole leftover phrase
        self._loose_by_token: dict[str, list[str]] = {}
        self._children: dict[int, list[int]] | None = None
        self._ancestors_of: dict[int, list[int]] = {}  # filled as asked; the tree does not change under an index
        vocab: set[str] = set()
        longest = 1
        for entry in entries:
            self.entries[entry.id] = entry
            for name in entry.names:
                base = prepare(name)
                full, partial = _keys(name, base)
                for key in full:
                    self.full.setdefault(key, set()).add(entry.id)
                    vocab.update(key.split())
                    longest = max(longest, len(key.split()))
                for key in partial:
                    self.partial.setdefault(key, set()).add(entry.id)
                for key in {base, _DASHES.sub(" ", fold(name))} | full:
                    if key:
                        self.loose_keys.setdefault(key, set()).add(entry.id)
        for key in self.loose_keys:
            for token in set(key.split()):
                self._loose_by_token.setdefault(token, []).append(key)
        self.vocab = vocab
        self._first = {k.split(" ", 1)[0] for k in self.full} | {k.split(" ", 1)[0] for k in self.partial}
        self._by_prefix: dict[str, list[str]] = {}
        for word in sorted(vocab):
            self._by_prefix.setdefault(word[:2], []).append(word)
        self.longest = min(longest, MAX_KEY_TOKENS)

    # --- mentions --------------------------------------------------------------------------------
    def _correct(self, token: str) -> str:
        if token in self.vocab or len(token) < 4 or not token.isalpha() or token in EVERYDAY:
            return token
        # Typos keep the first two letters ("phog" → "phong"); that also keeps everyday words apart.
        choices = self._by_prefix.get(token[:2], ())
        hit = process.extractOne(token, choices, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF)
        return hit[0] if hit else token

    def tokens(self, prepared: str) -> list[str]:
        return [self._correct(t) for t in prepared.split()]

    def mentions(self, tokens: list[str], skip: set[int] | None = None) -> list[Mention]:
        """Longest first, non-overlapping; full names before parts of names."""
        used = set(skip or ())
        found: list[Mention] = []
        starts = [i for i, t in enumerate(tokens) if t in self._first]  # where a key may begin
        for n in range(min(self.longest, len(tokens)), 0, -1):
            for table, full in ((self.full, True), (self.partial, False)):
                for i in starts:
                    if i + n > len(tokens) or any(j in used for j in range(i, i + n)):
                        continue
                    key = " ".join(tokens[i : i + n])
                    ids = table.get(key)
                    if ids:
                        found.append(Mention(frozenset(ids), i, i + n, key, full))
                        used.update(range(i, i + n))
        return sorted(found, key=lambda m: m.start)

    def loose(self, leftover: str) -> set[int]:
        """The units whose name contains the whole leftover phrase of a question ("/tiendo Quyết Tiến",
        "td mầm non", "chi bộ ngân hàng"), politeness and question words at its edges taken off. Everyday
        words that are also names ("Quyết Tiến", "Đoàn Kết") are only taken this way: when nothing else is
        left in the question. More than MAX_LOOSE units, or only generic words: nothing."""
        tokens = self.tokens(prepare(leftover))
        while tokens and tokens[0] in LOOSE_LEAD:
            tokens.pop(0)
        while tokens:
            tail = " ".join(tokens[-2:])
            if tail in LOOSE_TAIL and len(tokens) >= 2:
                del tokens[-2:]
            elif tokens[-1] in LOOSE_TAIL:
                tokens.pop()
            else:
                break
        if not tokens or set(tokens) <= LOOSE_WEAK:
            return set()
        phrase = f" {' '.join(tokens)} "
        rare = min(tokens, key=lambda t: len(self._loose_by_token.get(t, ())))
        found: set[int] = set()
        for key in self._loose_by_token.get(rare, ()):
            if phrase in f" {key} ":
                found |= self.loose_keys[key]
                if len(found) > MAX_LOOSE:
                    return set()  # too many to be a name: nothing (no need to count them all)
        return found

    def _ancestors(self, unit: int) -> list[int]:
        if (known := self._ancestors_of.get(unit)) is not None:
            return known
        out: list[int] = []
        node = self.entries[unit].parent_id if unit in self.entries else None
        while node is not None and node not in out and node in self.entries:
            out.append(node)
            node = self.entries[node].parent_id
        self._ancestors_of[unit] = out
        return out

    def _place_kind(self, unit: int) -> str | None:
        """ "xa" for Đảng bộ xã Tây Phong, "huyen" for Đảng bộ huyện Cao Phong; None for Công an xã."""
        if unit not in self.entries:
            return None
        name = _ORG_PREFIX.sub("", prepare(self.entries[unit].names[0]))
        return next((w for w in ("thi tran", *PLACE_WORDS) if name.startswith(f"{w} ")), None)

    def _holder(self, units: set[int]) -> int | None:
        """The one unit of `units` that all the others are below, if there is one (it is then the highest one:
        checked by walking up from the others, not by listing its subtree)."""
        if not units:
            return None
        highest = min(units, key=lambda u: (len(self._ancestors(u)), u))
        if all(highest in self._ancestors(u) for u in units if u != highest):
            return highest
        return None

    def _common_parent(self, units: set[int]) -> int | None:
        chains = []
        for u in units:
            chain: list[int] = []
            node: int | None = u
            while node is not None and node not in chain:
                chain.append(node)
                node = self.entries[node].parent_id if node in self.entries else None
            chains.append(chain)
        shared = set(chains[0]).intersection(*chains[1:])
        return next((u for u in chains[0] if u in shared), None)

    def _kind_in(self, tokens: list[str], mention: Mention, ids: set[int]) -> set[int] | None:
        """ "Trường ở Bắc Phong": the units of that kind inside the place named after "ở / tại / thuộc"."""
        i = mention.start
        if i < 2 or tokens[i - 1] not in ("o", "tai", "thuoc", "cua") or len(ids) != 1:
            return None
        kind = tokens[i - 2]
        if kind not in KIND_AT:
            return None
        place = next(iter(ids))
        inside = {u for u in self._below(place) if any(kind in k.split() for k in self._names_of(u))}
        return inside or None

    def _below(self, unit: int) -> set[int]:
        if self._children is None:
            self._children = {}
            for e in self.entries.values():
                if e.parent_id is not None:
                    self._children.setdefault(e.parent_id, []).append(e.id)
        out: set[int] = set()
        stack = list(self._children.get(unit, ()))
        while stack:
            u = stack.pop()
            if u not in out:
                out.add(u)
                stack.extend(self._children.get(u, ()))
        return out

    def _names_of(self, unit: int) -> list[str]:
        return [prepare(n) for n in self.entries[unit].names if n]

    def _police_reading(self, text: str, prepared: str, scope: AbstractSet[int]) -> tuple[int, tuple[int, int]] | None:
        """ "ca xa", "ca huyen" written without marks: "cả xã" or "Công an xã". The Công an unit when one by that
        name exists in scope (never invented), with the span of the words."""
        if not LOWER_CA.search(text):
            return None
        m = CA_PLACE.search(prepared)
        if m is None:
            return None
        ids = {u for u in self.full.get(f"cong an {m.group(1)}", ()) if u in scope}  # no copy of a large scope
        return (next(iter(ids)), m.span()) if len(ids) == 1 else None

    def nearest(self, phrase: str, within: AbstractSet[int], limit: int = 3) -> list[int]:
        keys = [k for k, ids in self.full.items() if ids & within]
        hits = process.extract(prepare(phrase), keys, scorer=fuzz.WRatio, limit=limit * 3)
        out: list[int] = []
        for key, _, _ in hits:
            for u in sorted(self.full[key] & within):
                if u not in out:
                    out.append(u)
        return out[:limit]

    # --- what a message names for one asker ----------------------------------------------------------
    def pick(
        self,
        text: str,
        *,
        own: int,
        scope: AbstractSet[int],
        root: int,
        official: bool,
        successor: dict[int, int] | None = None,
        categories: Sequence[tuple[str, Sequence[str]]] | None = None,
        question: bool = False,
        leftover: str | None = None,
        strict: bool = False,
    ) -> Pick:
        """`categories`: the asker's committee's khối as (code, folded names) — data the committee sets; the
        everyday phrases below ("các chi bộ thôn", "llvt") add to them for the khối the committee has."""
        prepared = _WHICH_OF.sub("cac ", prepare(text))  # "những xã nào" asks about the khối, as "các xã"
        spans: list[tuple[int, int]] = [m.span() for m in BODIES.finditer(prepared)]
        top = own if official else root
        said_top = False
        said_own = False
        above: int | None = None  # "cả xã" from inside the xã: the unit above the asker's own
        top_words = [(m.span(), m.group(0)) for m in TOP_WORDS.finditer(prepared)]
        if question and leftover and prepare(leftover) in PLACE_WORDS:  # "tiến độ xã", "td huyen"
            top_words.append(((0, 0), prepare(leftover)))
        police = self._police_reading(text, prepared, scope)
        if police is not None:
            police_unit, _ = police
            # a report is never for a committee with branches: the police unit is meant
            if not question and self._below(top):
                return Pick(how="own" if police_unit == own else "unit", unit_id=police_unit, phrase="cong an")
        for span, said in top_words:
            spans.append(span)
            place = next((w for w in ("thi tran", *PLACE_WORDS) if f" {w} " in f" {said} "), None)
            kind_of = self._place_kind
            if place is None or kind_of(own) == place or (official and not self._ancestors(own)):
                if official:
                    said_top = True
                else:
                    said_own = kind_of(own) == place  # a xã's secretary's "toàn xã", "xã mình": their đảng bộ
                    said_top = not said_own
            else:
                above = next((a for a in self._ancestors(own) if kind_of(a) == place), None)
                said_top = above is None
        for m in OWN_WORDS.finditer(prepared):
            said_own = True
            spans.append(m.span())
        category = None
        for cat, pattern in _category_patterns(tuple((c, tuple(n)) for c, n in categories or ())):
            hit = pattern.search(prepared)
            if hit:
                category = cat
                spans.append(hit.span())
                break
        blanked = list(prepared)
        for a, b in spans:
            for i in range(a, b):
                blanked[i] = " "
        # Token offsets of blanked words are skipped; keep the token list aligned with `prepared`.
        raw_tokens = prepared.split()
        skip: set[int] = set()
        pos = 0
        for i, tok in enumerate(raw_tokens):
            start = prepared.index(tok, pos)
            pos = start + len(tok)
            if blanked[start] == " ":
                skip.add(i)
        tokens = self.tokens(prepared)
        found = self.mentions(tokens, skip)
        succ = successor or {}

        def live(ids: Iterable[int]) -> set[int]:
            return {succ.get(u, u) for u in ids}

        if question and len(found) >= 2 and "nao" in tokens:
            # "Xóm Nội với xóm Bắc Sơn thì xóm nào chưa báo cáo": the units that hold all those named
            units = [live(m.ids) & scope for m in found]
            if all(len(u) == 1 for u in units) and len({next(iter(u)) for u in units}) >= 2:
                common = self._common_parent({next(iter(u)) for u in units})
                if common is not None and common in scope:
                    return Pick(how="own" if common == own else "unit", unit_id=common, phrase=found[0].key)
        for mention in found:
            ids = live(mention.ids)
            if (inner := self._kind_in(tokens, mention, ids & scope)) is not None:
                ids = inner
            if not mention.full and root in ids and len(ids) > 1:
                ids.discard(root)
            inside = ids & scope
            if not inside:
                if not mention.full and not official and not question:
                    continue  # a part of another unit's name in a reporter's report: not a mention
                return Pick(how="out_of_scope", unit_id=min(ids), phrase=mention.key)
            if len(inside) == 1:
                unit = next(iter(inside))
                if unit == own:
                    return Pick(how="own", unit_id=own, phrase=mention.key)
                return Pick(how="unit", unit_id=unit, phrase=mention.key)
            before = tokens[max(0, mention.start - 2) : mention.start]
            if not mention.full and before != ["chi", "bo"] and (holder := self._holder(inside)) is not None:
                # "Công ty xi măng" fits the company's đảng bộ and its "Văn phòng Công ty xi măng": the one that
                # holds the others is named (its parts have words of their own)
                return Pick(how="own" if holder == own else "unit", unit_id=holder, phrase=mention.key)
            if own in inside and (said_own or not official):
                return Pick(how="own", unit_id=own, phrase=mention.key)
            if top in inside and said_top:
                return Pick(how="top", unit_id=top, phrase=mention.key)
            return Pick(how="ask", choices=sorted(inside), phrase=mention.key)
        if not found and category is None and leftover and (hits := live(self.loose(leftover))):
            if len(hits) > 1:
                hits.discard(root)
            inside = hits & scope
            if not inside:
                return Pick(how="out_of_scope", unit_id=min(hits), phrase=leftover)
            if len(inside) == 1:
                unit = next(iter(inside))
                return Pick(how="own" if unit == own else "unit", unit_id=unit, phrase=leftover)
            return Pick(how="ask", choices=sorted(inside), phrase=leftover)
        if not found and not (said_top or said_own or category) and (named := _named_phrase(text)):
            return Pick(how="not_found", phrase=named)  # the nearest names are looked up only when replying
        nothing_said = not found and not (said_top or said_own or category)
        if question and nothing_said and leftover and (named := _proper_words(text, leftover)):
            return Pick(how="not_found", phrase=named)  # "tiến độ Hoàng Sa": a name, written as one, not ours
        if strict and not found and not (said_top or said_own or category or above) and leftover and leftover.strip():
            return Pick(how="not_found", phrase=leftover.strip())  # "/tiendo MN" where there is no mầm non
        if category is not None:
            return Pick(how="category", unit_id=top if official else own, category=category)
        if above is not None and not found and category is None:
            return Pick(how="out_of_scope", unit_id=above)
        if said_top:
            if top not in scope:
                return Pick(how="out_of_scope", unit_id=top)
            return Pick(how="top", unit_id=top)
        if said_own:
            return Pick(how="own", unit_id=own)
        return Pick(how="default", unit_id=own)


_NAMED = re.compile(
    r"(?i:chi bộ|đảng bộ|đảng ủy|xã|thôn|xóm|trường|phường|bản|công ty|chi bo|dang bo|xa|thon|xom|truong)\s+"
    r"((?:[^\W\d_][^\s,.;:?!]*)(?:\s+[^\W\d_][^\s,.;:?!]*){0,3})"
)


NAME_KINDS = frozenset("thon xom xa ban truong phuong to khu ap lang".split())


_WORD = re.compile(r"[^\W\d_][^\s,.;:?!()\"“”]*")


def _proper_words(text: str, leftover: str) -> str | None:
    """The words of a question's leftover that are written as a name — capitalised, not opening the message,
    not a Roman numeral ("quý III") — as the asker wrote them: "tiến độ Hoàng Sa" → "Hoàng Sa"."""
    if sum(c.isupper() for c in text) > sum(c.islower() for c in text):
        return None
    left = set(fold(leftover).split())
    words = [m.group(0) for m in _WORD.finditer(text)]
    proper = [
        w
        for i, w in enumerate(words)
        if i > 0 and w[0].isupper() and fold(w) in left and fold(w) not in ROMAN and fold(w) not in GENERIC
    ]
    if not proper or set(fold(" ".join(proper)).split()) != left:
        return None  # other words are left too ("… báo cáo Thường trực"): not clearly a name
    return " ".join(proper)


ROMAN = frozenset("i ii iii iv v vi vii viii ix x xi xii q".split())


def _named_phrase(text: str) -> str | None:
    """A phrase that is clearly a unit's name ("Chi bộ Hoàng Sa"): a unit word followed by capitalised words
    (in a message not written all in capitals)."""
    if sum(c.isupper() for c in text) > sum(c.islower() for c in text):
        return None
    for m in _NAMED.finditer(text):
        words = []
        kinds = m.group(1).split()
        while kinds and not kinds[0][0].isupper() and fold(kinds[0]) in NAME_KINDS:
            kinds.pop(0)
        for word in kinds:
            if not word[0].isupper():
                break
            words.append(word)
        if words and not all(fold(w) in GENERIC for w in words):
            return f"{text[m.start() : m.start(1)].strip()} {' '.join(words)}"
    return None
