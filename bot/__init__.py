"""Rebound's runtime: configuration, the Bolt app, the server, the CLI, and the pure builders."""
