"""What the bot says about privacy, forgetting, and to admins: plain text for every face.

Like bot/texts.py, every sentence is a catalog message; faces add their own markup.
"""

from __future__ import annotations

from core import (
    N_,
    AdminStatus,
    BroadcastReport,
    Translator,
    UsageCount,
    UserQuota,
    UserUsage,
    account,
)

PRIVACY = N_(
    "What I keep: your chat account's id and your settings; the decks I made for you, with "
    "their cards; the words you marked as known; your quiz answers and review schedule; "
    "your daily reminder's time and time zone, and the days you met your goal; "
    "your requests (jobs), any subtitle files you sent, your API keys, and how many decks "
    "and language-model tokens you used each day. Decks of public YouTube videos are also "
    "kept without your name, so the next learner who asks gets them at once.\n"
    "\n"
    "Why: to show your decks, schedule your reviews, remind you when you asked me to, "
    "skip words you know, keep each "
    "learner's costs within a fair limit, and fix problems. Logs name you only by a "
    "pseudonymous key. /forget deletes everything about you, after you confirm."
)
FORGET_ASK = N_(
    "This deletes everything I keep about you: your decks and cards, known words, quiz "
    "history, settings, requests, subtitle files you sent and API keys. It can't be undone. "
    "Delete it all?"
)
FORGET_YES = N_("🗑 Yes, delete everything")
FORGET_NO = N_("Keep my data")
FORGET_DONE = N_(
    "🗑 Done: everything I kept about you is deleted. If you send me something again, I'll "
    "start fresh."
)
FORGET_KEPT = N_("OK, nothing was deleted.")
FORGET_NOT_YOURS = N_("This button belongs to someone else: only they can delete their data.")
FORGET_CONFIRM_TYPED = N_("Type yes to delete everything, or anything else to keep it.")
BROADCAST_EMPTY = N_("Nobody talked to me in that period: there is no one to send it to.")
ADMIN_HELP = N_(
    "Admin commands:\n"
    "/admin – the queue and today's usage\n"
    "/admin user platform:id – a learner's quota\n"
    "/admin quota platform:id N|default – set their daily new decks\n"
    "/admin block platform:id, /admin unblock platform:id\n"
    "/admin broadcast [days] text – a message to everyone who talked to me in the last "
    "days (default 30)"
)
BROADCAST_DAYS = 30  # when the admin gives no period


def usage_line(tr: Translator, usage: UsageCount) -> str:
    return tr(
        "{builds} new decks, {prompt} + {completion} tokens",
        builds=tr.number(usage.builds),
        prompt=tr.number(usage.prompt_tokens),
        completion=tr.number(usage.completion_tokens),
    )


def spender(tr: Translator, row: UserUsage) -> str:
    who = account(row.user) if row.user is not None else tr("learners who left (/forget)")
    return f"{who}: {usage_line(tr, row.usage)}"


def status_text(tr: Translator, status: AdminStatus) -> str:
    """/admin: the queue now, today's spending and its limits, the top spenders."""
    budget = (
        tr(
            "Token budget: {used} of {budget} used",
            used=tr.number(status.today.tokens),
            budget=tr.number(status.token_budget),
        )
        if status.token_budget
        else tr("Token budget: none")
    )
    quota = (
        tr("Default quota: {n} new decks a day", n=tr.number(status.daily_builds))
        if status.daily_builds
        else tr("Default quota: none")
    )
    lines = [
        tr("🛠 Queue"),
        tr(
            "Jobs: {jobs} · building: {running} · waiting for a slot: {waiting}",
            jobs=status.jobs_active,
            running=status.builds_running,
            waiting=status.builds_waiting,
        ),
        "",
        tr("📈 Today (UTC)"),
        usage_line(tr, status.today),
        tr(
            "Learners who built: {builders} · who talked to me: {active}",
            builders=status.builders_today,
            active=status.active_today,
        ),
        budget,
        quota,
    ]
    if status.top:
        lines += ["", tr("Top today:"), *(f"• {spender(tr, row)}" for row in status.top)]
    if status.problems:
        header = tr("⚠️ For you to fix (learners were asked for a subtitle file instead):")
        lines += ["", header, *(f"• {problem}" for problem in status.problems)]
    return "\n".join(lines)


def quota_text(tr: Translator, quota: UserQuota) -> str:
    """/admin user: one learner's quota and today's use."""
    if quota.exempt:
        limit = tr("no limit (admin or local operator)")
    elif quota.limit is None:
        limit = tr("no limit")
    else:
        limit = tr.plural("{n} new deck a day", "{n} new decks a day", quota.limit)
    if quota.custom:
        limit += " " + tr("(set by an admin)")
    lines = [
        f"👤 {account(quota.user)}",
        tr("Quota: {limit}", limit=limit),
        tr("Today: {usage}", usage=usage_line(tr, quota.used)),
    ]
    if quota.blocked:
        lines.append(tr("⛔ Blocked: no new decks"))
    return "\n".join(lines)


def broadcast_text(tr: Translator, report: BroadcastReport) -> str:
    return tr(
        "📣 Sent to {sent} of {recipients} learners ({failed} failed, {skipped} on platforms "
        "I can't message from here).",
        sent=report.sent,
        recipients=report.recipients,
        failed=report.failed,
        skipped=report.skipped,
    )


def broadcast_start(tr: Translator, recipients: int) -> str:
    return tr.plural("📣 Sending to {n} learner…", "📣 Sending to {n} learners…", recipients)
