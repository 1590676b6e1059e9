"""The source text, normalised for parsing but never cut loose from the original.

Plans published as PDFs and pasted into text files carry noise that breaks
pattern matching: sentences split across page breaks (``市城\\n\\n市管理局``),
full-width and half-width punctuation mixed (``（一）`` and ``(二)``, ``，`` and
``,``), stray spaces (``2024 年底前``), a Latin word in Chinese prose (``问题 and
突出隐患``) and a traditional character here and there (``行爲``).

:class:`SourceText` builds a *clean* string for the parsers together with, for
every clean character, the range of original characters it came from, so any
match in the clean text maps back to an exact slice of the file: the quote of
a :class:`Span` always satisfies ``original[start:end] == quote``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Canonical forms: ASCII digits, letters and parentheses; Chinese sentence punctuation.
_CHAR_MAP = {
    "（": "(", "）": ")", ",": "，", ";": "；", ":": "：", "．": ".",
    "〔": "(", "〕": ")", "【": "(", "】": ")", "～": "~",
}
_CHAR_MAP.update({chr(0xFF10 + i): str(i) for i in range(10)})  # full-width digits
# Traditional characters seen in simplified-Chinese plans (a small table, not a converter).
_TRADITIONAL = {"爲": "为", "為": "为", "於": "于", "與": "与", "對": "对", "準": "准", "關": "关"}

_CJK = r"\u3400-\u9fff"
_SENTENCE_END = "。；：！？”’)」』"
_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|\([一二三四五六七八九十]+\)|\d+[.、])")


@dataclass(frozen=True)
class Span:
    """A stretch of the source file: ``start``/``end`` are offsets into the original text."""

    start: int
    end: int
    quote: str


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of the clean text, after page-break splits are joined."""

    start: int  # offset in the clean text
    text: str

    @property
    def end(self) -> int:
        return self.start + len(self.text)


class SourceText:
    """The original text of a plan and its clean, offset-mapped twin.

    >>> st = SourceText("1.开展督导 and 检查。对发现的问题在\\n\\n安全工作中处理。")
    >>> st.clean
    '1.开展督导和检查。对发现的问题在安全工作中处理。'
    >>> i = st.clean.index("在安全")
    >>> st.span(i, i + 3).quote
    '在\\n\\n安全'
    """

    def __init__(self, original: str) -> None:
        self.original = original
        chars: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        for i, ch in enumerate(original):
            ch = _TRADITIONAL.get(ch, _CHAR_MAP.get(ch, ch))
            if ch == "\r":
                continue
            chars.append(ch)
            starts.append(i)
            ends.append(i + 1)
        self._chars, self._starts, self._ends = chars, starts, ends
        self._substitute(rf"(?<=[{_CJK}])\s*\b(?:and|And|AND)\b\s*(?=[{_CJK}])", "和")
        self._substitute(r"[ \t\u3000\u00a0]+", "", keep_between_latin=True)
        self._join_page_breaks()
        self.clean = "".join(self._chars)

    # -- building ---------------------------------------------------------------------------

    def _substitute(self, pattern: str, replacement: str, keep_between_latin: bool = False) -> None:
        """Replace matches in the working text while keeping the offset map."""
        text = "".join(self._chars)
        for m in reversed(list(re.finditer(pattern, text))):
            a, b = m.start(), m.end()
            if keep_between_latin and self._between_latin(text, a, b):
                continue
            start, end = self._starts[a], self._ends[b - 1]
            n = len(replacement)
            self._chars[a:b] = list(replacement)
            self._starts[a:b] = [start] * n
            self._ends[a:b] = [end] * n

    @staticmethod
    def _between_latin(text: str, a: int, b: int) -> bool:
        return 0 < a and b < len(text) and text[a - 1].isascii() and text[b].isascii() \
            and text[a - 1].isalpha() and text[b].isalpha()

    def _join_page_breaks(self) -> None:
        """Drop line breaks that split a sentence across a page.

        A body paragraph (it has sentence punctuation) that stops on a character rather
        than on punctuation, followed by one that is not a heading, is one paragraph cut in two.
        Lines without sentence punctuation (titles, signatures, dates) are left alone.
        """
        text = "".join(self._chars)
        for m in reversed(list(re.finditer(r"\n\s*\n?\s*", text))):
            line_start = text.rfind("\n", 0, m.start()) + 1
            before = text[line_start:m.start()]
            after = text[m.end():m.end() + 12]
            if (re.search("[，。；]", before) and before[-1] not in _SENTENCE_END
                    and re.match(rf"[{_CJK}\d“\"《(]", after) and not _HEADING.match(after)):
                del self._chars[m.start():m.end()]
                del self._starts[m.start():m.end()]
                del self._ends[m.start():m.end()]
                text = text[:m.start()] + text[m.end():]

    # -- reading ----------------------------------------------------------------------------

    def span(self, start: int, end: int) -> Span:
        """The original slice behind ``clean[start:end]``."""
        if not 0 <= start < end <= len(self.clean):
            raise ValueError(f"empty or out-of-range clean span {start}:{end}")
        a, b = self._starts[start], self._ends[end - 1]
        return Span(a, b, self.original[a:b])

    def paragraphs(self) -> list[Paragraph]:
        """Non-empty paragraphs of the clean text, in order."""
        return [Paragraph(m.start(), m.group()) for m in re.finditer(r"[^\n]+", self.clean)
                if m.group().strip()]


def clause_bounds(text: str, start: int, end: int, stops: str = "，；。：") -> tuple[int, int]:
    """Widen ``text[start:end]`` to the clause around it (between stop punctuation).

    Parentheses are skipped over, so a stop inside ``(…)`` does not end a clause.

    >>> s = "甲，乙丙(丁，戊)己；庚"
    >>> a, b = clause_bounds(s, 3, 4)
    >>> s[a:b]
    '乙丙(丁，戊)己'
    """
    a = start
    depth = 0
    while a > 0:
        ch = text[a - 1]
        if ch == ")":
            depth += 1
        elif ch == "(":
            if depth == 0:
                break
            depth -= 1
        elif ch in stops and depth == 0 or ch == "\n":
            break
        a -= 1
    b = end
    depth = 0
    while b < len(text):
        ch = text[b]
        if ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                break
            depth -= 1
        elif ch in stops and depth == 0 or ch == "\n":
            break
        b += 1
    return a, b


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen to the sentence (between ``。``/``；``/line ends)."""
    return clause_bounds(text, start, end, stops="。；")
