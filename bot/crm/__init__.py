"""Lost deals from the CRM: what HubSpot (`hubspot`), Salesforce (`salesforce`) or a Workflow Builder
step says about a deal, read into one shape (`news`), and turned into one kind prompt to its owner."""
