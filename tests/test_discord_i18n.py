"""Discord in the user's language: slash-command descriptions registered in Korean and
English (names stay English), and a `ko` client gets Korean replies."""

import discord
from discord.app_commands import CommandTree

from bot.discord.client import VocabotDiscord
from bot.discord.cog import VocabCog
from bot.discord.translator import CatalogTranslator
from tests.discord_harness import ALICE, Discord, Screen
from tests.sample_decks import COFFEE_WORDS, pages

HANGUL = "가-힣"


async def test_command_descriptions_are_registered_in_korean(dc: Discord) -> None:
    client = VocabotDiscord(dc.app)
    tree: CommandTree[VocabotDiscord] = client.tree
    translator = CatalogTranslator()
    await tree.set_translator(translator)
    await client.add_cog(VocabCog(dc.app))
    payloads = {
        command.name: await command.get_translated_payload(tree, translator)
        for command in tree.get_commands()
    }
    await client.close()
    vocab = payloads["vocab"]
    assert (vocab["name"] == "vocab" and "name_localizations" not in vocab) or not vocab.get(
        "name_localizations"
    ), "command names stay English"
    assert vocab["description"] == "Make a vocabulary deck from a YouTube video"
    assert vocab["description_localizations"]["ko"] == "유튜브 영상으로 단어장 만들기"
    url = next(o for o in vocab["options"] if o["name"] == "url")
    assert url["description_localizations"]["ko"] == "유튜브 링크"
    language = next(o for o in vocab["options"] if o["name"] == "learner_language")
    japanese = next(c for c in language["choices"] if c["value"] == "ja")
    assert japanese["name_localizations"]["ko"] == "일본어"
    assert japanese["name"] == "Japanese"
    assert all("ko" in p["description_localizations"] for p in payloads.values())


async def test_a_korean_client_gets_korean_replies(dc: Discord) -> None:
    screen = await dc.vocab(ALICE, "https://youtu.be/vocabDemo02", discord.Locale.korean)
    embed = await dc.wait_for_embed(screen)
    assert embed.description and f"단어 {COFFEE_WORDS}개 중 1–5" in embed.description
    assert embed.footer.text and f"1/{pages()} 페이지" in embed.footer.text
    view = screen.original["view"]
    labels = [str(getattr(getattr(i, "item", i), "label", "")) for i in view.children]
    assert any("표현" in label for label in labels) and any(
        "모두 알아요" in label for label in labels
    )
    stats = Screen()
    await dc.run(dc.cog.stats, dc.interaction(ALICE, stats, locale=discord.Locale.korean))
    assert "학습 현황" in str(stats.sent["embed"].description)
    refused = Screen()
    await dc.run(
        dc.cog.vocab, dc.interaction(ALICE, refused, locale=discord.Locale.korean), url="hello"
    )
    assert refused.ephemeral == [
        "유튜브 링크를 보내 주시면 단어장을 만들어 드릴게요. 예: https://youtu.be/dQw4w9WgXcQ"
    ]
