"""Every Block Kit message and view Rebound draws, one module per surface, each a pure function of
what it shows: the autopsy form, App Home, the settings form, the follow-up DMs, the replies to a
rep and the digest post; `Message` and mrkdwn escaping beside them."""
