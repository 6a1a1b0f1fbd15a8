"""Citizens: identity checks and finding or creating the person behind a ticket."""
