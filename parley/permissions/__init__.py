"""The one place that decides who may see or do what.

Every question goes through `request.perms`, a `Perms` built once per request: see
`parley.permissions.guardian` (the guardian, one mixin per subject, and `perms_for`), `grants.py`
(group entries resolved per forum and cached under the `perms` stamp, plus member facts),
`registry.py` (the permissions and built-in groups) and `services.py` (changing them).

Django imports this package while it loads apps, before any model can be imported, so it
imports nothing and defines nothing: import `Perms` and `perms_for` from
`parley.permissions.guardian`.
"""
