package intake

import (
	"context"
	"errors"
	"fmt"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// A PortOne Transaction.Cancelled / Transaction.PartialCancelled webhook
// names a payment and a cancellation; the marketplace registers the
// cancellation itself. A webhook that arrived before its cancellation is
// pending (see httpapi); saving the cancellation links it.

// pendingWebhook returns the id of a pending webhook that reported rec's
// cancellation, or "".
func (in *Intake) pendingWebhook(ctx context.Context, c *CancelRecord) (string, error) {
	ev, err := in.st.WebhookForCancellation(ctx, settlement.PaymentID(c.Body.PaymentID), settlement.CancellationID(c.Body.CancellationID))
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("webhook of cancellation %s: %w", c.Key(), err)
	}
	return ev.WebhookID, nil
}
