"""Follow-ups: what an autopsy asks for and when it may arrive (`planning`, pure), the sweep that
delivers them once (`delivery`), and the receipts that keep a crash from sending twice (`receipts`)."""
