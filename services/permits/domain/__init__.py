"""The permits service's rules: the confined-space ledger, work permits with their gas tests and
steps, the scan-before-work gate, QR tokens and the target-8 indicators."""
