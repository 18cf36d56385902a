"""Tier manager: how a store runs its functions (see manager.py)."""
