"""Words every service shares about an enterprise: its industry and its risk features.

The registry records them; inspection picks checklist items by them; training, permits and
monitoring select enterprises by them. One list, so a value valid in one service is valid in all.
"""

INDUSTRIES = (
    "metallurgy",
    "nonferrous",
    "building_materials",
    "machinery",
    "light_industry",
    "textile",
    "tobacco",
    "commerce",
)
RISK_FEATURES = (
    "dust_explosion",
    "ammonia_refrigeration",
    "confined_space",
    "metal_smelting",
    "alcohol_storage",
    "maintenance_work",
    "outsourced_work",
)
