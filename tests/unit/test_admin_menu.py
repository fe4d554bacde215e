"""Every admin menu entry given by URL name says what its page requires
(shop_ext.core.admin_menu): Mezzanine shows such an entry to all staff, and
ours shows one missing from the list to nobody."""

from django.conf import settings

from shop_ext.core.admin_menu import LINK_PERMISSIONS


def test_every_menu_link_given_by_url_name_names_its_permissions():
    url_names = {
        entry[1]
        for _group, entries in settings.ADMIN_MENU_ORDER
        for entry in entries
        if isinstance(entry, tuple) and "." not in entry[1]
    }
    assert url_names == set(LINK_PERMISSIONS)
