"""The monitoring service's rules: points and their thresholds, devices, readings, alarms and
the indicators. Pure Python: no framework, database or broker imports."""
