"""Plumbing every anjian service shares."""

import warnings

# eventlet announces its maintenance mode on import; nameko 2 needs it, and we know (DESIGN.md).
warnings.filterwarnings("ignore", message=r"(?s)\s*Eventlet is deprecated")
