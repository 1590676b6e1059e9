"""``LangDep``: the display language of a request, for every REST route.

``lang=zh|en`` wins over ``Accept-Language``; with neither the answer is in
Chinese, the plan's language. The choosing itself is
:func:`safetykg.labels.choose_language` (one place for label rules); this
module only reads the two inputs from the request and documents them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Header, Query

from safetykg.labels import Language, choose_language

__all__ = ["LangDep", "display_language"]


async def display_language(
    lang: Annotated[
        Literal["zh", "en"] | None,
        Query(description="Display language of `label` fields (wins over Accept-Language)."),
    ] = None,
    accept_language: Annotated[
        str | None,
        Header(description="Used when `lang` is absent; q-values honoured; default zh."),
    ] = None,
) -> Language:
    """The language ``label`` fields are given in (both zh and en are always present)."""
    return choose_language(lang, accept_language)


LangDep = Annotated[Language, Depends(display_language)]
