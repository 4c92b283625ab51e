"""The operator's part of the store contract (spending, quotas, activity, forgetting a
learner) on SQLite and PostgreSQL alike: the `store` fixture runs each test on both."""

from datetime import UTC, date, datetime, timedelta

from core.store import QuotaOverride, UsageCount
from tests.factories import deck
from tests.stores import AnyStore
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
