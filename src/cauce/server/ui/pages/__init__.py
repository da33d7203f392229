"""The UI's page groups, one module each, each a router of HTML routes."""
