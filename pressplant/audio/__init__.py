"""Pressplant's audio engine: probe lossless masters, and turn them into any sellable format.

Pure: it imports no Django and reads no settings; everything it needs comes in as arguments.
"""
