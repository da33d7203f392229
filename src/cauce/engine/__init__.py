"""The run engine: runs one flow or task, records its states through the client."""
