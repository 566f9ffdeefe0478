"""Runnable jobs: each module composes library stages and has a frozen config."""
