"""The operator's part of the store contract (spending, quotas, activity, forgetting a
learner) on SQLite and PostgreSQL alike: the `store` fixture runs each test on both."""

import asyncio
from datetime import UTC, date, datetime, timedelta

from core.store import QuotaOverride, UsageCount
from tests.factories import deck
from tests.stores import AnyStore, StoreTarget
from tests.test_forget import ALICES_UPLOAD, SHARED_UPLOAD, VIDEO, cache_key, fill, upload

TODAY = date(2026, 11, 28)


async def test_spending_adds_up_per_learner_and_per_day(store: AnyStore) -> None:
    alice = await store.get_or_create_user("telegram", "1", learner_language="ko", level="B1")
    bob = await store.get_or_create_user("telegram", "2", learner_language="ko", level="B1")
    await store.add_usage(alice.id, TODAY, builds=1)
    await store.add_usage(alice.id, TODAY, prompt_tokens=100, completion_tokens=40)
    await store.add_usage(bob.id, TODAY, builds=1, prompt_tokens=10, completion_tokens=5)
    await store.add_usage(bob.id, TODAY - timedelta(days=1), builds=3)

    assert await store.user_usage(alice.id, TODAY) == UsageCount(1, 100, 40)
    assert await store.user_usage(alice.id, TODAY - timedelta(days=1)) == UsageCount()
    days = await store.usage_by_day(TODAY - timedelta(days=7))
    assert [(d.day, d.usage, d.users) for d in days] == [
        (TODAY, UsageCount(2, 110, 45), 2),
        (TODAY - timedelta(days=1), UsageCount(3, 0, 0), 1),
    ]
    top = await store.top_users(TODAY, limit=5)
    assert [(t.user.id if t.user else None, t.usage) for t in top] == [
        (alice.id, UsageCount(1, 100, 40)),
        (bob.id, UsageCount(1, 10, 5)),
    ]


async def test_a_quota_override_and_a_block_are_per_learner(store: AnyStore) -> None:
    alice = await store.get_or_create_user("telegram", "1", learner_language="ko", level="B1")
    bob = await store.get_or_create_user("telegram", "2", learner_language="ko", level="B1")
    assert await store.get_quota(alice.id) == QuotaOverride()
    await store.set_quota(alice.id, QuotaOverride(daily_builds=5))
    await store.set_quota(alice.id, QuotaOverride(daily_builds=None, blocked=True))
    assert await store.get_quota(alice.id) == QuotaOverride(None, blocked=True)
    assert await store.get_quota(bob.id) == QuotaOverride()


async def test_active_learners_are_the_ones_seen_since(store: AnyStore) -> None:
    alice = await store.get_or_create_user("telegram", "1", learner_language="ko", level="B1")
    await store.get_or_create_user("discord", "2", learner_language="ko", level="B1")
    now = datetime.now(UTC)
    await store.mark_seen(alice.id, now)
    assert [u.id for u in await store.active_users(now - timedelta(hours=1))] == [alice.id]
    assert await store.count_active_users(now - timedelta(hours=1)) == 1
    assert await store.count_active_users(now + timedelta(seconds=1)) == 0
    found = await store.find_user("telegram", "1")
    assert found is not None and found.last_seen is not None
    assert abs((found.last_seen - now).total_seconds()) < 1
    assert await store.find_user("telegram", "2") is None, "another platform's id"


async def test_forgetting_a_learner_leaves_nothing_of_theirs_and_all_of_another(
    store: AnyStore,
) -> None:
    alice = await fill(store, "111", [SHARED_UPLOAD, ALICES_UPLOAD])
    bob = await fill(store, "222", [SHARED_UPLOAD])
    await store.cache_deck(cache_key(VIDEO), deck(video=VIDEO))  # a public video's deck
    today = date.today()
    totals_before = await store.usage_by_day(today)
    bob_decks = await store.list_decks(bob.id)

    deleted = await store.forget_user(alice.id)

    assert deleted["users"] == 1 and deleted["decks"] == 1 and deleted["web_tokens"] == 1
    assert deleted["uploads"] == 1, "only the file nobody else sent"
    assert await store.get_user(alice.id) is None
    assert await store.find_user("telegram", "111") is None
    assert await store.list_decks(alice.id) == []
    assert await store.user_for_api_key("hash-111") is None
    assert await store.user_for_session("web-111", datetime.now(UTC)) is None
    assert await store.get_upload(ALICES_UPLOAD) is None
    assert await store.cached_deck(cache_key(ALICES_UPLOAD)) is None
    assert await store.chunk_results(cache_key(ALICES_UPLOAD)) == {}
    # Bob's things, the file he sent too, and the public deck all stay
    assert await store.list_decks(bob.id) == bob_decks
    assert (await store.user_for_api_key("hash-222") or alice).id == bob.id
    assert await store.get_upload(SHARED_UPLOAD) is not None
    assert await store.cached_deck(cache_key(SHARED_UPLOAD)) is not None
    assert await store.cached_deck(cache_key(VIDEO)) is not None
    # what Alice spent stays in the day's totals, as nobody's
    after = await store.usage_by_day(today)
    assert [d.usage for d in after] == [d.usage for d in totals_before]
    assert after[0].users == 1
    assert await store.forget_user(alice.id) == dict.fromkeys(deleted, 0), "twice: nothing"


async def test_an_upload_no_job_names_can_be_dropped(store: AnyStore) -> None:
    await fill(store, "111", [SHARED_UPLOAD])
    await store.save_upload(upload(ALICES_UPLOAD))
    assert await store.drop_unused_upload(ALICES_UPLOAD) is True
    assert await store.get_upload(ALICES_UPLOAD) is None
    assert await store.drop_unused_upload(SHARED_UPLOAD) is False, "a job names it"
    assert await store.get_upload(SHARED_UPLOAD) is not None


async def test_a_days_builds_are_checked_and_taken_in_one_step_across_processes(
    target: StoreTarget,
) -> None:
    """USER_DAILY_BUILDS raced: 11 builds passed a limit of 3 on one process, 10 across two
    fronts. Two stores on one database (two processes), 12 takes at once: 3 pass."""
    first, second = await target.open(), await target.open()
    try:
        alice = await first.get_or_create_user("telegram", "1", learner_language="ko", level="B1")
        takes = [(first, second)[i % 2].take_build(alice.id, TODAY, limit=3) for i in range(12)]
        refusals = await asyncio.gather(*takes)
        assert sorted(refusals, key=str) == [None] * 3 + ["quota"] * 9
        assert (await second.user_usage(alice.id, TODAY)).builds == 3
        await first.give_back_build(alice.id, TODAY)  # one of them joined a running build
        assert await second.take_build(alice.id, TODAY, limit=3) is None
        assert await first.take_build(alice.id, TODAY, limit=3) == "quota"
    finally:
        await first.close()
        await second.close()


async def test_the_token_budget_is_reserved_before_it_is_spent_across_processes(
    target: StoreTarget,
) -> None:
    """DAILY_TOKEN_BUDGET overshot ~10x: 12 builds with 5,000 tokens left spent ~51,000.
    A build reserves what it plans to spend, in one step with the check: once the spent and
    reserved tokens reach the budget nothing more is reserved (overshoot: one build)."""
    budget = 100_000
    first, second = await target.open(), await target.open()
    try:
        alice = await first.get_or_create_user("telegram", "1", learner_language="ko", level="B1")
        await first.add_usage(alice.id, TODAY, prompt_tokens=budget - 5_000)
        asks = [
            (first, second)[i % 2].reserve_tokens(alice.id, TODAY, 4_000, budget=budget)
            for i in range(12)
        ]
        granted = sum(await asyncio.gather(*asks))
        assert granted == 2, "95,000 + 4,000 < 100,000: one more; 103,000: none"
        assert await first.take_build(alice.id, TODAY, limit=None, budget=budget) == "budget"
        # the two builds spend 3,000 each of their 4,000 and give back the rest
        for store in (first, second):
            await store.add_usage(alice.id, TODAY, completion_tokens=3_000, reserved_tokens=-4_000)
        assert (await first.user_usage(alice.id, TODAY)).tokens == budget + 1_000
        assert not await second.reserve_tokens(alice.id, TODAY, 10, budget=budget)
        assert await second.reserve_tokens(alice.id, TODAY, 10, budget=budget * 2)
    finally:
        await first.close()
        await second.close()
