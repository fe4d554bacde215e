"""How the code may import itself (docs/architecture.md): shop_ext's feature
packages import downwards only, nothing imports in a cycle, the product
never imports the demo, and the theme holds no domain code."""

import ast

import pytest

from tests import BASE_DIR

# A feature package may import the ones below it, never those above.
LAYERS = {
    "core": 0,
    "models": 1,
    "catalogue": 2,
    "contact": 2,
    "orders": 3,
    "delivery": 4,
    "taxes": 4,
    "payments": 5,
    "accounts": 5,
    "checkout": 6,
}
# The orders package's __init__ holds only OrderStatus: safe to import anywhere.
ENUMS = {"shop_ext.orders"}


def module_name(path):
    parts = list(path.relative_to(BASE_DIR).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path, top_level_only=False):
    """The modules ``path`` imports (``from a import b`` as a.b when b is a
    module of ours, else a), relative imports resolved."""
    tree = ast.parse(path.read_text())
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    nodes = tree.body if top_level_only else ast.walk(tree)
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if ours(candidate) else base)
    return found


def ours(name):
    path = BASE_DIR.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def sources(package):
    return [p for p in sorted((BASE_DIR / package).rglob("*.py")) if "migrations" not in p.parent.name]


def layer(name):
    parts = name.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 and parts[0] == "shop_ext" else None


@pytest.mark.parametrize("path", sources("shop_ext"), ids=lambda p: module_name(p))
def test_feature_packages_import_downwards_only(path):
    me = module_name(path)
    my_layer = layer(me)
    if my_layer is None or me in ENUMS:
        return  # root modules (admin, apps, urls, patches, ...) wire everything
    for name in imports(path):
        if not name.startswith("shop_ext") or name in ENUMS or name.split(".")[:2] == me.split(".")[:2]:
            continue
        target = layer(name)
        assert target is not None, f"{me} imports the root module {name}, which is for wiring only"
        assert target < my_layer, (
            f"{me} (layer {my_layer}) imports {name} (layer {target}) above or beside it"
        )


@pytest.mark.parametrize("path", sources("shop_ext/orders"), ids=lambda p: module_name(p))
def test_orders_never_import_delivery(path):
    """An order becoming paid is announced (shop_ext.orders.signals.order_paid)
    and the delivery grants its files in a receiver; orders' emails get their
    links the same way (order_email_context)."""
    assert not {n for n in imports(path) if n.startswith("shop_ext.delivery")}


@pytest.mark.parametrize(
    "path", sorted((BASE_DIR / "shop_ext/models").glob("[!_]*.py")), ids=lambda p: module_name(p)
)
def test_model_modules_import_downwards_only(path):
    """Inside the models package each module sits at the layer of the feature
    whose tables it holds (models.payments at payments' layer); the shared
    base, named after no feature, below them all."""

    def rank(name):
        return LAYERS.get(name.rpartition(".")[2], LAYERS["models"])

    me = module_name(path)
    for name in imports(path):
        if name.startswith("shop_ext.models.") and name != me:
            assert rank(name) < rank(me), f"{me} imports {name}, beside or above it"


def test_the_enum_package_imports_nothing_of_ours():
    assert not {n for n in imports(BASE_DIR / "shop_ext/orders/__init__.py") if n.startswith("shop_")}


def test_no_import_cycles():
    graph = {}
    for package in ("shop_ext", "shop_demo", "theme", "project"):
        for path in sources(package):
            graph[module_name(path)] = {
                n for n in imports(path, top_level_only=True) if n in graph or ours(n)
            }
    state = {}

    def visit(name, trail):
        if state.get(name) == "done":
            return
        assert state.get(name) != "open", "import cycle: " + " -> ".join([*trail, name])
        state[name] = "open"
        for target in graph.get(name, ()):
            visit(target, [*trail, name])
        state[name] = "done"

    for name in sorted(graph):
        visit(name, [])


@pytest.mark.parametrize("path", sources("shop_ext"), ids=lambda p: module_name(p))
def test_the_product_never_imports_the_demo(path):
    assert not {n for n in imports(path) if n.startswith("shop_demo")}


@pytest.mark.parametrize("path", sources("theme"), ids=lambda p: module_name(p))
def test_the_theme_holds_no_domain_code(path):
    assert not {n for n in imports(path) if n.startswith(("shop_ext", "shop_demo"))}
