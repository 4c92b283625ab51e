"""The API's routes, one router per resource; `bot.http.api.create_api` includes them all."""
