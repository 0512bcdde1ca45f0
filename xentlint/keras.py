"""Keras integration: ``from xentlint.keras import XentlintCallback`` (imports Keras)."""

from xentlint.runtime.callback import XentlintCallback, XentlintModelError

__all__ = ["XentlintCallback", "XentlintModelError"]
