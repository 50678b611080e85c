package transfer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/settle-dev/settle/settlement"
)

const testSecret = "sk_live_TOPSECRET_0123456789"

// recorded is one request the scripted server received.
type recorded struct {
	Method, Path, Query, Auth string
	Body                      []byte
}

// script is an httptest server that answers request i with handlers[i]
// (the last handler repeats) and records every request.
type script struct {
	mu       sync.Mutex
	reqs     []recorded
	handlers []http.HandlerFunc
	srv      *httptest.Server
}

func newScript(t *testing.T, handlers ...http.HandlerFunc) *script {
	t.Helper()
	s := &script{handlers: handlers}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		i := len(s.reqs)
		s.reqs = append(s.reqs, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"), b})
		h := s.handlers[min(i, len(s.handlers)-1)]
		s.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *script) requests() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.reqs...)
}

func reply(status int, body string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// sleeps records the waits of the injected Sleep seam without sleeping.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

var testNow = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

func testClient(t *testing.T, base string, mod ...func(*Config)) (*Client, *sleeps) {
	t.Helper()
	sl := &sleeps{}
	cfg := Config{
		BaseURL: base, APISecret: testSecret, TestMode: true,
		MaxAttempts: 4, AttemptTimeout: 5 * time.Second,
		Now: func() time.Time { return testNow }, Sleep: sl.sleep,
		Jitter: func(n int64) int64 { return n - 1 },
	}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, sl
}

func amount(n int64) *int64 { return &n }

func orderBody() CreateOrderTransferBody {
	return CreateOrderTransferBody{
		ID: "tr-order-1", PartnerID: "partner-1", PaymentID: "pay-1",
		OrderDetail:         OrderDetailInput{OrderAmount: amount(10000)},
		SettlementStartDate: "2023-08-11",
	}
}

const orderTransferJSON = `{"type":"ORDER","id":"tr-order-1","graphqlId":"g1","partner":{"id":"partner-1"},"status":"SCHEDULED",
"settlementDate":"2023-08-31","settlementCurrency":"KRW","isForTest":true,"userDefinedProperties":[],
"amount":{"settlement":8900,"settlementTaxFree":0,"payment":10000,"paymentVat":909,"paymentVatBurden":0,"paymentTaxFree":0,"paymentSupply":9091,"order":10000,"orderTaxFree":0,"platformFee":1000,"platformFeeVat":100,"additionalFee":0,"additionalFeeVat":0,"discount":0,"discountTaxFree":0,"discountShare":0,"discountShareTaxFree":0,"userDefinedFormulas":{}},
"payment":{"type":"EXTERNAL","id":"pay-1","currency":"KRW"},"settlementStartDate":"2023-08-11","orderLines":[],"additionalFees":[],"discounts":[],"parameters":{}}`

func TestRetry500Then200ResendsIdenticalBody(t *testing.T) {
	s := newScript(t,
		reply(500, `{"type":"INTERNAL","message":"boom"}`),
		reply(200, `{"transfer":`+orderTransferJSON+`}`))
	c, sl := testClient(t, s.srv.URL)
	res, err := c.CreateOrderTransfer(context.Background(), orderBody())
	if err != nil {
		t.Fatalf("CreateOrderTransfer: %v", err)
	}
	if res.Adopted || res.Transfer.ID != "tr-order-1" {
		t.Errorf("CreateOrderTransfer = %+v, want a fresh tr-order-1", res)
	}
	reqs := s.requests()
	if len(reqs) != 2 {
		t.Fatalf("got %d requests, want 2", len(reqs))
	}
	if !bytes.Equal(reqs[0].Body, reqs[1].Body) {
		t.Errorf("retry body differs:\n%s\n%s", reqs[0].Body, reqs[1].Body)
	}
	var sent map[string]any
	if err := json.Unmarshal(reqs[1].Body, &sent); err != nil || sent["id"] != "tr-order-1" {
		t.Errorf("retried body id = %v (%v), want tr-order-1", sent["id"], err)
	}
	for i, r := range reqs {
		if r.Method != http.MethodPost || r.Path != "/platform/transfers/order" || r.Query != "test=true" {
			t.Errorf("request %d = %s %s?%s, want POST /platform/transfers/order?test=true", i, r.Method, r.Path, r.Query)
		}
		if r.Auth != "PortOne "+testSecret {
			t.Errorf("request %d Authorization = %q", i, r.Auth)
		}
	}
	if got := sl.waits(); len(got) != 1 || got[0] != 250*time.Millisecond {
		t.Errorf("waits = %v, want [250ms] (full jitter at its top)", got)
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	date := testNow.Add(42 * time.Second).Format(http.TimeFormat)
	for _, tc := range []struct {
		name, header string
		want         time.Duration
	}{
		{"seconds", "7", 7 * time.Second},
		{"http-date", date, 42 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newScript(t,
				reply(429, `{"type":"TOO_MANY_REQUESTS"}`, "Retry-After", tc.header),
				reply(200, orderTransferJSON))
			c, sl := testClient(t, s.srv.URL)
			if _, err := c.GetTransfer(context.Background(), "tr-order-1"); err != nil {
				t.Fatalf("GetTransfer: %v", err)
			}
			if diff := cmp.Diff([]time.Duration{tc.want}, sl.waits()); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCancelledContextStopsWaitingAtOnce(t *testing.T) {
	arrived := make(chan struct{}, 1)
	s := newScript(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		reply(503, `{"type":"PLATFORM_EXTERNAL_API_FAILED"}`, "Retry-After", "3600")(w, r)
	})
	// The real timer-and-select wait, not the recording seam.
	c, _ := testClient(t, s.srv.URL, func(c *Config) { c.Sleep = nil })
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-arrived; time.Sleep(20 * time.Millisecond); cancel() }()
	start := time.Now()
	_, err := c.GetTransfer(ctx, "x")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("GetTransfer err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("GetTransfer returned after %v; the wait should end with the context", d)
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		t.Errorf("a cancelled wait should report the context, not wrap %v", apiErr)
	}
	if n := len(s.requests()); n != 1 {
		t.Errorf("got %d requests, want 1", n)
	}
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 409, 422, 501} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			s := newScript(t, reply(status, `{"type":"INVALID_REQUEST","message":"bad"}`))
			c, sl := testClient(t, s.srv.URL)
			_, err := c.GetTransfer(context.Background(), "x")
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
				t.Fatalf("GetTransfer err = %v, want *APIError %d", err, status)
			}
			if n := len(s.requests()); n != 1 {
				t.Errorf("got %d requests, want 1", n)
			}
			if len(sl.waits()) != 0 {
				t.Errorf("waited %v", sl.waits())
			}
		})
	}
}

func TestRetriesGiveUpAfterMaxAttempts(t *testing.T) {
	s := newScript(t, reply(502, `bad gateway`))
	c, sl := testClient(t, s.srv.URL)
	_, err := c.GetTransfer(context.Background(), "x")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 502 {
		t.Fatalf("err = %v, want *APIError 502", err)
	}
	if n := len(s.requests()); n != 4 {
		t.Errorf("got %d requests, want 4", n)
	}
	want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second}
	if diff := cmp.Diff(want, sl.waits()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

func TestIdempotencyOutstandingIsRetried(t *testing.T) {
	s := newScript(t,
		reply(409, `{"type":"IDEMPOTENCY_OUTSTANDING_REQUEST"}`),
		reply(200, `{"transfer":`+orderTransferJSON+`}`))
	c, _ := testClient(t, s.srv.URL)
	if _, err := c.CreateOrderTransfer(context.Background(), orderBody()); err != nil {
		t.Fatalf("CreateOrderTransfer: %v", err)
	}
	if n := len(s.requests()); n != 2 {
		t.Errorf("got %d requests, want 2", n)
	}
}

func TestPerAttemptTimeout(t *testing.T) {
	var calls sync.WaitGroup
	calls.Add(1)
	first := true
	var mu sync.Mutex
	s := newScript(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		f := first
		first = false
		mu.Unlock()
		if f {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		reply(200, orderTransferJSON)(w, r)
	})
	c, _ := testClient(t, s.srv.URL, func(c *Config) { c.AttemptTimeout = 100 * time.Millisecond })
	if _, err := c.GetTransfer(context.Background(), "tr-order-1"); err != nil {
		t.Fatalf("GetTransfer: %v", err)
	}
	if n := len(s.requests()); n != 2 {
		t.Errorf("got %d requests, want 2", n)
	}
}

func TestNetworkErrorIsRetried(t *testing.T) {
	s := newScript(t,
		func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close() // drop the connection without an answer
			}
		},
		reply(200, orderTransferJSON))
	c, _ := testClient(t, s.srv.URL)
	if _, err := c.GetTransfer(context.Background(), "tr-order-1"); err != nil {
		t.Fatalf("GetTransfer: %v", err)
	}
	if n := len(s.requests()); n != 2 {
		t.Errorf("got %d requests, want 2", n)
	}
}

// TestShortBodyIsRetried: an answer cut short of its Content-Length (the
// connection dropped mid-body) is a network error, retried, never a
// truncated answer decoded; a whole answer of a declared length decodes.
func TestShortBodyIsRetried(t *testing.T) {
	s := newScript(t,
		func(w http.ResponseWriter, r *http.Request) {
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err == nil {
				fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
					len(orderTransferJSON), orderTransferJSON[:len(orderTransferJSON)/2])
				buf.Flush()
				conn.Close()
			}
		},
		reply(200, orderTransferJSON))
	c, _ := testClient(t, s.srv.URL)
	got, err := c.GetTransfer(context.Background(), "tr-order-1")
	if err != nil {
		t.Fatalf("GetTransfer: %v", err)
	}
	if got.ID != "tr-order-1" {
		t.Errorf("got transfer %q, want tr-order-1", got.ID)
	}
	if n := len(s.requests()); n != 2 {
		t.Errorf("got %d requests, want 2", n)
	}
}

// TestListSendsRequestBodyQueryAndPages: a list asks for
// Config.ListPageSize, follows the size the server serves (here 100, a cap
// below ours), fetches the following pages ListPages at a time, and ends at
// the first empty page, yielding every item once, in page order.
func TestListSendsRequestBodyQueryAndPages(t *testing.T) {
	var pages []map[string]any
	var mu sync.Mutex
	s := newScript(t, func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if err := json.Unmarshal([]byte(r.URL.Query().Get("requestBody")), &body); err != nil {
			t.Errorf("requestBody %q: %v", r.URL.Query().Get("requestBody"), err)
		}
		mu.Lock()
		pages = append(pages, body)
		mu.Unlock()
		number := int(body["page"].(map[string]any)["number"].(float64))
		count := map[int]int{0: 100, 1: 100, 2: 1}[number] // then an empty page ends the list
		items := make([]string, count)
		for i := range items {
			items[i] = fmt.Sprintf(`{"type":"ORDER","id":"t%d-%d","status":"SETTLED","partner":{"id":"p"}}`, number, i)
		}
		reply(200, `{"transferSummaries":[`+strings.Join(items, ",")+`],"page":{"number":0,"size":100,"totalCount":1}}`)(w, r)
	})
	c, _ := testClient(t, s.srv.URL, func(c *Config) { c.ListPageSize, c.ListPages = 500, 3 })
	f := &TransferFilter{Statuses: []string{"SETTLED"}, Keyword: &TransferKeyword{PartnerID: "p"}}
	var ids []string
	for ts, err := range c.Transfers(context.Background(), f) {
		if err != nil {
			t.Fatalf("Transfers: %v", err)
		}
		if ts.Status != "SETTLED" {
			t.Fatalf("summary %+v", ts)
		}
		ids = append(ids, ts.ID)
	}
	if len(ids) != 201 || ids[0] != "t0-0" || ids[100] != "t1-0" || ids[200] != "t2-0" {
		t.Errorf("iterated %d summaries (%v … %v), want 201 in page order", len(ids), ids[:min(3, len(ids))], ids[max(0, len(ids)-3):])
	}
	body := func(number, size float64) map[string]any {
		return map[string]any{"page": map[string]any{"number": number, "size": size}, "filter": map[string]any{"statuses": []any{"SETTLED"}, "keyword": map[string]any{"partnerId": "p"}}}
	}
	// The first page alone at the size asked, then windows of three at the
	// server's size: pages 1–3 (3 is empty and ends the list).
	want := []map[string]any{body(0, 500), body(1, 100), body(2, 100), body(3, 100)}
	sort.Slice(pages, func(i, j int) bool {
		return pages[i]["page"].(map[string]any)["number"].(float64) < pages[j]["page"].(map[string]any)["number"].(float64)
	})
	if diff := cmp.Diff(want, pages); diff != "" {
		t.Errorf("list bodies (-want +got):\n%s", diff)
	}
	for _, r := range s.requests() {
		if r.Method != http.MethodGet || len(r.Body) != 0 || !strings.Contains(r.Query, "test=true") {
			t.Errorf("list request %s ?%s body %q: want GET with test=true and no body", r.Method, r.Query, r.Body)
		}
	}
}

// TestIteratorPagesUntilEmpty: a server that caps the page size below ours
// answers full pages shorter than we asked for; the iterator must go on to
// the empty page, not stop at the first short one and drop the rest.
func TestIteratorPagesUntilEmpty(t *testing.T) {
	const total, capped = 25, 10
	s := newScript(t, func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Page PageInput `json:"page"`
		}
		if err := json.Unmarshal([]byte(r.URL.Query().Get("requestBody")), &body); err != nil || body.Page.Number == nil {
			t.Errorf("requestBody %q: %v", r.URL.Query().Get("requestBody"), err)
			return
		}
		var items []string
		for i := *body.Page.Number * capped; i < min(total, (*body.Page.Number+1)*capped); i++ {
			items = append(items, fmt.Sprintf(`{"id":"p%d","tags":[]}`, i))
		}
		reply(200, fmt.Sprintf(`{"items":[%s],"page":{"number":%d,"size":%d,"totalCount":%d}}`, strings.Join(items, ","), *body.Page.Number, capped, len(items)))(w, r)
	})
	c, _ := testClient(t, s.srv.URL)
	var ids []string
	for p, err := range c.Partners(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	if len(ids) != total || ids[total-1] != fmt.Sprintf("p%d", total-1) {
		t.Errorf("iterated %d partners (%v), want all %d", len(ids), ids, total)
	}
	if n := len(s.requests()); n != 4 {
		t.Errorf("%d pages fetched, want 4 (10, 10, 5, then the empty page)", n)
	}
}

func TestIteratorStopsOnError(t *testing.T) {
	s := newScript(t, reply(403, `{"type":"PLATFORM_NOT_ENABLED"}`))
	c, _ := testClient(t, s.srv.URL)
	var errs []error
	for _, err := range c.Partners(context.Background(), nil) {
		errs = append(errs, err)
	}
	if len(errs) != 1 || !errors.Is(errs[0], settlement.ErrNotEnabled) {
		t.Errorf("Partners yielded %v, want one PLATFORM_NOT_ENABLED", errs)
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	// A server that echoes the Authorization header back in its error body.
	s := newScript(t, func(w http.ResponseWriter, r *http.Request) {
		reply(503, `{"type":"UNAUTHORIZED","message":"bad key `+r.Header.Get("Authorization")+`"}`)(w, r)
	})
	var logs bytes.Buffer
	c, _ := testClient(t, s.srv.URL, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	cfg := Config{BaseURL: s.srv.URL, APISecret: testSecret}
	_, err := c.GetTransfer(context.Background(), "x")
	if err == nil {
		t.Fatal("GetTransfer: want an error")
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want *APIError", err)
	}
	// Config itself has func fields and cannot be JSON; a struct embedding
	// its secret the way callers' own config structs would, can.
	cfgJSON, merr := json.Marshal(struct {
		BaseURL   string
		APISecret Secret
	}{cfg.BaseURL, cfg.APISecret})
	if merr != nil || !strings.Contains(string(cfgJSON), cfg.BaseURL) {
		t.Fatalf("marshal a config holding the secret: %s, %v", cfgJSON, merr)
	}
	secretText, _ := Secret(testSecret).MarshalText()
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "cfg", cfg, "secret", Secret(testSecret))
	req, _ := http.NewRequest(http.MethodGet, s.srv.URL, nil)
	dump, _ := httputil.DumpRequestOut(req, true)
	outputs := map[string]string{"error": err.Error(), "body": string(apiErr.Body), "message": apiErr.Message,
		"log": logs.String(), "config json": string(cfgJSON), "secret text": string(secretText), "dump": string(dump)}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v"} {
		for name, v := range map[string]any{"secret": Secret(testSecret), "config": cfg, "&config": &cfg, "client": c, "*client": *c, "error": err, "apiErr": apiErr} {
			outputs[verb+" "+name] = fmt.Sprintf(verb, v)
			if verb == "%T %v" {
				outputs[verb+" "+name] = fmt.Sprintf(verb, v, v)
			}
		}
	}
	for name, out := range outputs {
		if strings.Contains(out, testSecret) || strings.Contains(out, fmt.Sprintf("%x", testSecret)) {
			t.Errorf("%s leaks the secret: %s", name, out)
		}
	}
	if !strings.Contains(string(apiErr.Body), "[REDACTED]") {
		t.Errorf("echoed body %s: want the secret replaced by [REDACTED]", apiErr.Body)
	}
}

func TestClientBuildsRequestsWithoutSecret(t *testing.T) {
	// The Authorization header is added by the transport on a clone, so a
	// request the client builds (and may log or wrap) never holds it.
	var seen *http.Request
	c, _ := testClient(t, "http://portone.invalid", func(c *Config) {
		c.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			seen = r
			return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(orderTransferJSON)), Header: http.Header{}}, nil
		})}
	})
	if _, err := c.GetTransfer(context.Background(), "tr"); err != nil {
		t.Fatalf("GetTransfer: %v", err)
	}
	if seen == nil || seen.Header.Get("Authorization") != "PortOne "+testSecret {
		t.Fatalf("transport saw Authorization %q", seen.Header.Get("Authorization"))
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestNewValidates(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no secret":   {BaseURL: "https://api.portone.io"},
		"bad url":     {BaseURL: "ftp://x", APISecret: "s"},
		"no host":     {BaseURL: "https://", APISecret: "s"},
		"neg attempt": {APISecret: "s", MaxAttempts: -1},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%s) = nil error, want one", name)
		}
	}
}
