"""Public results of a call: figures, a map of France by region, the laureates (page and CSV)."""
