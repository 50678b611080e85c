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
	"net/url"
	"strconv"
	"strings"
	"time"

	gojson "github.com/goccy/go-json"

	"github.com/settle-dev/settle/settlement"
)

// The client: configuration, the secret, the transport and one call with
// its retries. The operations live in client_*.go, one file per resource.

// redacted replaces a secret wherever it would be printed.
const redacted = "[REDACTED]"

// Secret is PortOne's V2 API secret. Every way of printing or encoding it
// (String, GoString, Format with any verb, MarshalJSON, MarshalText) gives
// [REDACTED], so a Secret can sit in a Config that is logged, dumped or
// marshalled without leaking.
type Secret string

// String returns [REDACTED].
func (Secret) String() string { return redacted }

// GoString returns [REDACTED], for %#v.
func (Secret) GoString() string { return redacted }

// Format writes [REDACTED] for every verb (%s, %v, %q, %x, %d, ...).
func (Secret) Format(f fmt.State, _ rune) { io.WriteString(f, redacted) }

// MarshalJSON encodes "[REDACTED]".
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText encodes [REDACTED].
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// LogValue makes slog print [REDACTED].
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// Config configures a Client. Zero durations and counts take the defaults
// documented on each field.
type Config struct {
	// BaseURL is PortOne's API root; default https://api.portone.io.
	BaseURL string
	// APISecret is the V2 API secret, sent as `Authorization: PortOne <secret>`.
	APISecret Secret
	// TestMode selects PortOne's test environment. Every call carries the
	// environment explicitly, test=true or test=false: without the query
	// parameter PortOne lets a body's isForTest decide (release note
	// 2025-10-02), so a live client would post a record flagged for test
	// into the test environment while settle tracked it as live.
	TestMode bool
	// HTTPClient carries the requests; default a client without an overall
	// timeout (AttemptTimeout bounds each attempt) over a transport that
	// keeps Connections idle connections. The Client wraps its transport
	// to add the Authorization header and does not modify it.
	HTTPClient *http.Client
	// Connections is how many idle connections to PortOne the default
	// transport keeps for reuse (used when HTTPClient or its Transport is
	// nil); default 64. Set it to at least the number of calls made at
	// once: Go's default keeps 2 per host, so a pool of 64 requests would
	// open and close a connection (a TCP and TLS handshake) for nearly
	// every call.
	Connections int
	// ListPageSize is the page size asked for when listing transfer
	// summaries; default DefaultListPageSize. ListPages is how many pages
	// of one list are fetched at once; default DefaultListPages.
	ListPageSize int
	ListPages    int
	// MaxAttempts bounds the attempts per call, the first included; default 5.
	MaxAttempts int
	// AttemptTimeout bounds one attempt; default 60s (PortOne recommends a
	// read timeout of at least 60s).
	AttemptTimeout time.Duration
	// MinBackoff is the backoff before the second attempt; default 250ms.
	// Later backoffs double up to MaxBackoff; each is drawn uniformly from
	// [0, backoff] (full jitter). A Retry-After from the server wins.
	MinBackoff time.Duration
	// MaxBackoff caps the backoff; default 15s.
	MaxBackoff time.Duration
	// Now is the clock (Retry-After HTTP-dates); default time.Now.
	Now func() time.Time
	// Sleep waits d or until ctx is done and returns ctx's error if that came
	// first; default a timer and select on ctx.Done().
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter returns a value in [0, n); default math/rand/v2.
	Jitter func(n int64) int64
	// Logger receives one record per retry (level INFO); default discards.
	Logger *slog.Logger
}

// Client calls PortOne's platform API. It is safe for concurrent use.
// Create calls are safe to retry: see the package documentation for the
// idempotency contract.
type Client struct {
	base    *url.URL
	secret  Secret
	test    bool
	hc      *http.Client
	max     int
	timeout time.Duration
	minBO   time.Duration
	maxBO   time.Duration
	now     func() time.Time
	sleep   func(context.Context, time.Duration) error
	jitter  func(int64) int64
	log     *slog.Logger
	pageSz  int // transfer summaries per page asked for
	pages   int // pages of one list fetched at once
}

// New validates cfg, fills its defaults and returns a Client.
func New(cfg Config) (*Client, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = "https://api.portone.io"
	}
	u, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("base url %q: want http(s)://host[/path]", cfg.BaseURL)
	}
	if cfg.APISecret == "" {
		return nil, errors.New("api secret is empty")
	}
	if cfg.MaxAttempts < 0 || cfg.AttemptTimeout < 0 || cfg.MinBackoff < 0 || cfg.MaxBackoff < 0 || cfg.Connections < 0 ||
		cfg.ListPageSize < 0 || cfg.ListPages < 0 {
		return nil, errors.New("negative attempts, timeout, backoff, connections or list pages")
	}
	c := &Client{
		base: u, secret: cfg.APISecret, test: cfg.TestMode,
		max: cfg.MaxAttempts, timeout: cfg.AttemptTimeout, minBO: cfg.MinBackoff, maxBO: cfg.MaxBackoff,
		now: cfg.Now, sleep: cfg.Sleep, jitter: cfg.Jitter, log: cfg.Logger,
		pageSz: cfg.ListPageSize, pages: cfg.ListPages,
	}
	if c.pageSz == 0 {
		c.pageSz = DefaultListPageSize
	}
	if c.pages == 0 {
		c.pages = DefaultListPages
	}
	if c.max == 0 {
		c.max = 5
	}
	if c.timeout == 0 {
		c.timeout = 60 * time.Second
	}
	if c.minBO == 0 {
		c.minBO = 250 * time.Millisecond
	}
	if c.maxBO == 0 {
		c.maxBO = 15 * time.Second
	}
	if c.maxBO < c.minBO {
		c.maxBO = c.minBO
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.sleep == nil {
		c.sleep = sleepCtx
	}
	if c.jitter == nil {
		c.jitter = defaultJitter
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	hc := http.Client{}
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	rt := hc.Transport
	if rt == nil {
		rt = pooledTransport(cfg.Connections)
	}
	hc.Transport = &authTransport{base: rt, secret: cfg.APISecret}
	c.hc = &hc
	return c, nil
}

// String describes the client without its secret.
func (c Client) String() string {
	return fmt.Sprintf("transfer.Client{base: %s, test: %t, secret: %s}", c.base, c.test, redacted)
}

// GoString is String, for %#v.
func (c Client) GoString() string { return c.String() }

// Format prints String for every verb, so no verb reaches the secret.
func (c Client) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// authTransport adds the Authorization header at the last moment, on a
// clone of the request, so the requests this package builds, logs or wraps
// in errors never carry the secret.
type authTransport struct {
	base   http.RoundTripper
	secret Secret
}

// DefaultConnections is Config.Connections' default.
const DefaultConnections = 64

// pooledTransport is Go's default transport keeping n idle connections
// (DefaultConnections when n is 0) for the one host a Client talks to.
func pooledTransport(n int) http.RoundTripper {
	if n == 0 {
		n = DefaultConnections
	}
	t, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return http.DefaultTransport
	}
	t = t.Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = n, n
	return t
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "PortOne "+string(t.secret))
	return t.base.RoundTrip(r)
}

// String, GoString and Format keep the secret out of dumps of the transport.
func (t *authTransport) String() string { return "transfer.authTransport{secret: " + redacted + "}" }

func (t *authTransport) GoString() string { return t.String() }

func (t *authTransport) Format(f fmt.State, _ rune) { io.WriteString(f, t.String()) }

func (t *authTransport) CloseIdleConnections() { closeIdle(t.base) }

func closeIdle(rt http.RoundTripper) {
	if c, ok := rt.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// call is one logical API operation: the request body is encoded once and
// the same bytes go out on every attempt.
type call struct {
	method string
	path   string     // escaped path under the base, e.g. /platform/transfers/x
	query  url.Values // without test, which do always sets; may be nil
	body   []byte     // nil for no body
}

// maxBody bounds how much of a response this client reads.
const maxBody = 32 << 20

// do runs c with retries and decodes a 2xx body into out (when non-nil).
// Non-2xx answers return *APIError; a context that ends stops the loop at
// once and returns its error, wrapping the last failure.
func (c *Client) do(ctx context.Context, k call, out any) error {
	u := *c.base
	u.RawPath = c.base.EscapedPath() + k.path
	p, err := url.PathUnescape(u.RawPath)
	if err != nil {
		return fmt.Errorf("path %q: %w", k.path, err)
	}
	u.Path = p
	q := url.Values{}
	for key, vs := range k.query {
		q[key] = vs
	}
	q.Set("test", strconv.FormatBool(c.test))
	u.RawQuery = q.Encode()
	target := u.String()

	var last error
	for attempt := 1; ; attempt++ {
		status, typ, body, retryAfter, err := c.attempt(ctx, k, target)
		if err == nil && status/100 == 2 {
			if out == nil || len(bytes.TrimSpace(body)) == 0 {
				return nil
			}
			if err := decodeAnswer(body, out); err != nil {
				return fmt.Errorf("decode %d response: %w", status, err)
			}
			return nil
		}
		if err == nil {
			apiErr := decodeError(status, nil, body, string(c.secret))
			apiErr.RetryAfter = retryAfter
			last = apiErr
			typ = apiErr.Type
		} else {
			last = err
		}
		retry, reason := shouldRetry(status, typ, err, ctx.Err(), attempt, c.max)
		if !retry {
			if ctx.Err() != nil {
				return fmt.Errorf("%w (after %d attempt(s), last: %v)", ctx.Err(), attempt, last)
			}
			if err != nil {
				return fmt.Errorf("giving up after %d attempt(s): %w", attempt, err)
			}
			return last
		}
		wait := backoff(attempt, c.minBO, c.maxBO, retryAfter, c.jitter)
		c.log.LogAttrs(ctx, slog.LevelInfo, "retrying portone call",
			slog.String("method", k.method), slog.String("path", k.path),
			slog.Int("attempt", attempt), slog.String("reason", reason), slog.Duration("wait", wait))
		if err := c.sleep(ctx, wait); err != nil {
			return fmt.Errorf("%w (after %d attempt(s), last: %v)", err, attempt, last)
		}
	}
}

// attempt sends one request under its own timeout and reads the whole
// response (so the connection can be reused), closing the body.
func (c *Client) attempt(ctx context.Context, k call, target string) (status int, typ settlement.ErrorType, body []byte, retryAfter time.Duration, err error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader
	if k.body != nil {
		rd = bytes.NewReader(k.body)
	}
	req, err := http.NewRequestWithContext(actx, k.method, target, rd)
	if err != nil {
		return 0, "", nil, 0, err
	}
	if k.body != nil {
		b := k.body
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "settle-transfer/1")
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() == nil && actx.Err() != nil {
			err = fmt.Errorf("attempt timed out after %s: %w", c.timeout, context.DeadlineExceeded)
		}
		return 0, "", nil, 0, err
	}
	defer resp.Body.Close()
	body, err = readBody(resp)
	io.Copy(io.Discard, resp.Body) // drain anything beyond the limit
	if err != nil {
		if ctx.Err() == nil && actx.Err() != nil {
			err = fmt.Errorf("reading response: attempt timed out after %s: %w", c.timeout, context.DeadlineExceeded)
		}
		return resp.StatusCode, "", nil, 0, fmt.Errorf("reading %d response: %w", resp.StatusCode, err)
	}
	return resp.StatusCode, "", body, parseRetryAfter(resp.Header.Get("Retry-After"), c.now()), nil
}

// bodyDecoder is an answer that decodes a whole response body itself,
// validating it as it goes: encoding/json would scan the body twice
// (validate, then skip to find the value) before handing it over.
type bodyDecoder interface{ decodeBody(body []byte) error }

// decodeAnswer decodes a 2xx response body into out.
func decodeAnswer(body []byte, out any) error {
	if d, ok := out.(bodyDecoder); ok {
		return d.decodeBody(body)
	}
	return unmarshal(body, out)
}

// unmarshal decodes PortOne's answers with encoding/json's semantics
// (names matched without regard to case, unknown members ignored, the
// last of a repeated name kept) through github.com/goccy/go-json, which
// decodes them five times as fast or more: a night's listing of a million
// transfer summaries (1.5 KB each) cost 20 ms a page of 1,000 with
// encoding/json, 2.5–3.8 ms with it (BenchmarkDecodeStates), and decoding
// create answers was a fifth of posting's CPU.
func unmarshal(data []byte, v any) error { return gojson.Unmarshal(data, v) }

// marshal encodes a request body as encoding/json does, byte for byte
// (FuzzMarshalAsEncodingJSON), through github.com/goccy/go-json: encoding
// the create bodies, and compacting what their MarshalJSON methods
// returned, was 5 % of posting's CPU with encoding/json.
func marshal(v any) ([]byte, error) { return gojson.Marshal(v) }

// DecodeRequest decodes a request body stored as JSON (an intent's, which
// settle encoded) into v, with encoding/json's semantics, as unmarshal
// does: decoding each stored body with encoding/json before its POST was
// 4 % of posting's CPU.
func DecodeRequest(data []byte, v any) error { return unmarshal(data, v) }

// encodeBody marshals v once for every attempt.
func encodeBody(v any) ([]byte, error) {
	b, err := marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	return b, nil
}

// readBody reads up to maxBody bytes of resp's body: into one buffer of
// its declared length when it has one (io.ReadAll grows its buffer from
// 512 bytes, copying a create's 3–4 KB answer four times over: a third of
// the client's time reading answers), as io.ReadAll does otherwise. A
// body shorter than it declared is io.ErrUnexpectedEOF, as net/http makes
// it for io.ReadAll too.
func readBody(resp *http.Response) ([]byte, error) {
	if n := resp.ContentLength; n > 0 && n <= maxBody {
		b := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, b); err != nil {
			return nil, err
		}
		return b, nil
	}
	return io.ReadAll(io.LimitReader(resp.Body, maxBody))
}

// pathID escapes one path segment.
func pathID(id string) string { return url.PathEscape(id) }

// post sends a JSON body with POST.
func (c *Client) post(ctx context.Context, path string, body, out any) error {
	return c.send(ctx, http.MethodPost, path, body, out)
}

// send sends body (nil for none) with method, encoded once.
func (c *Client) send(ctx context.Context, method, path string, body, out any) error {
	k := call{method: method, path: path}
	if body != nil {
		b, err := encodeBody(body)
		if err != nil {
			return err
		}
		k.body = b
	}
	return c.do(ctx, k, out)
}

// wrapped sends body with method to path and decodes the object under key
// of the answer ({contract: ...}, {discountSharePolicy: ...}, ...).
func wrapped[T any](ctx context.Context, c *Client, method, path string, body any, key string) (T, error) {
	var zero T
	var out map[string]json.RawMessage
	if err := c.send(ctx, method, path, body, &out); err != nil {
		return zero, err
	}
	raw, ok := out[key]
	if !ok {
		return zero, fmt.Errorf("response without %q", key)
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return zero, fmt.Errorf("decode %s: %w", key, err)
	}
	return v, nil
}

func get[T any](ctx context.Context, c *Client, path string) (T, error) {
	var v T
	err := c.do(ctx, call{method: http.MethodGet, path: path}, &v)
	return v, err
}
