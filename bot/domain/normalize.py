"""Folding Vietnamese text for matching: diacritics off, đ→d, lower case, tidy spaces; number words.

Matching always happens on folded text, so "Tiến độ Q.III", "tien do q3" and "TIẾN ĐỘ QUÝ 3" meet the
same patterns. Replies are never built from folded text.
"""

from __future__ import annotations

import functools
import re
import unicodedata

_SPACES = re.compile(r"\s+")
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060\ufeff]")
MULTIPLIERS = {"nghin": 1000, "ngan": 1000, "trieu": 1_000_000, "ty": 1_000_000_000, "k": 1000}
_PUNCT = re.compile(r"[^\w/=+\-%]+", re.UNICODE)


def _base_letters() -> dict[int, str]:
    """Every precomposed Latin letter (Vietnamese included) → its letter without marks, for str.translate."""
    table: dict[int, str] = {ord("đ"): "d", ord("Đ"): "D"}
    for code in (*range(0x00C0, 0x0250), *range(0x1E00, 0x1F00)):
        ch = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if unicodedata.category(c) != "Mn")
        if base != ch:
            table[code] = base
    return table


_BASE = _base_letters()


def strip_diacritics(text: str) -> str:
    text = text.translate(_BASE)  # the common case, fast: precomposed letters
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


# Telex typed without its input method ("tieens ddooj quys 3", "dduowcj"): the marks left in as letters. A folded
# Vietnamese syllable never ends in s/f/r/x/j after a vowel and never holds "dd", "aa", "ee", "uw", "ow", "aw".
_TELEX_WORD = re.compile(
    r"\b(?=[a-z]*(?:dd|aa|ee|oo|uw|ow|aw|[aeiouy](?:c|ch|m|n|ng|nh|p|t)?[sfrxj]\b))"
    r"(?:dd|b|c|ch|d|g|gh|gi|h|k|kh|l|m|n|ng|ngh|nh|p|ph|qu|r|s|t|th|tr|v|x)?"
    r"[aeiouyw]{1,4}(?:c|ch|m|n|ng|nh|p|t)?[sfrxj]?\b"
)
_MARKED = re.compile("[\u00c0-\u024f\u1e00-\u1eff]")  # a letter with a mark
_TELEX_KEEP = frozenset({"yes", "ok", "oke", "okay", "xoong", "boong", "soong", "coong", "ax", "ex"})


def _untelex(m: re.Match[str]) -> str:
    word = m.group(0)
    if word in _TELEX_KEEP or len(word) < 3:
        return word
    out = re.sub(r"(?<=[aeiouy]|c|h|m|n|g|p|t)[sfrxj]$", "", word) if re.search(r"[aeiouy]", word) else word
    out = re.sub(r"^dd", "d", out)
    out = re.sub(r"([aeo])\1(?!ng)", r"\1", out)
    out = re.sub(r"([uoa])w", r"\1", out)
    return out if re.search(r"[aeiouy]", out) else word


@functools.lru_cache(maxsize=8192)
def fold(text: str, keep: str = "") -> str:
    """Lower case, no diacritics, single spaces; punctuation other than / = + - % becomes a space.

    Characters in `keep` (e.g. ",;" for reports, where commas separate figures) stay, spaced apart. Pure, so
    remembered: a message is folded many times while it is read.
    """
    text = _INVISIBLE.sub("", text)  # "2\u200b0" is 20, not "2 0"
    marked = _MARKED.search(text) is not None  # written with an input method: no telex letters left in
    text = strip_diacritics(unicodedata.normalize("NFC", text)).lower()
    for ch in keep:
        text = text.replace(ch, f" {ch} ")
    pattern = _PUNCT if not keep else re.compile(r"[^\w/=+\-%" + re.escape(keep) + r"]+", re.UNICODE)
    text = pattern.sub(" ", text).replace("_", " ")
    text = _SPACES.sub(" ", text).strip()
    return text if marked else _TELEX_WORD.sub(_untelex, text)


def search_key(name: str) -> str:
    """The diacritic-free search name stored with a unit."""
    return fold(name)


UNITS = {
    "khong": 0,
    "mot": 1,
    "hai": 2,
    "ba": 3,
    "bon": 4,
    "tu": 4,
    "nam": 5,
    "lam": 5,
    "sau": 6,
    "bay": 7,
    "tam": 8,
    "chin": 9,
}
TEN = {"muoi": 10, "chuc": 10}

ROMAN_NUMERALS = {
    "i": 1,
    "ii": 2,
    "iii": 3,
    "iv": 4,
    "v": 5,
    "vi": 6,
    "vii": 7,
    "viii": 8,
    "ix": 9,
    "x": 10,
    "xi": 11,
    "xii": 12,
}


def number_at(tokens: list[str], i: int) -> tuple[int, int] | None:
    """A number with its multiplier: "hai mươi triệu" is 20,000,000 and "một nghìn" 1,000 (never 20 or 1)."""
    got = _number_at(tokens, i)
    if got is None:
        return None
    value, used = got
    j = i + used
    while (
        j < len(tokens)
        and tokens[j] in MULTIPLIERS
        and not (tokens[j] == "k" and used > 1)
        and tokens[j : j + 2] != ["ngan", "hang"]  # "/baocao 1 ngân hàng" is one, at a bank
    ):
        value *= MULTIPLIERS[tokens[j]]
        used += 1
        j += 1
    return value, used


def _number_at(tokens: list[str], i: int) -> tuple[int, int] | None:
    """Read a number (digits or Vietnamese words) starting at tokens[i]: (value, tokens used).

    Understands "2", "hai", "mười", "mười hai", "hai mươi", "hai mươi lăm", "một trăm", "một trăm lẻ năm".
    """
    if i >= len(tokens):
        return None
    tok = tokens[i]
    if re.fullmatch(r"-?\d+", tok):
        return int(tok), 1
    value, used = 0, 0
    if tok in UNITS and tok != "lam":
        value, used = UNITS[tok], 1
        # hundreds: "mot tram (le|linh) nam"
        if i + 1 < len(tokens) and tokens[i + 1] == "tram":
            value, used = value * 100, 2
            if i + used < len(tokens) and tokens[i + used] in ("le", "linh"):
                nxt = _number_at(tokens, i + used + 1)
                if nxt and nxt[0] < 10:
                    return value + nxt[0], used + 1 + nxt[1]
            rest = _number_at(tokens, i + used)
            if rest and rest[0] < 100 and tokens[i + used] in {**UNITS, **TEN}:
                return value + rest[0], used + rest[1]
            return value, used
        if i + 1 < len(tokens) and tokens[i + 1] in TEN:  # "hai muoi"
            value, used = value * 10, 2
        else:
            return value, used
    elif tok in TEN:
        value, used = 10, 1
    else:
        return None
    # optional unit after tens: "muoi hai", "hai muoi lam", "hai muoi mot", "hai muoi tu"
    j = i + used
    if j < len(tokens) and tokens[j] in UNITS and tokens[j] != "khong":
        value += UNITS[tokens[j]]
        used += 1
    return value, used


def roman(token: str) -> int | None:
    return ROMAN_NUMERALS.get(token)
