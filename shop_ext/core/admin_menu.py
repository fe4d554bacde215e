"""The admin's menu and dashboard (settings.ADMIN_MENU_ORDER) as the staff
member looking at them may use them. Mezzanine checks the permissions of an
entry that is a model, but shows an entry given by URL name to all staff:
each such entry says here what its page requires. An entry missing here is
not shown (tests/unit/test_admin_menu.py checks that none is missing)."""

from django.urls import NoReverseMatch, reverse
from mezzanine.core.templatetags.mezzanine_tags import admin_app_list

from shop_ext.core import permissions

LINK_PERMISSIONS = {
    "admin:shop_product_import": permissions.IMPORT_CATALOGUE,
    "media-library": (),  # filebrowser-safe lets any staff member in
}


def permitted_links(user):
    """The addresses of the entries given by URL name that ``user`` may open."""
    links = set()
    for name, required in LINK_PERMISSIONS.items():
        if user.has_perms(required):
            try:
                links.add(reverse(name))
            except NoReverseMatch:
                continue
    return links


def permitted_app_list(request):
    """Mezzanine's groups of menu entries, less the links ``request.user``
    may not follow; a group left empty is dropped."""
    allowed = permitted_links(request.user)
    groups = []
    for group in admin_app_list(request):
        entries = [
            entry
            for entry in group["models"]
            if not entry["perms"].get("custom") or entry["admin_url"] in allowed
        ]
        if entries:
            groups.append({**group, "models": entries})
    return groups
