"""Every permission the code checks is named once (shop_ext.core.permissions)
and exists: a misspelt codename would be a check that nobody passes."""

import ast

import pytest
from django.apps import apps

from shop_ext.core import permissions
from tests import BASE_DIR

# Calls that take permission names (a user's, a view decorator's).
CHECKS = {"has_perm", "has_perms", "permission_required"}


def declared_permissions():
    """Every "app_label.codename" some installed model has: Django's
    defaults (add, change, delete, view) and its Meta.permissions."""
    declared = set()
    for model in apps.get_models():
        opts = model._meta
        codenames = [f"{action}_{opts.model_name}" for action in opts.default_permissions]
        codenames += [codename for codename, _label in opts.permissions]
        declared.update(f"{opts.app_label}.{codename}" for codename in codenames)
    return declared


NAMED = {name: value for name, value in vars(permissions).items() if name.isupper()}


@pytest.mark.parametrize("name", sorted(NAMED))
def test_every_named_permission_exists(name):
    # A name holds one permission, or the permissions a page needs together.
    value = NAMED[name]
    for permission in (value,) if isinstance(value, str) else value:
        assert permission in declared_permissions(), (
            f"permissions.{name}: {permission!r} is no model's permission"
        )


def test_a_misspelt_permission_is_not_declared():
    assert "shop_ext.manage_download" not in declared_permissions()


def literal_checks(path):
    """(line, call) of each permission check in ``path`` given a string literal."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
        arguments = [*node.args, *(keyword.value for keyword in node.keywords)]
        literal = any(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in arguments)
        if name in CHECKS and literal:
            found.append(f"{path.relative_to(BASE_DIR)}:{node.lineno} {name}")
    return found


def test_code_checks_permissions_by_name_only():
    sources = [p for package in ("shop_ext", "project") for p in sorted((BASE_DIR / package).rglob("*.py"))]
    assert not [line for path in sources for line in literal_checks(path)]
