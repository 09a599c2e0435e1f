"""Template context: the acting user, for the layout and navigation only (data is scoped by selectors)."""
from rammeaftale.accounts import permissions
from rammeaftale.accounts.actor import actor_for_request
from rammeaftale.accounts.models import Role
from rammeaftale.deadlines.selectors import can_use_calendar
from rammeaftale.exchange.consultations import can_use_consultations
from rammeaftale.exchange.inbox import notification_unread_count


def actor(request) -> dict:
    current = actor_for_request(request)
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    return {
        "actor": current,
        "nav_can_audit": permissions.can_browse_audit(current),
        "nav_can_import": permissions.can_import_offers(current),
        "nav_can_manage_users": current.has_role(Role.ADMINISTRATOR),
        "nav_can_placements": permissions.can_list_placements(current),
        "nav_can_billing": permissions.can_use_billing(current),
        "nav_can_consultations": can_use_consultations(current),
        "nav_can_calendar": can_use_calendar(current),
        "nav_can_economy": current.is_superuser or current.has_role(Role.ECONOMIST, Role.ADMINISTRATOR,
                                                                    Role.SECRETARIAT),
        "nav_is_staff": signed_in and user.is_staff,
        "nav_user_name": (user.get_full_name() or user.get_username()) if signed_in else "",
        # The user's own organisation (one small query): who they are, not data the selectors scope.
        "nav_organisation": str(user.organisation) if signed_in and user.organisation_id else "",
        "nav_roles": [Role(code).label for code in Role.values if code in current.roles],
        # The inbox of the vacancy exchange and its unread notifications: one COUNT on the (user, read_at) index.
        "nav_unread": notification_unread_count(actor=current) if signed_in else 0,
    }
