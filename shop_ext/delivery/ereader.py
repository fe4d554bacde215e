"""Send to e-reader: the buyer saves their e-reader's email address (a
Kindle's @kindle.com, a PocketBook's @pbsync.com), and
"Send to my e-reader" has a worker mail the book's EPUB or PDF to it as an
attachment. Sending is a download: the one rule decides (access), it uses
one attempt and is logged (attempts.count_download), a stamped book sends
the buyer's copy; a mail server that refuses the mail gives the attempt
back, and the buyer sees why on the library page.

The e-reader services that take books by email, and the largest file
each takes, are a setting (SHOP_EREADER_MAX_MB; docs/library.md gives the
sources). An address at another domain is refused when saved, and when
sending (it may have been saved before its domain left the setting): a
book mailed there would reach no reader. A file over its service's limit
is refused before any attempt is used."""

from django import forms
from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop_ext.core.tasks import enqueue_on_commit
from shop_ext.delivery import stamping
from shop_ext.delivery.access import grant_decision
from shop_ext.delivery.attempts import OUT_OF_ATTEMPTS, count_download
from shop_ext.delivery.grants import SERVED_VERSION_RELATED, served_version
from shop_ext.delivery.library import owned_grants
from shop_ext.delivery.tasks import send_to_ereader, stamped_copy
from shop_ext.delivery.views import Download
from shop_ext.models import EReader, EReaderSending, StampedCopy

# What e-readers read from mail: EPUB (Kindle converts it) and PDF.
SENDABLE_TYPES = ("application/epub+zip", "application/pdf")


def limit_mb(email):
    """The largest file (MB) the e-reader service of address ``email``
    takes by email; None if its domain is no such service."""
    return settings.SHOP_EREADER_MAX_MB.get(email.rpartition("@")[2].lower())


def limits_mb():
    """Each service's limit, for the page: (domain, MB) pairs."""
    return sorted(settings.SHOP_EREADER_MAX_MB.items())


def not_a_service():
    """What a buyer is told of an address at a domain no e-reader service mails from."""
    domains = ", ".join(f"@{domain}" for domain, _mb in limits_mb())
    return _(
        "We can only mail books to an e-reader service's address (%(domains)s); "
        "other addresses reach no e-reader."
    ) % {"domains": domains}


class EReaderForm(forms.ModelForm):
    class Meta:
        model = EReader
        fields = ["email"]
        labels = {"email": gettext_lazy("Your e-reader's email address")}
        help_texts = {"email": gettext_lazy("For example name@kindle.com or name@pbsync.com.")}

    def clean_email(self):
        email = self.cleaned_data["email"]
        if limit_mb(email) is None:
            raise forms.ValidationError(not_a_service(), code="not_an_ereader_service")
        return email


def address_of(user):
    return EReader.objects.filter(user=user).first()


def sender_address():
    return settings.SHOP_EREADER_FROM_EMAIL


def recent_sendings(user):
    return list(
        EReaderSending.objects.filter(grant__order__user_id=user.pk).select_related("grant__file__product")[
            :5
        ]
    )


def queue_sending(request, grant_id):
    """Count the attempt and queue the mail of grant ``grant_id``'s file
    to the signed-in buyer's e-reader; what to tell them. Someone else's
    grant, or one not in their library, is a 404."""
    user = request.user
    grants = owned_grants(user.pk).select_related("order__delivery", *SERVED_VERSION_RELATED)
    grant = grants.filter(pk=grant_id).first()
    if grant is None:
        raise Http404("No such file.")
    address = address_of(user)
    if address is None:
        return _("Save your e-reader's address first.")
    limit = limit_mb(address.email)
    if limit is None:
        return not_a_service()
    version = served_version(grant)
    if version.content_type not in SENDABLE_TYPES:
        return _("Only EPUB and PDF files can be sent to an e-reader.")
    decision = grant_decision(user, grant)
    if not decision:
        return str(decision.reason)
    download = Download(grant.order, grant, [version])
    if stamping.applies(grant.file.product, version):
        copy = stamped_copy(grant, version, create=True)
        if copy.status != StampedCopy.READY:
            return _("Your copy with your name in it is being made. Please send it again in a minute.")
        download.stamped = copy
    if download.size() > limit * 2**20:
        return _("This file is larger than the %(mb)s MB your e-reader's service takes by email.") % {
            "mb": limit
        }
    counted = count_download(request, user, download, resumes=None, as_staff=False)
    if counted is None:
        return str(OUT_OF_ATTEMPTS)
    sending = EReaderSending.objects.create(grant=grant, email=address.email, attempt_id=counted[0])
    enqueue_on_commit(send_to_ereader, sending.pk)
    return _(
        "We are sending %(name)s to %(email)s. If it does not arrive, allow %(sender)s as a sender "
        "in your e-reader's settings."
    ) % {"name": grant.file.download_name, "email": address.email, "sender": sender_address()}
