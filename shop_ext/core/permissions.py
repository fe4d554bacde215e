"""Every permission the code checks, by name ("app_label.codename", as
``user.has_perm`` takes it). A misspelt codename is a check nobody passes,
silently: tests/unit/test_permissions.py checks that each exists.

One module in core, below every feature: several features check the same
permission (the order admin's inlines from orders, delivery and payments
check shop.view_order), and the codenames themselves are declared on the
shared models. docs/security.md, "Staff permissions", says who needs which.
"""

# Cartridge's orders: Django's default permissions of shop.Order.
VIEW_ORDER = "shop.view_order"
CHANGE_ORDER = "shop.change_order"

# Ours, declared on the models' Meta.permissions (shop_ext.models).
MANAGE_DOWNLOADS = "shop_ext.manage_downloads"
DOWNLOAD_ANY_ORDER = "shop_ext.download_any_order"
NOTIFY_BUYERS = "shop_ext.notify_buyers"
TRACE_LEAK = "shop_ext.trace_leak"
REFUND_PAYMENT = "shop_ext.refund_payment"
# The tax report (sales and refunds by country, class and rate), declared on OrderTaxLine.
VIEW_TAX_REPORT = "shop_ext.view_tax_report"
# Django's default for StampedCopy: making failed copies again changes them.
CHANGE_STAMPED_COPY = "shop_ext.change_stampedcopy"

# Messages from the contact page: Django's defaults of ContactMessage. Staff
# read them with view, mark them handled with change, delete with delete.
VIEW_CONTACT_MESSAGE = "shop_ext.view_contactmessage"
CHANGE_CONTACT_MESSAGE = "shop_ext.change_contactmessage"
DELETE_CONTACT_MESSAGE = "shop_ext.delete_contactmessage"

# Mezzanine's page tree: moving pages (shop_ext.core.upstream_views).
CHANGE_PAGE = "pages.change_page"

# Cartridge's products: Django's default permissions of shop.Product. The
# catalogue import adds and changes products; the export shows them.
ADD_PRODUCT = "shop.add_product"
CHANGE_PRODUCT = "shop.change_product"
VIEW_PRODUCT = "shop.view_product"
# Declared on CatalogueImport: an editor sees and confirms their own imports;
# this lets a lead see and confirm everyone's.
VIEW_ALL_CATALOGUE_IMPORTS = "shop_ext.view_all_catalogue_imports"
# The catalogue import adds and changes products: both are needed for its pages
# and for the menu's link to them (shop_ext.core.admin_menu).
IMPORT_CATALOGUE = (ADD_PRODUCT, CHANGE_PRODUCT)
