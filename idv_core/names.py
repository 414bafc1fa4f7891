"""
Which characters a verified name may hold, and how a page shows a stored name safely.

People compare a verified name with an ID document, so a name must read as what it is. Characters that
change how text is laid out without being seen can make one name look like another in a staff page: the
bidi embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069: "\\u202eecalevoL adA" shows as
"Ada Lovelace"), the bidi marks, and the other invisible format characters (Unicode category Cf:
zero-width space, soft hyphen, byte-order mark, tag characters...), plus the line and paragraph separators
(Zl, Zp). ``idv_core.api`` refuses a name holding any of them (the control characters, Cc, have their own
message there). One exception: ZERO WIDTH NON-JOINER and ZERO WIDTH JOINER (U+200C, U+200D), which
Persian, the Indic scripts and others need to spell names correctly, are allowed between two letters or
marks (a simplified form of IDNA's CONTEXTJ rule, RFC 5892).

Rows written before this rule may still hold such characters: :func:`for_display` shows each one as a
visible ``[U+202E]`` marker, for display only (the stored name is unchanged). A public module: providers
use it for their own staff pages.
"""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext

#: The joiners allowed between two letters or marks.
JOINERS = frozenset({"\u200c", "\u200d"})
_HIDDEN_CATEGORIES = frozenset({"Cf", "Zl", "Zp"})
_LETTER_OR_MARK = ("L", "M")


def _is_letter_or_mark(character: str) -> bool:
    return unicodedata.category(character).startswith(_LETTER_OR_MARK)


def _is_hidden(text: str, index: int) -> bool:
    character = text[index]
    if unicodedata.category(character) not in _HIDDEN_CATEGORIES:
        return False
    if character in JOINERS and 0 < index < len(text) - 1:
        return not (_is_letter_or_mark(text[index - 1]) and _is_letter_or_mark(text[index + 1]))
    return True


def code_point(character: str) -> str:
    """``"U+202E"`` for U+202E: how a refused character is named (never the name itself)."""
    return f"U+{ord(character):04X}"


def invisible_characters(text: str) -> list[str]:
    """
    Return the code points (``"U+202E"``) of the invisible format characters ``text`` holds that a name
    must not hold (see the module), each once, in order of appearance; ``[]`` when there is none.
    Control characters (Cc) are not listed here.
    """
    found: list[str] = []
    for index, character in enumerate(text):
        if _is_hidden(text, index) and code_point(character) not in found:
            found.append(code_point(character))
    return found


def invisible_characters_message(code_points: list[str]) -> str:
    """The documented refusal, naming at most three of the code points (never the name)."""
    listed = ", ".join(code_points[:3]) + (", ..." if len(code_points) > 3 else "")
    return gettext(
        "The name must not contain invisible format characters (bidi overrides and isolates, zero-width "
        "characters, soft hyphens...): it has {characters}."
    ).format(characters=listed)


def for_display(name: str) -> str:
    """
    Return ``name`` for a page, with every control character and every character a name must not hold
    replaced by a visible marker (``"[U+202E]"``), so that a stored name cannot disguise itself. For display
    only: escape the result as any text (Django templates and the admin do).
    """
    if name.isprintable():  # no Cc, Cf, Zl or Zp at all: the usual case
        return name
    return "".join(
        f"[{code_point(character)}]"
        if unicodedata.category(character) == "Cc" or _is_hidden(name, index)
        else character
        for index, character in enumerate(name)
    )
