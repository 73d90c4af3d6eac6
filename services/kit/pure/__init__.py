"""The kit's pure part: rules and vocabulary shared by every service, with no framework imports.

`domain/` packages may import this package and nothing else from the kit; the adapters beside it
(services.kit.mongo, .outbox, .inbox, .runtime, .evidence, ...) wrap nameko, MongoDB and S3.
"""
