"""Background tasks of urban data's alerts (run by ``manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task

from .models import WebhookDelivery
from .services import alert_webhooks, alerts


@task()
def alert_webhook_send(*, delivery_id: int) -> bool:
    """The first attempt of a webhook delivery (later ones: ``alert_webhooks_retry``)."""
    delivery = (
        WebhookDelivery.objects.select_related("alert__rule", "alert__entity")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        return False
    return alert_webhooks.delivery_attempt(delivery=delivery)


@task()
def alert_webhooks_retry() -> int:
    """Send the webhook deliveries that are due again."""
    return alert_webhooks.deliveries_retry()


@task()
def alerts_no_data_check() -> int:
    """Open the alerts of "no data" rules whose entities have gone quiet."""
    return alerts.no_data_check()


@task()
def alerts_conditions_check() -> int:
    """Open the alerts of duration rules whose condition has held long enough."""
    return alerts.conditions_check()
