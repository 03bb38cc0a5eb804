"""How Rebound starts and runs, on top of everything else: the command line (`cli`), the Bolt
app and its middleware (`app`), HTTP and Socket Mode serving (`server`), the minute's sweeps
(`scheduler`), the request log's words (`request_log`) and the CLI's progress lines (`progress`)."""
