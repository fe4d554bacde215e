"""What the feature modules' models share: the queue of a recorded email."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shop_ext.core.tasks import NOT_QUEUED


def requested_by_field(verbose_name, help_text):
    """Who asked for a recorded email (empty when the shop sent it by
    itself); each kind names the person its own way on staff's pages."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=verbose_name,
        help_text=help_text,
    )


class QueuedEmail(models.Model):
    """An email recorded as a row and sent by a worker at most once
    (shop_ext.core.mail.send_recorded_once): when it was queued, when it went
    out, how often it was tried, the last error, and whether the shop gave up
    (``requested_by_field`` adds who asked)."""

    requested_at = models.DateTimeField(_("Queued at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("Sent at"), null=True, blank=True)
    tries = models.PositiveSmallIntegerField(_("Tries"), default=0)
    error = models.TextField(_("Last error"), blank=True)
    gave_up = models.BooleanField(_("Failed"), default=False)

    class Meta:
        abstract = True

    @property
    def status(self):
        if self.sent_at:
            return _("sent")
        return _("FAILED") if self.gave_up else _("queued")

    def mark_not_queued(self, error):
        """The task queue was unreachable: recorded as failed, so staff see
        it and requeue_emails queues it again."""
        type(self).objects.filter(pk=self.pk).update(gave_up=True, error=f"{NOT_QUEUED}: {error}"[:1000])
