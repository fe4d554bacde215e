"""The admin's front page for editors (settings.DASHBOARD_TAGS): the first
group of ADMIN_MENU_ORDER, what an editor uses every day, as large links;
every other group below, folded under "Settings"."""

from django import template
from mezzanine.core.templatetags.mezzanine_tags import admin_app_list

register = template.Library()


@register.inclusion_tag("admin/includes/editor_dashboard.html", takes_context=True)
def editor_dashboard(context):
    request = context["request"]
    groups = admin_app_list(request)
    everyday, *others = groups or [None]
    return {"everyday": everyday, "settings_groups": others, "request": request}
