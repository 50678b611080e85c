package httpapi

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Two webhook secrets, as PortOne's console shows them during a rotation.
var (
	keyA    = []byte("settle test webhook key A 32byte")
	keyB    = []byte("settle test webhook key B 32byte")
	secretA = "whsec_" + base64.StdEncoding.EncodeToString(keyA)
	secretB = "whsec_" + base64.StdEncoding.EncodeToString(keyB)
)

// specSignature signs a delivery exactly as the Standard Webhooks spec
// says, independently of the code under test: base64(HMAC-SHA256(key,
// "{id}.{timestamp}.{body}")).
func specSignature(key []byte, id string, ts int64, body string) string {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s.%d.%s", id, ts, body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func (a *testAPI) deliver(t *testing.T, id string, ts time.Time, sig, body string) answer {
	t.Helper()
	h := map[string]string{
		HeaderWebhookID:        id,
		HeaderWebhookTimestamp: strconv.FormatInt(ts.Unix(), 10),
		HeaderWebhookSignature: sig,
	}
	return a.do(t, http.MethodPost, "/webhooks/portone", "", []byte(body), h)
}

func cancelledEvent(payment, cancellation string) string {
	return fmt.Sprintf(`{"type":"Transaction.Cancelled","timestamp":"2025-10-02T03:00:00Z","data":{"storeId":"store-1","paymentId":%q,"transactionId":"tx-1","cancellationId":%q}}`,
		payment, cancellation)
}

func TestWebhookSignatures(t *testing.T) {
	a := newTestAPI(t, nil)
	now := a.now
	body := cancelledEvent("pay-1", "c-1")
	for _, tc := range []struct {
		name   string
		id     string
		ts     time.Time
		sig    string
		body   string
		status int
		field  string
	}{
		{"valid", "wh-1", now, specSignature(keyA, "wh-1", now.Unix(), body), body, 200, ""},
		{"replayed id", "wh-1", now, specSignature(keyA, "wh-1", now.Unix(), body), body, 409, HeaderWebhookID},
		{"second secret (rotation)", "wh-2", now, specSignature(keyB, "wh-2", now.Unix(), body), body, 200, ""},
		{"one of several signatures", "wh-3", now, "v1,AAAA v2,zzz " + specSignature(keyB, "wh-3", now.Unix(), body), body, 200, ""},
		{"tampered body", "wh-4", now, specSignature(keyA, "wh-4", now.Unix(), body), cancelledEvent("pay-1", "c-9"), 401, HeaderWebhookSignature},
		{"wrong secret", "wh-5", now, specSignature([]byte("some other key, also 32 bytes!!!"), "wh-5", now.Unix(), body), body, 401, HeaderWebhookSignature},
		{"signed for another id", "wh-6", now, specSignature(keyA, "wh-1", now.Unix(), body), body, 401, HeaderWebhookSignature},
		{"stale timestamp", "wh-7", now.Add(-6 * time.Minute), specSignature(keyA, "wh-7", now.Add(-6*time.Minute).Unix(), body), body, 401, HeaderWebhookTimestamp},
		{"future timestamp", "wh-8", now.Add(6 * time.Minute), specSignature(keyA, "wh-8", now.Add(6*time.Minute).Unix(), body), body, 401, HeaderWebhookTimestamp},
		{"within tolerance", "wh-9", now.Add(-4 * time.Minute), specSignature(keyA, "wh-9", now.Add(-4*time.Minute).Unix(), body), body, 200, ""},
		{"no signature", "wh-10", now, "", body, 401, HeaderWebhookSignature},
		{"no id", "", now, specSignature(keyA, "", now.Unix(), body), body, 400, HeaderWebhookID},
		{"v1 prefix only", "wh-11", now, "v1,", body, 401, HeaderWebhookSignature},
		{"signed garbage body", "wh-12", now, specSignature(keyA, "wh-12", now.Unix(), "not json"), "not json", 400, "body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := a.deliver(t, tc.id, tc.ts, tc.sig, tc.body)
			if got.status != tc.status {
				t.Fatalf("webhook (%s) = %d %s, want %d", tc.name, got.status, got.body, tc.status)
			}
			if tc.status != 200 {
				if e := got.err(t); e.Field != tc.field {
					t.Errorf("webhook (%s) body %+v, want field %q", tc.name, e, tc.field)
				}
			}
			_, err := a.st.WebhookEventByID(context.Background(), tc.id)
			if recorded := err == nil; recorded != (tc.status == 200 || tc.name == "replayed id") {
				t.Errorf("webhook (%s): recorded = %v (%v)", tc.name, recorded, err)
			}
		})
	}
	logs := a.logs.String()
	for _, secret := range []string{secretA, secretB, base64.StdEncoding.EncodeToString(keyA)} {
		if contains(logs, secret) {
			t.Errorf("the log holds a webhook secret")
		}
	}
}

func contains(s, sub string) bool { return sub != "" && strings.Contains(s, sub) }

func TestWebhookEvents(t *testing.T) {
	a := newTestAPI(t, nil)
	ctx := context.Background()
	now := a.now
	send := func(id, body string) answer {
		return a.deliver(t, id, now, specSignature(keyA, id, now.Unix(), body), body)
	}
	// A cancellation webhook before its cancellation: recorded, pending.
	got := send("wh-c1", cancelledEvent("pay-1", "c-1"))
	if got.status != 200 {
		t.Fatalf("Transaction.Cancelled = %d %s", got.status, got.body)
	}
	ev, err := a.st.WebhookEventByID(ctx, "wh-c1")
	if err != nil || ev.EventType != EventTransactionCancelled || ev.PaymentID != "pay-1" || ev.CancellationID != "c-1" {
		t.Errorf("recorded event = %+v, %v", ev, err)
	}
	partial := `{"type":"Transaction.PartialCancelled","timestamp":"2025-10-02T03:00:00Z","data":{"storeId":"s","paymentId":"pay-2","transactionId":"t","cancellationId":"c-2","extra":1},"more":true}`
	if got := send("wh-c2", partial); got.status != 200 {
		t.Errorf("Transaction.PartialCancelled = %d %s", got.status, got.body)
	}
	paid := `{"type":"Transaction.Paid","timestamp":"2025-10-02T03:00:00Z","data":{"storeId":"s","paymentId":"pay-3","transactionId":"t"}}`
	if got := send("wh-p1", paid); got.status != 200 {
		t.Errorf("Transaction.Paid = %d %s", got.status, got.body)
	}
	if ev, err := a.st.WebhookEventByID(ctx, "wh-p1"); err != nil || ev.ProcessedAt.IsZero() {
		t.Errorf("Transaction.Paid event = %+v, %v; want recorded and processed", ev, err)
	}
	unknown := `{"type":"BillingKey.Issued","timestamp":"2025-10-02T03:00:00Z","data":{"billingKey":"bk"}}`
	if got := send("wh-u1", unknown); got.status != 200 || !contains(string(got.body), `"ignored"`) {
		t.Errorf("unknown event = %d %s, want 200 ignored", got.status, got.body)
	}
	noPayment := `{"type":"Transaction.Cancelled","timestamp":"2025-10-02T03:00:00Z","data":{"storeId":"s"}}`
	if got := send("wh-bad", noPayment); got.status != 400 || got.err(t).Field != "data.paymentId" {
		t.Errorf("Transaction.Cancelled without paymentId = %d %s, want 400 on data.paymentId", got.status, got.body)
	}
}

func TestWebhookOff(t *testing.T) {
	a := newTestAPI(t, func(c *Config) { c.WebhookSecret = "" })
	body := cancelledEvent("pay-1", "c-1")
	got := a.deliver(t, "wh-1", a.now, specSignature(keyA, "wh-1", a.now.Unix(), body), body)
	if got.status != http.StatusNotFound {
		t.Errorf("webhook without a configured secret = %d %s, want 404", got.status, got.body)
	}
}

// TestWebhookLinksCancellations: a cancellation webhook meets its
// cancellation on (paymentId, cancellationId) in either order of arrival.
func TestWebhookLinksCancellations(t *testing.T) {
	a := newTestAPI(t, nil)
	ctx := context.Background()
	if got := a.post(t, "/v1/orders", order1); got.status != http.StatusCreated {
		t.Fatalf("POST /v1/orders = %d %s", got.status, got.body)
	}
	cancel := func(id string) string {
		return `{"partnerId":"partner-1","paymentId":"pay-1","cancellationId":"` + id + `","cancelledAt":"2025-10-02T10:00:00+09:00",
			"orderDetail":{"orderLines":[{"productId":"sku-1","quantity":1,"discounts":[]}]},"discounts":[]}`
	}
	send := func(id, cancellation string) answer {
		body := cancelledEvent("pay-1", cancellation)
		return a.deliver(t, id, a.now, specSignature(keyA, id, a.now.Unix(), body), body)
	}

	// The cancellation first: the webhook links at once.
	if got := a.post(t, "/v1/cancellations", cancel("c-1")); got.status != http.StatusCreated {
		t.Fatalf("POST /v1/cancellations = %d %s", got.status, got.body)
	}
	if got := send("wh-after", "c-1"); got.status != 200 || !strings.Contains(string(got.body), webhookLinked) {
		t.Errorf("webhook after its cancellation = %d %s, want %s", got.status, got.body, webhookLinked)
	}
	if c, err := a.st.Cancellation(ctx, "partner-1", "c-1"); err != nil || c.WebhookID != "wh-after" {
		t.Errorf("cancellation c-1 webhook = %q (%v), want wh-after", c.WebhookID, err)
	}
	if ev, err := a.st.WebhookEventByID(ctx, "wh-after"); err != nil || ev.ProcessedAt.IsZero() {
		t.Errorf("webhook wh-after processed at %v (%v), want set", ev.ProcessedAt, err)
	}

	// The webhook first: pending until its cancellation arrives.
	if got := send("wh-before", "c-2"); got.status != 200 || !strings.Contains(string(got.body), webhookPending) {
		t.Errorf("webhook before its cancellation = %d %s, want %s", got.status, got.body, webhookPending)
	}
	if ev, err := a.st.WebhookEventByID(ctx, "wh-before"); err != nil || !ev.ProcessedAt.IsZero() {
		t.Errorf("pending webhook processed at %v (%v), want unset", ev.ProcessedAt, err)
	}
	if got := a.post(t, "/v1/cancellations", cancel("c-2")); got.status != http.StatusCreated {
		t.Fatalf("POST /v1/cancellations c-2 = %d %s", got.status, got.body)
	}
	if c, err := a.st.Cancellation(ctx, "partner-1", "c-2"); err != nil || c.WebhookID != "wh-before" {
		t.Errorf("cancellation c-2 webhook = %q (%v), want wh-before", c.WebhookID, err)
	}
	if ev, err := a.st.WebhookEventByID(ctx, "wh-before"); err != nil || ev.ProcessedAt.IsZero() {
		t.Errorf("webhook wh-before processed at %v (%v) after its cancellation arrived, want set", ev.ProcessedAt, err)
	}
}
