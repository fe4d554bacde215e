"""Celery task names are a contract with the broker: a queued message names
its task, and a worker that no longer knows the name drops it. Each task
states its name (``@shared_task(name=...)``), so moving its module keeps
queued work; the list below changes only on purpose."""

import ast

from project.celery import app
from tests import BASE_DIR

TASK_NAMES = [
    "shop_ext.accounts.tasks.send_password_reset",
    "shop_ext.catalogue.tasks.check_catalogue_import",
    "shop_ext.catalogue.tasks.make_cover_versions",
    "shop_ext.catalogue.tasks.run_catalogue_import",
    "shop_ext.contact.tasks.send_contact_message",
    "shop_ext.delivery.tasks.build_order_zip",
    "shop_ext.delivery.tasks.build_stamped_copy",
    "shop_ext.delivery.tasks.send_lost_links",
    "shop_ext.delivery.tasks.send_to_ereader",
    "shop_ext.delivery.tasks.send_update_notice",
    "shop_ext.orders.tasks.send_claim_link",
    "shop_ext.orders.tasks.send_order_email",
]


def declared_names(path):
    """The ``name=`` of each Celery task defined in ``path``; a task without
    one is listed by where it is, so it cannot match TASK_NAMES."""
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            target = call.func if call else decorator
            if getattr(target, "id", getattr(target, "attr", None)) not in ("shared_task", "task"):
                continue
            name = next((kw.value for kw in call.keywords if kw.arg == "name"), None) if call else None
            names.append(
                name.value
                if isinstance(name, ast.Constant)
                else f"{path.relative_to(BASE_DIR)}:{node.name} has no name="
            )
    return names


def test_every_task_in_shop_ext_states_its_name():
    declared = [name for path in (BASE_DIR / "shop_ext").rglob("*.py") for name in declared_names(path)]
    assert sorted(declared) == TASK_NAMES


def test_celery_finds_exactly_these_tasks():
    app.loader.import_default_modules()  # autodiscovery, as a worker starts
    found = [name for name, task in app.tasks.items() if task.__module__.startswith("shop_ext.")]
    assert sorted(found) == TASK_NAMES
