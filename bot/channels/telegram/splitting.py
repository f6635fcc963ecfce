"""Long texts -> Telegram-sized messages (4096 UTF-16 code units), cut at the gentlest boundary."""
from __future__ import annotations

import re
from typing import Callable, List, Tuple

MAX_MESSAGE_LENGTH = 4096  # Telegram counts UTF-16 code units


def telegram_length(text: str) -> int:
    """The length Telegram counts: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


_SPLIT_LEVELS: Tuple[Tuple[Callable[[str], List[str]], str], ...] = (
    (lambda t: t.split("\n\n"), "\n\n"),
    (lambda t: t.split("\n"), "\n"),
    (lambda t: re.split(r"(?<=[.!?;:])\s+", t), " "),
    (lambda t: t.split(" "), " "),
)


def split_message(text: str, limit: int = MAX_MESSAGE_LENGTH) -> List[str]:
    """Splits text into Telegram-sized chunks, at paragraph, then line, sentence, word boundaries.

    Chunks are packed greedily (as few messages as possible), stripped, never empty; only a
    single word longer than ``limit`` is cut inside the word (never inside a surrogate pair).
    """
    if limit < 2:
        raise ValueError("limit must be at least 2")
    text = (text or "").strip()
    if not text:
        return []
    return [chunk for chunk in (c.strip() for c in _split(text, limit, 0)) if chunk]


def _split(text: str, limit: int, level: int) -> List[str]:
    if telegram_length(text) <= limit:
        return [text]
    if level >= len(_SPLIT_LEVELS):
        return _hard_cut(text, limit)
    splitter, joiner = _SPLIT_LEVELS[level]
    pieces = splitter(text)
    if len(pieces) == 1:
        return _split(text, limit, level + 1)
    chunks: List[str] = []
    current = ""
    for piece in pieces:
        if telegram_length(piece) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.extend(_split(piece, limit, level + 1))
            continue
        candidate = f"{current}{joiner}{piece}" if current else piece
        if telegram_length(candidate) <= limit:
            current = candidate
        else:
            chunks.append(current)
            current = piece
    if current:
        chunks.append(current)
    return chunks


def _hard_cut(text: str, limit: int) -> List[str]:
    chunks: List[str] = []
    current: List[str] = []
    size = 0
    for char in text:
        width = 2 if ord(char) > 0xFFFF else 1
        if size + width > limit:
            chunks.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    if current:
        chunks.append("".join(current))
    return chunks
