"""Guidance cards: designs, tracked batches, QR and print layouts, scan counts."""
