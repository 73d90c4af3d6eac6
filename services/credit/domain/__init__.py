"""The credit service's rules: untrustworthy-list cases from candidate to publication, removal,
credit repair and restoration; working-day deadlines; the public listing events; indicators.

Pure Python: the standard library and the pure kit. Regulatory values come in as a `Policy` of
the rules in force on the date of the fact (policy.py).
"""
