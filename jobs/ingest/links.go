package ingest

import (
	"context"
	"errors"
	"fmt"

	"github.com/settle-dev/settle/store"
)

// A PortOne Transaction.Cancelled / Transaction.PartialCancelled webhook
// names a payment and a cancellation; the marketplace registers the
// cancellation itself (what was cancelled, by line). The two meet on
// (paymentId, cancellationId): a webhook arriving after its cancellation is
// linked at once; one arriving before stays pending (recorded, not
// processed) until the cancellation comes and links it. One PortOne
// cancellation may be split across several partners' cancellations, so a
// webhook may link several.

// Webhook states answered in the body of a 200.
const (
	webhookLinked   = "linked"   // a cancellation event, linked to its cancellation(s)
	webhookPending  = "pending"  // a cancellation event waiting for its cancellation
	webhookRecorded = "recorded" // a payment event, recorded
	webhookIgnored  = "ignored"  // an event type settle does not act on
)

// process acts on a newly recorded webhook event.
func (s *server) process(ctx context.Context, ev store.WebhookEvent) (string, error) {
	switch ev.EventType {
	case EventTransactionCancelled, EventTransactionPartialCancelled:
		if ev.CancellationID == "" {
			return webhookRecorded, s.st.MarkWebhookProcessed(ctx, ev.WebhookID, "no cancellationId: nothing to link")
		}
		n, err := s.st.LinkCancellationWebhook(ctx, ev.PaymentID, ev.CancellationID, ev.WebhookID)
		if err != nil {
			return "", fmt.Errorf("ingest: link webhook %s: %w", ev.WebhookID, err)
		}
		if n == 0 {
			return webhookPending, nil // processed when its cancellation arrives
		}
		return webhookLinked, s.st.MarkWebhookProcessed(ctx, ev.WebhookID, "")
	case EventTransactionPaid:
		return webhookRecorded, s.st.MarkWebhookProcessed(ctx, ev.WebhookID, "")
	}
	return webhookIgnored, s.st.MarkWebhookProcessed(ctx, ev.WebhookID, "ignored: event type "+clip(ev.EventType))
}

// pendingWebhook returns the id of a pending webhook that reported rec's
// cancellation, or "".
func (in *ingester) pendingWebhook(ctx context.Context, c *CancelRecord) (string, error) {
	ev, err := in.st.WebhookForCancellation(ctx, c.Body.PaymentID, c.Body.CancellationID)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("ingest: webhook of cancellation %s: %w", c.Key(), err)
	}
	return ev.WebhookID, nil
}
