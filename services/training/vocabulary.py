"""The training service's words, shared by its rules (domain/) and its contract (schemas.py)."""

POSITIONS = (
    "principal",
    "safety_manager",
    "special_operator",
    "team_leader",
    "confined_space_approver",
    "confined_space_guardian",
    "confined_space_entrant",
    "confined_space_rescuer",
    "employee",
)
# 三项岗位人员: the key persons of target 7.
KEY_POSITIONS = ("principal", "safety_manager", "special_operator")
CONFINED_SPACE_ROLES = (
    "confined_space_approver",
    "confined_space_guardian",
    "confined_space_entrant",
    "confined_space_rescuer",
)
SESSION_KINDS = (
    "initial",
    "annual_refresher",
    "three_level",
    "special_operator_review",
    "confined_space_annual",
    "team_leader",
)
# 三级安全教育: company → workshop → team.
LEVELS = ("company", "workshop", "team")
RESULTS = ("passed", "failed", "absent")
# A certificate's state on a day: the first two qualify its holder.
CERTIFICATE_STATES = ("valid", "review_due", "overdue", "invalid", "revoked", "suspended")
