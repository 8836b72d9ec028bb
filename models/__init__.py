"""The shipped model: default.skops (the fitted UpliftRanker) and default.json (its card); package data."""
