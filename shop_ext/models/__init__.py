"""The app's tables, by the feature that owns their rules (docs/architecture.md,
"Models"). Every model is re-exported here, so ``from shop_ext.models import X``,
the app label, the tables and the migrations (which name
``shop_ext.models.product_file_path`` and ``new_link_secret``) stay as they were."""

from shop_ext.models.catalogue import (
    Book,
    ProductFile,
    ProductFileVersion,
    ProductSample,
    VariationIsbn,
    files_of_its_type,
    product_file_path,
)
from shop_ext.models.delivery import (
    DownloadAttempt,
    DownloadGrant,
    DownloadPolicy,
    EReader,
    EReaderSending,
    LibraryFeed,
    OrderDelivery,
    PrivateOrderLink,
    StampedCopy,
    UpdateNotice,
    new_link_secret,
)
from shop_ext.models.orders import ClaimedAddress, InvoiceCounter, InvoiceNumber, InvoiceResend, OrderEmail
from shop_ext.models.payments import Payment, PaymentEvent, PaymentRefund, RefundTaxLine, UnfinishedPayment
from shop_ext.models.taxes import (
    OrderTaxEvidence,
    OrderTaxLine,
    ProductTaxClass,
    TaxClass,
    TaxRate,
    VatCheck,
)

__all__ = [
    "Book",
    "ClaimedAddress",
    "DownloadAttempt",
    "DownloadGrant",
    "DownloadPolicy",
    "InvoiceCounter",
    "InvoiceNumber",
    "EReader",
    "EReaderSending",
    "InvoiceResend",
    "LibraryFeed",
    "OrderDelivery",
    "OrderEmail",
    "OrderTaxEvidence",
    "OrderTaxLine",
    "Payment",
    "PaymentEvent",
    "PaymentRefund",
    "PrivateOrderLink",
    "ProductFile",
    "ProductFileVersion",
    "ProductSample",
    "ProductTaxClass",
    "RefundTaxLine",
    "StampedCopy",
    "TaxClass",
    "TaxRate",
    "VatCheck",
    "UnfinishedPayment",
    "UpdateNotice",
    "VariationIsbn",
    "files_of_its_type",
    "new_link_secret",
    "product_file_path",
]
