"""The playground: a local Slack, to see Rebound work without a Slack app.

`emulator` plays Slack's Web API with Slack's semantics (trigger ids that live 3 seconds and open
one view, views with ids and hashes, conversations and their history, the file upload flow). It
is the one model of Slack the project has: the tests and the benchmarks run the bot against it.
`hubspot` is its counterpart for HubSpot: the three CRM reads the sweep makes, and signed webhooks.
"""
