"""The `vocabot` subcommands, by what they are for: making decks, serving, operating."""
