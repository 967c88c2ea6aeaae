"""Jira's permission catalogue, as far as ``GET mypermissions`` needs it for ``syncd check``.

A user either may edit (browse, edit issues, comment) or only browse; that is the one distinction the
emulator models (``User.can_edit``), besides the global *Bulk change* permission (``User.bulk_change``).
"""

from __future__ import annotations

from typing import Any

from syncd.sandbox.jira.model import User

__all__ = ["permission_json"]

_CATALOGUE: dict[str, tuple[str, str, str, bool]] = {
    # key: (id, name, description, needs edit rights)
    "BROWSE_PROJECTS": ("10", "Browse Projects", "Ability to browse projects and the issues within them.", False),
    "EDIT_ISSUES": ("12", "Edit Issues", "Ability to edit issues.", True),
    "ADD_COMMENTS": ("15", "Add Comments", "Ability to comment on issues.", True),
    "EDIT_OWN_COMMENTS": ("35", "Edit Own Comments", "Ability to edit own comments made on issues.", True),
}


def permission_json(key: str, user: User) -> dict[str, Any]:
    """One ``UserPermission``: an unknown key is answered as not held, as Jira does for other projects' keys."""
    if key == "BULK_CHANGE":
        return {
            "id": "33",
            "key": key,
            "name": "Bulk Change",
            "type": "GLOBAL",
            "description": "Ability to modify a collection of issues at once.",
            "havePermission": user.bulk_change,
        }
    permission_id, name, description, needs_edit = _CATALOGUE.get(key, ("0", key, "", True))
    return {
        "id": permission_id,
        "key": key,
        "name": name,
        "type": "PROJECT",
        "description": description,
        "havePermission": key in _CATALOGUE and (user.can_edit or not needs_edit),
    }
