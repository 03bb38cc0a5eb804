"""How Rebound runs: the Bolt app and its middleware (`app`), HTTP and Socket Mode serving
(`server`), the minute's sweeps (`scheduler`), who speaks for each workspace (`installs`), the
Web API clients and their failures (`slack`) and the request log's words (`request_log`)."""
