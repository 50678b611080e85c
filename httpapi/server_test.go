package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

const testToken = "test-token-0123456789abcdef"

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type testAPI struct {
	*httptest.Server
	st   *store.Store
	logs *syncBuffer
	now  time.Time
}

// newTestAPI serves the API on loopback over a real SQLite store.
func newTestAPI(t *testing.T, mod func(*Config)) *testAPI {
	t.Helper()
	return newTestAPIOn(t, openStore(t), mod)
}

// newTestAPIOn serves the API on loopback over st.
func newTestAPIOn(t *testing.T, st *store.Store, mod func(*Config)) *testAPI {
	t.Helper()
	a := &testAPI{st: st, logs: &syncBuffer{}, now: time.Date(2025, 10, 2, 3, 0, 0, 0, time.UTC)}
	cfg := Config{APIToken: testToken, Location: seoul, WebhookSecret: secretA + " " + secretB,
		Now: func() time.Time { return a.now }}
	if mod != nil {
		mod(&cfg)
	}
	h, err := NewServer(cfg, a.st, slog.New(slog.NewJSONHandler(a.logs, nil)))
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	a.Server = httptest.NewServer(h)
	t.Cleanup(a.Close)
	return a
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

// apiError is the error body the API answers with.
type apiError struct {
	Type    string   `json:"type"`
	Message string   `json:"message"`
	Field   string   `json:"field"`
	Fields  []string `json:"fields"`
}

func (a answer) err(t *testing.T) apiError {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(a.body, &e); err != nil {
		t.Fatalf("error body %q: %v", a.body, err)
	}
	return e
}

func (a *testAPI) do(t *testing.T, method, path, token string, body []byte, header map[string]string) answer {
	t.Helper()
	req, err := http.NewRequest(method, a.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := a.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", method, path, err)
	}
	return answer{resp.StatusCode, resp.Header, b}
}

// getOK GETs path with the test token, wants 200, and decodes the body
// into a T.
func getOK[T any](t *testing.T, a *testAPI, path string) T {
	t.Helper()
	got := a.do(t, "GET", path, testToken, nil, nil)
	if got.status != http.StatusOK {
		t.Fatalf("GET %s = %d %s", path, got.status, got.body)
	}
	var v T
	if err := json.Unmarshal(got.body, &v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return v
}

func (a *testAPI) post(t *testing.T, path, body string) answer {
	t.Helper()
	return a.do(t, http.MethodPost, path, testToken, []byte(body), nil)
}

const order1 = `{"partnerId":"partner-1","paymentId":"pay-1","paidAt":"2025-10-01T10:00:00+09:00",
 "orderDetail":{"orderLines":[
  {"product":{"id":"sku-1","name":"셔츠","amount":20000},"quantity":2,"discounts":[],"additionalFees":[]},
  {"product":{"id":"sku-2","name":"양말","amount":5000},"quantity":3,"discounts":[{"sharePolicyId":"d-1","amount":1000}],"additionalFees":[]}]},
 "discounts":[],"additionalFees":[],"shopOrderNo":"S-1"}`

// order1Reordered is order1 with other key order and spacing, without the
// optional empty arrays and with the type said explicitly: the same record.
const order1Reordered = `{"type":"ORDER","shopOrderNo":"S-1","paymentId":"pay-1","partnerId":"partner-1",
 "orderDetail":{"orderLines":[
  {"quantity":2,"product":{"name":"셔츠","id":"sku-1","amount":20000}},
  {"product":{"id":"sku-2","name":"양말","amount":5000},"quantity":3,"discounts":[{"amount":1000,"sharePolicyId":"d-1"}]}]},
 "paidAt":"2025-10-01T10:00:00+09:00"}`

func TestNewServerRefuses(t *testing.T) {
	st := openStore(t)
	good := Config{APIToken: testToken, Location: seoul}
	for _, tc := range []struct {
		name string
		mod  func(*Config)
	}{
		{"no token", func(c *Config) { c.APIToken = "" }},
		{"short token", func(c *Config) { c.APIToken = "short" }},
		{"no location", func(c *Config) { c.Location = nil }},
		{"secret not base64", func(c *Config) { c.WebhookSecret = "whsec_%%%" }},
		{"three secrets", func(c *Config) { c.WebhookSecret = secretA + "," + secretB + "," + secretA }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.mod(&cfg)
			if _, err := NewServer(cfg, st, nil); err == nil {
				t.Errorf("NewServer(%s): no error", tc.name)
			} else if strings.Contains(err.Error(), "%%%") {
				t.Errorf("NewServer error quotes the secret: %v", err)
			}
		})
	}
	if _, err := NewServer(good, st, nil); err != nil {
		t.Errorf("NewServer(good): %v", err)
	}
}

func TestAuth(t *testing.T) {
	a := newTestAPI(t, nil)
	for _, tc := range []struct {
		name, header string
	}{
		{"no token", ""},
		{"wrong token", "Bearer wrong-token-0123456789abcdef"},
		{"token prefix", "Bearer " + testToken[:len(testToken)-1]},
		{"wrong scheme", "Basic " + testToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, ep := range []struct{ method, path string }{
				{"POST", "/v1/orders"}, {"POST", "/v1/cancellations"}, {"GET", "/v1/orders/pay-1"},
				{"GET", "/v1/settlements?date=2025-10-01"}, {"GET", "/v1/runs"},
			} {
				got := a.do(t, ep.method, ep.path, "", []byte(order1), map[string]string{"Authorization": tc.header})
				if got.status != http.StatusUnauthorized {
					t.Errorf("%s %s with %s = %d, want 401", ep.method, ep.path, tc.name, got.status)
					continue
				}
				if e := got.err(t); e.Type != "UNAUTHORIZED" || e.Field != "Authorization" {
					t.Errorf("%s %s with %s: body %+v, want UNAUTHORIZED on Authorization", ep.method, ep.path, tc.name, e)
				}
			}
		})
	}
	if got := a.do(t, "GET", "/healthz", "", nil, nil); got.status != http.StatusOK {
		t.Errorf("GET /healthz without a token = %d, want 200", got.status)
	}
	if got := a.do(t, "GET", "/v1/runs", testToken, nil, nil); got.status != http.StatusOK {
		t.Errorf("GET /v1/runs with the token = %d %s, want 200", got.status, got.body)
	}
	if strings.Contains(a.logs.String(), testToken) || strings.Contains(a.logs.String(), "wrong-token") {
		t.Errorf("the log holds a token:\n%s", a.logs)
	}
}

func TestPostOrderTwiceSameAnswer(t *testing.T) {
	a := newTestAPI(t, nil)
	first := a.post(t, "/v1/orders", order1)
	if first.status != http.StatusCreated {
		t.Fatalf("first POST /v1/orders = %d %s, want 201", first.status, first.body)
	}
	for _, body := range []string{order1, order1Reordered} {
		again := a.post(t, "/v1/orders", body)
		if again.status != http.StatusOK {
			t.Fatalf("POST /v1/orders again = %d %s, want 200", again.status, again.body)
		}
		if diff := cmp.Diff(string(first.body), string(again.body)); diff != "" {
			t.Errorf("POST /v1/orders again: answer differs (-first +again):\n%s", diff)
		}
	}
	var rec map[string]any
	if err := json.Unmarshal(first.body, &rec); err != nil {
		t.Fatal(err)
	}
	if rec["settlementStartDate"] != "2025-10-01" || rec["shopOrderNo"] != "S-1" || rec["type"] != "ORDER" {
		t.Errorf("answer %s: want settlementStartDate 2025-10-01 filled in, shopOrderNo kept, type ORDER", first.body)
	}
	if loc := first.header.Get("Location"); loc != "/v1/orders/pay-1?partnerId=partner-1" {
		t.Errorf("Location = %q", loc)
	}
	views, err := a.st.OrderViewsByPayment(context.Background(), "pay-1")
	if err != nil || len(views) != 1 {
		t.Fatalf("stored orders of pay-1 = %d, %v; want exactly one", len(views), err)
	}
	if !strings.Contains(a.logs.String(), `"record_key":"ORDER partner-1/pay-1"`) {
		t.Errorf("the log does not name the record:\n%s", a.logs)
	}
}

func TestPostOrderConflict(t *testing.T) {
	a := newTestAPI(t, nil)
	if got := a.post(t, "/v1/orders", order1); got.status != http.StatusCreated {
		t.Fatalf("POST /v1/orders = %d %s", got.status, got.body)
	}
	changed := strings.Replace(order1, `"quantity":3`, `"quantity":4`, 1)
	got := a.post(t, "/v1/orders", changed)
	if got.status != http.StatusConflict {
		t.Fatalf("POST /v1/orders with a changed body = %d %s, want 409", got.status, got.body)
	}
	e := got.err(t)
	want := apiError{Type: "PLATFORM_TRANSFER_ALREADY_EXISTS", Field: "orderDetail.orderLines[1].quantity",
		Fields: []string{"orderDetail.orderLines[1].quantity"}}
	if diff := cmp.Diff(want, e, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Message" }, cmp.Ignore())); diff != "" {
		t.Errorf("409 body (-want +got):\n%s", diff)
	}
	if !strings.Contains(e.Message, "stored 3, got 4") {
		t.Errorf("409 message %q does not show the difference", e.Message)
	}
	o, err := a.st.Order(context.Background(), "partner-1", "pay-1")
	if err != nil || o.Order.Lines[1].Quantity != 3 {
		t.Errorf("stored order after a conflict: %v, %v; want quantity 3 unchanged", o.Order.Lines, err)
	}
}

func TestPostBadBodies(t *testing.T) {
	a := newTestAPI(t, func(c *Config) { c.MaxBodyBytes = 4096 })
	big := `{"partnerId":"p","pad":"` + strings.Repeat("x", 5000) + `"}`
	for _, tc := range []struct {
		name, path, body, contentType string
		status                        int
		typ, field                    string
	}{
		{"oversized", "/v1/orders", big, "", 413, "INVALID_REQUEST", "body"},
		{"empty", "/v1/orders", "", "", 400, "INVALID_REQUEST", "body"},
		{"not JSON", "/v1/orders", `{"partnerId":`, "", 400, "INVALID_REQUEST", ""},
		{"array", "/v1/orders", `[]`, "", 400, "INVALID_REQUEST", ""},
		{"text/plain", "/v1/orders", order1, "text/plain", 415, "INVALID_REQUEST", "Content-Type"},
		{"no partner", "/v1/orders", strings.Replace(order1, `"partnerId":"partner-1",`, "", 1), "", 400, "INVALID_REQUEST", "partnerId"},
		{"negative quantity", "/v1/orders", strings.Replace(order1, `"quantity":3`, `"quantity":-2`, 1), "", 400, "INVALID_REQUEST", "orderDetail.orderLines[1].quantity"},
		{"string quantity", "/v1/orders", strings.Replace(order1, `"quantity":3`, `"quantity":"3"`, 1), "", 400, "INVALID_REQUEST", "orderDetail.orderLines[1].quantity"},
		{"duplicate product", "/v1/orders", strings.Replace(order1, `"sku-2"`, `"sku-1"`, 1), "", 400, "PLATFORM_PRODUCT_ID_DUPLICATED", "orderDetail.orderLines[1].product.id"},
		{"discount over line", "/v1/orders", strings.Replace(order1, `"amount":1000`, `"amount":99000`, 1), "", 400, "PLATFORM_SETTLEMENT_AMOUNT_EXCEEDED", "orderDetail.orderLines[1].discounts"},
		{"bad paidAt", "/v1/orders", strings.Replace(order1, `2025-10-01T10:00:00+09:00`, `2025-10-01 10:00`, 1), "", 400, "INVALID_REQUEST", "paidAt"},
		{"cancellation to orders", "/v1/orders", `{"partnerId":"partner-1","paymentId":"pay-1","cancellationId":"c-1","cancelledAt":"2025-10-02T10:00:00+09:00","orderDetail":{"all":{}}}`, "", 400, "INVALID_REQUEST", "cancellationId"},
		{"order to cancellations", "/v1/cancellations", order1, "", 400, "INVALID_REQUEST", "cancellationId"},
		{"type disagrees", "/v1/cancellations", `{"type":"ORDER","partnerId":"partner-1","paymentId":"pay-1","cancellationId":"c-1","cancelledAt":"2025-10-02T10:00:00+09:00","orderDetail":{"all":{}}}`, "", 400, "INVALID_REQUEST", "type"},
		{"two cancel forms", "/v1/cancellations", `{"partnerId":"partner-1","paymentId":"pay-1","cancellationId":"c-1","cancelledAt":"2025-10-02T10:00:00+09:00","orderDetail":{"all":{},"orderAmount":5}}`, "", 400, "INVALID_REQUEST", "orderDetail"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tc.contentType != "" {
				hdr["Content-Type"] = tc.contentType
			}
			got := a.do(t, http.MethodPost, tc.path, testToken, []byte(tc.body), hdr)
			if got.status != tc.status {
				t.Fatalf("POST %s (%s) = %d %s, want %d", tc.path, tc.name, got.status, got.body, tc.status)
			}
			e := got.err(t)
			if e.Type != tc.typ || e.Field != tc.field || e.Message == "" {
				t.Errorf("POST %s (%s) body = %+v, want type %s field %q and a message", tc.path, tc.name, e, tc.typ, tc.field)
			}
		})
	}
	if got := a.do(t, http.MethodPost, "/v1/orders", testToken, []byte(big), nil); !strings.Contains(got.err(t).Message, "4096") {
		t.Errorf("413 message %q does not name the limit", got.err(t).Message)
	}
	// The rejected records with a body are kept with their reasons.
	rej := countRejected(t, a.st)
	if len(rej) == 0 {
		t.Fatalf("no rejected records kept")
	}
	for _, r := range rej {
		if r.Source != store.SourceHTTP || r.Reason == "" {
			t.Errorf("rejected record %+v: want source http and a reason", r)
		}
	}
}

func TestPostCancellationAndGetOrder(t *testing.T) {
	a := newTestAPI(t, nil)
	if got := a.post(t, "/v1/orders", order1); got.status != http.StatusCreated {
		t.Fatalf("POST /v1/orders = %d %s", got.status, got.body)
	}
	cancel := `{"partnerId":"partner-1","paymentId":"pay-1","cancellationId":"c-1","cancelledAt":"2025-10-02T10:00:00+09:00",
		"orderDetail":{"orderLines":[{"productId":"sku-1","quantity":1,"discounts":[]}]},"discounts":[]}`
	got := a.post(t, "/v1/cancellations", cancel)
	if got.status != http.StatusCreated {
		t.Fatalf("POST /v1/cancellations = %d %s, want 201", got.status, got.body)
	}
	if again := a.post(t, "/v1/cancellations", cancel); again.status != http.StatusOK || !bytes.Equal(again.body, got.body) {
		t.Errorf("POST /v1/cancellations again = %d %s, want 200 and the same answer", again.status, again.body)
	}
	over := `{"partnerId":"partner-1","paymentId":"pay-1","cancellationId":"c-2","cancelledAt":"2025-10-02T11:00:00+09:00",
		"orderDetail":{"orderLines":[{"productId":"sku-1","quantity":2,"discounts":[]}]},"discounts":[]}`
	got = a.post(t, "/v1/cancellations", over)
	if got.status != http.StatusBadRequest || got.err(t).Type != string(settlement.ErrCancellableProductQuantityExceeded) ||
		got.err(t).Field != "orderDetail.orderLines[0].quantity" {
		t.Errorf("POST an over-cancel = %d %s, want 400 PLATFORM_CANCELLABLE_PRODUCT_QUANTITY_EXCEEDED on the quantity", got.status, got.body)
	}

	// The same payment for a second partner: the paymentId alone is ambiguous.
	other := strings.Replace(order1, "partner-1", "partner-2", 1)
	if got := a.post(t, "/v1/orders", other); got.status != http.StatusCreated {
		t.Fatalf("POST /v1/orders partner-2 = %d %s", got.status, got.body)
	}
	if got := a.do(t, "GET", "/v1/orders/pay-1", testToken, nil, nil); got.status != 400 || got.err(t).Field != "partnerId" {
		t.Errorf("GET /v1/orders/pay-1 with two partners = %d %s, want 400 on partnerId", got.status, got.body)
	}
	got = a.do(t, "GET", "/v1/orders/pay-1?partnerId=partner-1", testToken, nil, nil)
	if got.status != http.StatusOK {
		t.Fatalf("GET /v1/orders/pay-1?partnerId=partner-1 = %d %s", got.status, got.body)
	}
	var view OrderResponse
	if err := json.Unmarshal(got.body, &view); err != nil {
		t.Fatal(err)
	}
	if view.Status != StatusReceived || len(view.Lines) != 2 || len(view.Cancels) != 1 || view.Cancels[0].CancellationID != "c-1" ||
		view.Lines[0].Amount != 40000 || view.BusinessDate != "2025-10-01" {
		t.Errorf("GET order view = %s", got.body)
	}
	for _, path := range []string{"/v1/orders/nope", "/v1/orders/pay-1?partnerId=nobody"} {
		if got := a.do(t, "GET", path, testToken, nil, nil); got.status != http.StatusNotFound || got.err(t).Field != "paymentId" {
			t.Errorf("GET %s = %d %s, want 404 on paymentId", path, got.status, got.body)
		}
	}
}

func TestGetSettlementsAndRuns(t *testing.T) {
	a := newTestAPI(t, nil)
	ctx := context.Background()
	got := a.do(t, "GET", "/v1/settlements?date=2025-10-03&partnerId=partner-1", testToken, nil, nil)
	if got.status != http.StatusOK {
		t.Fatalf("GET /v1/settlements = %d %s", got.status, got.body)
	}
	var s struct {
		Date        string            `json:"date"`
		Totals      []json.RawMessage `json:"totals"`
		Settlements []json.RawMessage `json:"settlements"`
	}
	if err := json.Unmarshal(got.body, &s); err != nil || s.Date != "2025-10-03" || s.Totals == nil || s.Settlements == nil {
		t.Errorf("GET /v1/settlements body %s (%v)", got.body, err)
	}
	for _, q := range []string{"", "?date=2025-13-01", "?date=yesterday"} {
		if got := a.do(t, "GET", "/v1/settlements"+q, testToken, nil, nil); got.status != 400 || got.err(t).Field != "date" {
			t.Errorf("GET /v1/settlements%s = %d %s, want 400 on date", q, got.status, got.body)
		}
	}
	if _, _, err := a.st.AcquireRun(ctx, "settle", settlement.MustDate("2025-10-01"), "test", time.Minute); err != nil {
		t.Fatalf("AcquireRun: %v", err)
	}
	got = a.do(t, "GET", "/v1/runs?job=settle", testToken, nil, nil)
	var runs struct{ Runs []RunView }
	if err := json.Unmarshal(got.body, &runs); err != nil || got.status != 200 || len(runs.Runs) != 1 ||
		runs.Runs[0].BusinessDate != "2025-10-01" || runs.Runs[0].Status != "running" {
		t.Errorf("GET /v1/runs = %d %s", got.status, got.body)
	}
	if got := a.do(t, "GET", "/v1/runs?limit=0", testToken, nil, nil); got.status != 400 || got.err(t).Field != "limit" {
		t.Errorf("GET /v1/runs?limit=0 = %d %s, want 400 on limit", got.status, got.body)
	}
}

func TestRoutes(t *testing.T) {
	a := newTestAPI(t, nil)
	if got := a.do(t, "GET", "/nowhere", testToken, nil, nil); got.status != 404 || got.err(t).Type != "NOT_FOUND" {
		t.Errorf("GET /nowhere = %d %s, want 404 NOT_FOUND", got.status, got.body)
	}
	if got := a.do(t, "DELETE", "/v1/orders", testToken, nil, nil); got.status != http.StatusMethodNotAllowed {
		t.Errorf("DELETE /v1/orders = %d, want 405", got.status)
	}
	for _, line := range strings.Split(strings.TrimSpace(a.logs.String()), "\n") {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		for _, k := range []string{"method", "path", "status", "duration"} {
			if _, ok := entry[k]; !ok {
				t.Errorf("log line %s lacks %s", line, k)
			}
		}
	}
}

func TestNewHTTPServerTimeouts(t *testing.T) {
	s := NewHTTPServer("127.0.0.1:0", http.NotFoundHandler())
	if s.ReadHeaderTimeout <= 0 || s.ReadTimeout <= 0 || s.WriteTimeout <= 0 || s.IdleTimeout <= 0 || s.MaxHeaderBytes <= 0 {
		t.Errorf("NewHTTPServer leaves a limit unset: %+v", s)
	}
}
