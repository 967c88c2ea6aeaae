"""English function words: they say how a sentence is built, not what it is about.

The list is the Snowball project's English stop word list (https://snowballstem.org/algorithms/english/stop.txt,
BSD licence), split as :func:`syncd.text.keywords.words` splits text: a contraction's apostrophe separates
its parts ("don't" is "don" and "t"), so the parts are listed.
"""

from __future__ import annotations

__all__ = ["STOP_WORDS"]

_SNOWBALL_ENGLISH = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
    herself it its itself they them their theirs themselves what which who whom this that these those am is
    are was were be been being have has had having do does did doing would should could ought a an the and
    but if or because as until while of at by for with about against between into through during before after
    above below to from up down in out on off over under again further then once here there when where why
    how all any both each few more most other some such no nor not only own same so than too very cannot
    s t d ll m re ve isn aren wasn weren hasn haven hadn doesn don didn won wouldn shan shouldn can couldn
    mustn let
"""

STOP_WORDS = frozenset(_SNOWBALL_ENGLISH.split())
