package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// seedIntents stores intents out of reading order and fails those of
// partner p9 as PortOne would (PLATFORM_PARTNER_NOT_FOUND).
func seedIntents(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	for _, k := range []struct{ date, partner, payment string }{
		{"2025-10-01", "p9", "pay-b"}, {"2025-09-30", "p2", "pay-z"}, {"2025-10-01", "p1", "pay-c"},
		{"2025-10-01", "p9", "pay-a"}, {"2025-09-30", "p1", "pay-y"},
	} {
		body := fmt.Sprintf(`{"partnerId":%q,"paymentId":%q,"orderDetail":{"orderAmount":1000}}`, k.partner, k.payment)
		_, _, err := st.CreateIntent(ctx, store.IntentSpec{PartnerID: settlement.PartnerID(k.partner), PaymentID: settlement.PaymentID(k.payment),
			Kind: settlement.KindOrder, BusinessDate: settlement.MustDate(k.date), Request: []byte(body)})
		if err != nil {
			t.Fatal(err)
		}
	}
	claimed, err := st.ClaimIntents(ctx, "poster", 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range claimed {
		if in.PartnerID == "p9" {
			err = st.FailIntent(ctx, in.IntentID, "poster", "PLATFORM_PARTNER_NOT_FOUND (404): partner not found: p9")
		} else {
			err = st.ReleaseIntent(ctx, in.IntentID, "poster")
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	run, _, err := st.AcquireRun(ctx, "post", settlement.MustDate("2025-10-01"), "poster", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.FinishRun(ctx, run, map[string]int64{"failed": 2}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestGetIntents(t *testing.T) {
	a := newTestAPI(t, nil)
	seedIntents(t, a.st)
	type list struct {
		Intents []struct {
			BusinessDate, PartnerID, PaymentID, Status, Error string
		}
		Truncated bool
	}
	read := func(path string) list { return getOK[list](t, a, path) }
	var order []string
	for _, in := range read("/v1/intents").Intents {
		order = append(order, in.BusinessDate+"/"+in.PartnerID+"/"+in.PaymentID)
	}
	want := "2025-09-30/p1/pay-y 2025-09-30/p2/pay-z 2025-10-01/p1/pay-c 2025-10-01/p9/pay-a 2025-10-01/p9/pay-b"
	if strings.Join(order, " ") != want {
		t.Errorf("order:\n got %s\nwant %s", strings.Join(order, " "), want)
	}
	failed := read("/v1/intents?status=failed&date=2025-10-01&partnerId=p9")
	if len(failed.Intents) != 2 || !strings.Contains(failed.Intents[0].Error, "PLATFORM_PARTNER_NOT_FOUND") || failed.Intents[0].Status != "failed" {
		t.Errorf("failed intents: %+v", failed)
	}
	if l := read("/v1/intents?limit=2"); len(l.Intents) != 2 || !l.Truncated {
		t.Errorf("limit=2: %d intents, truncated %v", len(l.Intents), l.Truncated)
	}
	if l := read("/v1/intents?status=pending,conflict"); len(l.Intents) != 3 || l.Truncated {
		t.Errorf("pending,conflict: %+v", l)
	}
	for _, c := range []struct{ path, field string }{
		{"/v1/intents?status=broken", "status"}, {"/v1/intents?date=2025-02-30", "date"}, {"/v1/intents?limit=0", "limit"},
		{"/v1/status?days=0", "days"},
	} {
		if got := a.do(t, "GET", c.path, testToken, nil, nil); got.status != http.StatusBadRequest || got.err(t).Field != c.field {
			t.Errorf("GET %s = %d %s, want 400 on %s", c.path, got.status, got.body, c.field)
		}
	}
	for _, path := range []string{"/v1/intents", "/v1/status"} {
		if got := a.do(t, "GET", path, "", nil, nil); got.status != http.StatusUnauthorized {
			t.Errorf("GET %s without a token = %d, want 401", path, got.status)
		}
	}
}

func TestGetStatus(t *testing.T) {
	a := newTestAPI(t, func(c *Config) { c.Cron = "0 2 * * *" })
	seedIntents(t, a.st)
	if got := a.post(t, "/v1/orders", order1); got.status != http.StatusCreated {
		t.Fatalf("POST /v1/orders = %d %s", got.status, got.body)
	}
	got := a.do(t, "GET", "/v1/status", testToken, nil, nil)
	if got.status != http.StatusOK {
		t.Fatalf("GET /v1/status = %d %s", got.status, got.body)
	}
	var v struct {
		Dates []struct {
			BusinessDate string
			Jobs         []struct{ Job, Status string }
			Intents      []struct {
				Type, Status string
				Count        int
			}
		}
		Waiting struct {
			Total   int
			Reasons []struct {
				Type, Reason string
				Count        int
			}
		}
		NextRun   string
		LastRun   *struct{ Job, Status string }
		Attention []string
	}
	if err := json.Unmarshal(got.body, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Dates) != 2 || v.Dates[0].BusinessDate != "2025-09-30" || v.Dates[1].BusinessDate != "2025-10-01" {
		t.Fatalf("dates: %s", got.body)
	}
	d := v.Dates[1]
	if len(d.Jobs) != 1 || d.Jobs[0].Job != "post" || d.Jobs[0].Status != "done" {
		t.Errorf("jobs of 2025-10-01: %+v", d.Jobs)
	}
	counts := map[string]int{}
	for _, in := range d.Intents {
		counts[in.Status] += in.Count
	}
	if counts["failed"] != 2 || counts["pending"] != 1 {
		t.Errorf("intents of 2025-10-01: %+v", d.Intents)
	}
	// 2025-10-02 03:00 UTC is 12:00 in Seoul: the next 02:00 is the 3rd's, 17:00 UTC the day before.
	if v.NextRun != "2025-10-02T17:00:00Z" || v.LastRun == nil || v.LastRun.Job != "post" {
		t.Errorf("next run %q, last run %+v", v.NextRun, v.LastRun)
	}
	// No settle run yet: the order waits for its date's run.
	if w := v.Waiting; w.Total != 1 || len(w.Reasons) != 1 || w.Reasons[0].Type != "ORDER" || w.Reasons[0].Reason != "date_not_run" {
		t.Errorf("waiting: %+v", w)
	}
	joined := strings.Join(v.Attention, "\n")
	if !strings.Contains(joined, "2025-10-01: 2 transfer intents failed") || !strings.Contains(joined, "settle retry --date 2025-10-01") {
		t.Errorf("attention: %q", v.Attention)
	}
}
