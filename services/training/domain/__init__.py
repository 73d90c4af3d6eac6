"""The training service's rules: people and their positions, certificates and their reviews,
training sessions and hours, reminders, competency facts and the target-7 indicators.

Pure Python: the standard library, python-stdnum and the pure kit. The regulatory values come in
as a `Policy` of the rules in force on the date of the fact (policy.py).
"""
