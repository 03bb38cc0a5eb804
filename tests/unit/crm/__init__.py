"""CRM notifications and clients, each CRM on its own, against fakes on loopback."""
