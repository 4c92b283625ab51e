"""Slash-command texts in the user's language: discord.py's Translator over our catalogs.

Command names stay English (they are typed); descriptions, option descriptions and choice
names come from core/locales like every other sentence. A learner-language choice carries
its code and is shown as that language's name in the user's language ("Japanese", "일본어").
"""

from __future__ import annotations

import discord
from discord import app_commands

from bot import texts
from core import DEFAULT_LANGUAGE, interface_language, translator


class CatalogTranslator(app_commands.Translator):
    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        names = (
            app_commands.TranslationContextLocation.command_name,
            app_commands.TranslationContextLocation.group_name,
            app_commands.TranslationContextLocation.parameter_name,
        )
        if context.location in names:
            return None  # typed names stay English everywhere
        language = interface_language(str(locale.value))
        tr = translator(language)
        code = string.extras.get("learner_language")
        if code:
            return texts.language_name(tr, str(code))
        if language == DEFAULT_LANGUAGE:
            return None  # the English text as written
        return tr(string.message)[:100]  # Discord's limit for names and descriptions
