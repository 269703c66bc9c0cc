"""What the bot says besides quotes: greetings, help, hints and refusals.

Functions return Telegram HTML; the constants are plain text (send them without markup or
escape them).
"""

from __future__ import annotations

import html

from bot.service.service import Stats
from bot.service.smalltalk import SmallTalk

SORRY = "Sorry, something went wrong on my side. Please try again in a moment."
SLOW_DOWN = "Slow down a little, please: wait a moment, then ask again."
TEXT_ONLY = "I can only read text: type a question about the story, or see /help."
TYPE_A_QUESTION = "Type a question about the story, like: What happened, and when?"
UNKNOWN_BUTTON = "This button no longer works. Please ask again."
NO_SOURCES = "No sources are indexed yet, so there is nothing to quote."
UNKNOWN_COMMAND = "I don't know that command. See /help."
ALREADY_EXPANDED = "All the sources are already shown."
EXPIRED = "This answer is too old to expand. Please ask again."
NOT_ADMIN = "Sorry, only the bot's admins can do that."
INLINE_NONE = "The sources don't answer that"
INLINE_HINT = "Ask a question about the story"
INLINE_HINT_MORE = "You get verbatim quotes from the sources, with citations."
INLINE_SLOW_DOWN = "Too many questions: wait a moment, then type again"

_HOW = (
    "<b>How to ask</b>\n"
    "• Here: just type a question, like <i>What happened, and when?</i>\n"
    "• In a group: <code>/ask</code> <i>question</i>, mention @{bot}, or reply to my answer.\n"
    "• In any chat: type <code>@{bot} </code><i>question</i> and pick a quote."
)
_ADMIN = (
    "<b>Admin</b>\n"
    "/reload: re-read the sources folder and update the index\n"
    "/add <i>URL</i>: fetch a web page as a new source\n"
    "/remove <i>SOURCE_ID</i>: remove a source (ids are in /sources)\n"
    "/stats: usage and index figures\n"
    "Send a .txt, .md or .html file to add a source; a caption sets its title or URL."
)


def start(bot_name: str, stats: Stats) -> str:
    """The /start greeting: what the bot is, what it knows, how to ask."""
    return (
        "I answer questions about one news story using <b>only its sources</b>: every reply is "
        "a verbatim quote with its citation, never text of my own. When the sources don't say, "
        "I tell you so.\n\n"
        f"I know {stats.sources} sources ({stats.passages} passages); /sources lists them.\n\n"
        + _HOW.format(bot=html.escape(bot_name))
    )


_IN_GROUP = (
    "<b>In this group</b> I only read messages meant for me, and answer each in a reply:\n"
    "• <code>/ask</code> <i>question</i>\n"
    "• a message that mentions @{bot}, like <i>@{bot} who announced it?</i>\n"
    "• a reply to one of my answers, which I read as a follow-up to it\n"
    "Everything else here I ignore. Group answers show the best quote; "
    "<i>More sources</i> opens the rest.\n"
    "• In any chat: type <code>@{bot} </code><i>question</i> and pick a quote."
)


def help_text(bot_name: str, *, admin: bool, group: bool = False) -> str:
    """/help: how to ask (in a group, what the bot answers there), the commands, and the admin
    commands for admins."""
    commands = (
        "<b>Commands</b>\n/ask <i>question</i>: ask (also in groups)\n"
        "/sources: the sources I quote\n/start: what I am"
    )
    how = (_IN_GROUP if group else _HOW).format(bot=html.escape(bot_name))
    parts = [how, commands] + ([_ADMIN] if admin and not group else [])
    return "\n\n".join(parts)


def small_talk(kind: SmallTalk, bot_name: str, *, group: bool) -> str:
    """The friendly line a greeting or thanks gets: how to ask, with an example."""
    how = (
        f"ask with <code>/ask</code> <i>question</i> or mention @{html.escape(bot_name)}"
        if group
        else "just type a question"
    )
    if kind is SmallTalk.THANKS:
        return f"You're welcome! For more about the story, {how}."
    return f"Hello! I quote the story's sources: {how}, like <i>What happened, and when?</i>"


def ask_usage(bot_name: str) -> str:
    """What /ask without a question (or a bare mention) gets."""
    return (
        "Put the question after the command, like <code>/ask Who announced it?</code> "
        f"(or mention @{html.escape(bot_name)} with your question)."
    )


def inline_hint_message(bot_name: str) -> str:
    """Sent if someone picks the hint result of an empty inline query (plain text)."""
    return f"Ask me about the story: type @{bot_name} followed by a question."


def last_source(source_id: str) -> str:
    """Why /remove of the only indexed source changes nothing."""
    name = f"<code>{html.escape(source_id)}</code>"
    return (
        f"{name} is the only source left, so nothing was removed: without it I would have "
        "nothing to quote. Add another source first (send its file here), then "
        f"<code>/remove {html.escape(source_id)}</code>. To update this source instead, "
        "send a file with the same name."
    )


def more(count: int) -> str:
    """The label of the button that expands a compact group answer."""
    return f"More sources ({count})"


def few_words(text: str, count: int = 8) -> str:
    """The first `count` words of `text`, with "…" if there were more."""
    words = text.split()
    return " ".join(words[:count]) + ("…" if len(words) > count else "")
