"""Registry rules: pure Python, no framework, one module per idea.

`enterprises` holds the enterprise aggregate's commands and views, `standardization` the grading
rules it applies, `accounts` who may sign in and who manages which account. The names below are
read by the service's contract (schemas, gateway).
"""

from services.registry.domain.accounts import MANAGERS, READERS
from services.registry.domain.enterprises import STATUSES

__all__ = ["MANAGERS", "READERS", "STATUSES"]
