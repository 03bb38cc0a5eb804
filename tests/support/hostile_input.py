"""Hostile and broken input for hypothesis: arbitrary Unicode (emoji, RTL, zero-width, NUL),
markup, over-long values, and form states with missing, null and wrong-typed fields."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from bot import ids

PIECES = ["\u0000", "\u200b", "\u202e", "\U0001f600", "<!channel>", "<@U0EVIL>", "&", "\u05e9", " ", "\n"]
TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=4000),  # any Unicode but lone surrogates
    st.lists(st.sampled_from(PIECES), max_size=400).map("".join),  # NUL, RTL, zero-width, emoji, markup
)
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=20), inner, max_size=4),
    max_leaves=12,
)
BLOCK_IDS = st.sampled_from(
    [
        ids.DEAL,
        ids.OUTCOME,
        ids.DEAL_VALUE,
        ids.WINNER,
        ids.COMPETITOR,
        ids.MAIN_REASON,
        ids.LESSON,
        ids.FEELINGS,
        ids.TOUCH_BASE_ON,
        ids.NO_TOUCH_BASE,
        ids.HELP_FROM,
        ids.SHARING,
        ids.CHECK_TIMING,
        ids.SET_CHANNEL,
        ids.SET_DAY,
        ids.SET_TIME,
        ids.SET_ZONE,
        ids.SET_OPTIONS,
        ids.SET_REVISIT_DAYS,
        ids.SET_COMPANY,
        "nope",
    ]
)
STATE_VALUES = st.dictionaries(
    BLOCK_IDS,
    st.one_of(
        JSONISH,
        st.dictionaries(
            BLOCK_IDS,
            st.dictionaries(
                st.sampled_from(
                    [
                        "value",
                        "selected_option",
                        "selected_options",
                        "selected_date",
                        "selected_user",
                        "selected_conversation",
                        "selected_time",
                        "type",
                    ]
                ),
                JSONISH,
                max_size=3,
            ),
            max_size=2,
        ),
    ),
    max_size=8,
)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# What a person may type to search the team's lessons: the search engines' own syntax, SQL, a
# 10 KB paste, only punctuation, emoji, right-to-left and zero-width text, NUL.
HOSTILE_SEARCHES = [
    '"',
    '"unclosed phrase',
    "*",
    "price*",
    "NEAR(initech price, 2)",
    "initech OR price",
    "initech AND NOT price",
    "-cheap",
    "lesson:price",
    "^initech",
    "(((",
    "')); DROP TABLE autopsies; --",
    "1' OR '1'='1",
    "initech " * 1500,
    "x" * 10_240,
    "!!! ??? ... ;;; ::: ---",
    "\U0001f600\U0001f525\U0001f4b8",
    "\u05de\u05d7\u05d9\u05e8 \u0633\u0639\u0631",
    "\u202eprice\u200b\u0000",
    "",
]
