"""What the CLI prints: plain-text tables, views of each result, and the JSON shapes."""
