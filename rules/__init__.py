"""Rule data (YAML) and the engines that run it."""
