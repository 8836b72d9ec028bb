"""Reports for creators: one self-contained HTML file with plots (``livelift report``).

``weeks.py`` picks one creator's weeks out of a history (shared with the web
page); ``sections.py`` computes each section's numbers; ``plots.py`` draws them
with matplotlib; ``html.py`` writes the file (images embedded, no outside URL).
"""
