"""The weekly digest: its week and schedule (`week`, pure), the sweep that posts it once per
workspace and week (`posting`), and its 12-week chart (`chart`). Its words are `bot.blocks.digest_post`."""
