package httpapi

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/settle-dev/settle/intake"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// Standard Webhooks (portone-platform.md §7; standardwebhooks.com): PortOne
// signs "{webhook-id}.{webhook-timestamp}.{body}" with HMAC-SHA256 under
// the secret's key and sends the result, base64, as one of the
// space-separated "v1,<signature>" entries of webhook-signature.

// The webhook headers.
const (
	HeaderWebhookID        = "webhook-id"
	HeaderWebhookTimestamp = "webhook-timestamp"
	HeaderWebhookSignature = "webhook-signature"
)

// DefaultWebhookTolerance is how far webhook-timestamp may be from now.
const DefaultWebhookTolerance = 5 * time.Minute

// The PortOne payment events settle acts on.
const (
	EventTransactionPaid             = "Transaction.Paid"
	EventTransactionCancelled        = "Transaction.Cancelled"
	EventTransactionPartialCancelled = "Transaction.PartialCancelled"
)

// webhookKeys are the HMAC keys of the active secrets (one, or two during a
// rotation).
type webhookKeys [][]byte

// parseWebhookSecrets reads PORTONE_WEBHOOK_SECRET: one or two `whsec_…`
// secrets separated by commas or spaces. The error never quotes a secret.
func parseWebhookSecrets(s string) (webhookKeys, error) {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' })
	if len(parts) > 2 {
		return nil, fmt.Errorf("PORTONE_WEBHOOK_SECRET: at most two secrets (old and new during a rotation), got %d", len(parts))
	}
	keys := make(webhookKeys, 0, len(parts))
	for i, p := range parts {
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(p, "whsec_"))
		if err != nil || len(key) == 0 {
			return nil, fmt.Errorf("PORTONE_WEBHOOK_SECRET: secret %d is not whsec_ followed by base64", i+1)
		}
		keys = append(keys, key)
	}
	return keys, nil
}

// sign is the v1 signature of one message under key.
func sign(key []byte, id string, ts int64, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// webhookError is a rejected delivery: the HTTP status and the error body.
type webhookError struct {
	status int
	err    *settlement.Error
}

func (e *webhookError) Error() string { return e.err.Error() }

func webhookReject(status int, typ settlement.ErrorType, field, format string, args ...any) *webhookError {
	return &webhookError{status: status, err: &settlement.Error{Type: typ, Field: field, Message: fmt.Sprintf(format, args...)}}
}

// verify checks a delivery's signature and timestamp; it returns the
// timestamp. Every comparison of a signature takes the same time whatever
// the signature holds.
func (k webhookKeys) verify(h http.Header, body []byte, now time.Time, tolerance time.Duration) (time.Time, *webhookError) {
	id, tsText, sigs := h.Get(HeaderWebhookID), h.Get(HeaderWebhookTimestamp), h.Get(HeaderWebhookSignature)
	switch {
	case id == "":
		return time.Time{}, webhookReject(http.StatusBadRequest, settlement.ErrInvalidRequest, HeaderWebhookID, "required header missing")
	case settlement.CheckID(HeaderWebhookID, id) != nil:
		return time.Time{}, &webhookError{status: http.StatusBadRequest, err: settlement.CheckID(HeaderWebhookID, id)}
	case tsText == "":
		return time.Time{}, webhookReject(http.StatusBadRequest, settlement.ErrInvalidRequest, HeaderWebhookTimestamp, "required header missing")
	case sigs == "":
		return time.Time{}, webhookReject(http.StatusUnauthorized, errUnauthorized, HeaderWebhookSignature, "required header missing")
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return time.Time{}, webhookReject(http.StatusBadRequest, settlement.ErrInvalidRequest, HeaderWebhookTimestamp, "want unix seconds")
	}
	sent := time.Unix(ts, 0)
	if d := now.Sub(sent); d > tolerance || d < -tolerance {
		return time.Time{}, webhookReject(http.StatusUnauthorized, errUnauthorized, HeaderWebhookTimestamp,
			"more than %s from the current time", tolerance)
	}
	want := make([][]byte, len(k))
	for i, key := range k {
		want[i] = sign(key, id, ts, body)
	}
	ok := false
	for _, entry := range strings.Fields(sigs) {
		version, sig, found := strings.Cut(entry, ",")
		if !found || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err != nil {
			continue
		}
		for _, w := range want {
			if hmac.Equal(got, w) {
				ok = true // keep going: the time taken does not depend on which entry matched
			}
		}
	}
	if !ok {
		return time.Time{}, webhookReject(http.StatusUnauthorized, errUnauthorized, HeaderWebhookSignature, "no valid v1 signature")
	}
	return sent, nil
}

// webhookBody is PortOne's V2 webhook body (version 2024-04-25). Unknown
// fields are ignored; data is decoded only for the types settle acts on.
type webhookBody struct {
	Type      string          `json:"type"`
	Timestamp string          `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

type transactionData struct {
	StoreID        string `json:"storeId"`
	PaymentID      string `json:"paymentId"`
	TransactionID  string `json:"transactionId"`
	CancellationID string `json:"cancellationId"`
}

// parseEvent reads a verified body into the event the store keeps. The
// body is strict JSON (a duplicate name is refused, as in a record), and
// the ids it names follow the rules of every id (settlement.CheckID): a
// signature proves who sent a body, not that its ids are usable keys.
func parseEvent(id string, sent time.Time, body []byte) (store.WebhookEvent, *webhookError) {
	ev := store.WebhookEvent{WebhookID: id, SentAt: sent, Raw: body}
	bad := func(e *settlement.Error) *webhookError { return &webhookError{status: http.StatusBadRequest, err: e} }
	var b webhookBody
	if e := intake.DecodeJSON(body, &b); e != nil {
		if e.Field == "" {
			e.Field = "body"
		}
		return ev, bad(e)
	}
	if b.Type == "" {
		return ev, webhookReject(http.StatusBadRequest, settlement.ErrInvalidRequest, "type", "required")
	}
	ev.EventType = b.Type
	if !strings.HasPrefix(b.Type, "Transaction.") {
		return ev, nil
	}
	var d transactionData
	if len(b.Data) > 0 && string(b.Data) != "null" {
		if e := intake.DecodeJSON(b.Data, &d); e != nil {
			c := *e
			c.Field = strings.TrimSuffix("data."+c.Field, ".")
			return ev, bad(&c)
		}
	}
	ev.PaymentID, ev.CancellationID = settlement.PaymentID(d.PaymentID), settlement.CancellationID(d.CancellationID)
	switch b.Type {
	case EventTransactionPaid, EventTransactionCancelled, EventTransactionPartialCancelled:
		if err := settlement.CheckID("data.paymentId", d.PaymentID); err != nil {
			return ev, bad(err)
		}
	}
	if d.CancellationID != "" {
		if err := settlement.CheckID("data.cancellationId", d.CancellationID); err != nil {
			return ev, bad(err)
		}
	}
	return ev, nil
}

// A PortOne Transaction.Cancelled / Transaction.PartialCancelled webhook
// names a payment and a cancellation; the marketplace registers the
// cancellation itself (what was cancelled, by line). The two meet on
// (paymentId, cancellationId): a webhook arriving after its cancellation is
// linked at once; one arriving before stays pending (recorded, not
// processed) until the cancellation comes and links it (intake does that).
// One PortOne cancellation may be split across several partners'
// cancellations, so a webhook may link several.

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
			return "", fmt.Errorf("link webhook %s: %w", ev.WebhookID, err)
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
