"""Rebound's product: its rules (the autopsy, workspace settings, the export) and, in subpackages,
Slack's side of the wire (`slack`), follow-ups (`followups`), the weekly digest (`digest`), CRM
prompts (`crm`) and every Block Kit message and view it draws (`blocks`). Nothing here imports the
startup (`rebound`) or the listeners (`handlers`)."""
