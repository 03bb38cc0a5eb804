"""Rebound: the product's rules (the autopsy, workspace settings, the export) and, in subpackages,
how it runs (`runtime`), its follow-ups (`followups`), its weekly digest (`digest`) and every
Block Kit message and view it draws (`blocks`)."""
