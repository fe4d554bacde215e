"""The admin's front page for editors (settings.DASHBOARD_TAGS): the first
group of ADMIN_MENU_ORDER, what an editor uses every day, as large links;
every other group below, folded under "Settings". And the admin's side menu,
which shows the same entries. Both leave out the links the staff member may
not follow (shop_ext.core.admin_menu)."""

from django import template
from mezzanine.core.templatetags.mezzanine_tags import admin_dropdown_menu

from shop_ext.core.admin_menu import permitted_app_list

register = template.Library()


@register.inclusion_tag("admin/includes/editor_dashboard.html", takes_context=True)
def editor_dashboard(context):
    request = context["request"]
    groups = permitted_app_list(request)
    everyday, *others = groups or [None]
    return {"everyday": everyday, "settings_groups": others, "request": request}


@register.inclusion_tag("admin/includes/dropdown_menu.html", takes_context=True)
def permitted_dropdown_menu(context):
    """Mezzanine's side menu (its languages and sites as they are), with the
    entries filtered."""
    menu = admin_dropdown_menu(context)
    menu["dropdown_menu_app_list"] = permitted_app_list(context["request"])
    return menu
