"""Text helpers every stage shares (pure): keyword matching, prose extraction, terminal-safe text, plurals,
and command hints that work as pasted.
"""
