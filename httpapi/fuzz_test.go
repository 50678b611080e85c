package httpapi

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

func FuzzWebhook(f *testing.F) {
	st := openStore(f)
	now := time.Date(2025, 10, 2, 3, 0, 0, 0, time.UTC)
	h, err := NewServer(Config{APIToken: testToken, Location: seoul, WebhookSecret: secretA + "," + secretB,
		Now: func() time.Time { return now }}, st, slog.New(slog.DiscardHandler))
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(cancelledEvent("pay-1", "c-1")), "wh-1", int64(0), true, "")
	f.Add([]byte(`{"type":"Transaction.Paid","data":{"paymentId":"p"}}`), "wh-2", int64(-299), true, "v1,AAAA")
	f.Add([]byte(`{"type":"X","data":[1]}`), "wh-3", int64(301), false, "v1,"+strings.Repeat("A", 44))
	f.Add([]byte(`{"type":"Transaction.Cancelled","data":{"paymentId":5}}`), "", int64(0), true, "v2,x")
	f.Fuzz(func(t *testing.T, body []byte, id string, delta int64, signIt bool, extra string) {
		if delta > 1<<40 || delta < -1<<40 {
			delta %= 1 << 40
		}
		ts := now.Unix() + delta
		sig := extra
		if signIt {
			sig = specSignature(keyA, id, ts, string(body)) + " " + extra
		}
		req := httptest.NewRequest(http.MethodPost, "/webhooks/portone", bytes.NewReader(body))
		req.Header.Set(HeaderWebhookID, id)
		req.Header.Set(HeaderWebhookTimestamp, strconv.FormatInt(ts, 10))
		req.Header.Set(HeaderWebhookSignature, sig)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case 200, 400, 401, 409, 413:
		default:
			t.Fatalf("webhook answered %d: %s", rec.Code, rec.Body)
		}
		valid := signIt && delta >= -300 && delta <= 300 && id != "" && len(id) <= 256
		if rec.Code == 200 && !valid {
			t.Fatalf("webhook accepted an unsigned or stale delivery: id %q delta %d signed %v", id, delta, signIt)
		}
		if rec.Code == 200 {
			if _, err := st.WebhookEventByID(context.Background(), id); err != nil {
				t.Fatalf("webhook 200 but not recorded: %v", err)
			}
		}
	})
}
