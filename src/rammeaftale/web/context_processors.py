"""Template context: the acting user, for the navigation only (data is scoped by selectors)."""
from rammeaftale.accounts import permissions
from rammeaftale.accounts.actor import actor_for_request


def actor(request) -> dict:
    current = actor_for_request(request)
    return {
        "actor": current,
        "nav_can_audit": permissions.can_browse_audit(current),
        "nav_can_import": permissions.can_import_offers(current),
    }
