package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/settle-dev/settle/intake"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/transfer"
)

// DefaultMaxBodyBytes caps a request body: 1 MiB.
const DefaultMaxBodyBytes = 1 << 20

// DefaultMaxInFlight bounds the requests the API works on at once. A
// request beyond it waits up to DefaultInFlightWait for a place, then is answered
// 503 with Retry-After; its body is not read. With the body cap this
// bounds the memory the API can be made to hold (about MaxInFlight × a few
// times MaxBodyBytes), whatever the number of clients.
const DefaultMaxInFlight = 8

// DefaultInFlightWait is how long a request waits for a place before 503.
const DefaultInFlightWait = 2 * time.Second

// MinTokenBytes is the shortest SETTLE_API_TOKEN the API accepts.
const MinTokenBytes = 16

// Error types of the API's own answers; the rest are PortOne's.
const (
	errUnauthorized     settlement.ErrorType = "UNAUTHORIZED"
	errNotFound         settlement.ErrorType = "NOT_FOUND"
	errMethodNotAllowed settlement.ErrorType = "METHOD_NOT_ALLOWED"
	errWebhookReplayed  settlement.ErrorType = "WEBHOOK_ID_ALREADY_USED"
	errInternal         settlement.ErrorType = "INTERNAL_ERROR"
	errBusy             settlement.ErrorType = "SERVICE_BUSY"
)

// Config configures the HTTP API.
type Config struct {
	// APIToken is SETTLE_API_TOKEN, the bearer token of /v1/*; required, at
	// least MinTokenBytes long.
	APIToken string
	// WebhookSecret is PORTONE_WEBHOOK_SECRET: one or two `whsec_…` secrets
	// separated by a comma or space (two during a rotation). Empty turns
	// POST /webhooks/portone off (404).
	WebhookSecret string
	// Location is the business time zone (SETTLE_TZ); required.
	Location *time.Location
	// TestMode is PORTONE_TEST_MODE and HorizonDays SETTLE_HORIZON: the
	// rest of the intake.Rules every record is checked against.
	TestMode    bool
	HorizonDays int
	// MaxInFlight bounds the requests worked on at once (default
	// DefaultMaxInFlight); one more waits up to InFlightWait (default
	// DefaultInFlightWait) for a place, then gets 503 with Retry-After.
	MaxInFlight  int
	InFlightWait time.Duration
	// MaxBodyBytes caps request bodies (default DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// WebhookTolerance is how far webhook-timestamp may be from Now
	// (default DefaultWebhookTolerance).
	WebhookTolerance time.Duration
	// Now is the clock webhook timestamps and the record horizon are
	// checked against (default time.Now).
	Now func() time.Time
	// Terms, when set, validates records with the merchant's real terms.
	Terms intake.TermsFunc
	// Cron is SETTLE_CRON: GET /v1/status shows the next scheduled run.
	Cron string
}

// server is the HTTP API. It keeps no state of its own: everything is in the store.
type server struct {
	in        *intake.Intake
	st        *store.Store
	log       *slog.Logger
	token     [sha256.Size]byte
	keys      webhookKeys
	maxBody   int64
	tolerance time.Duration
	now       func() time.Time
	slots     chan struct{} // one per request in flight
	wait      time.Duration
	loc       *time.Location
	cron      string
}

// NewServer returns the HTTP API of `settle serve` (DESIGN.md §3, issue #7):
//
//	POST /v1/orders                           an order record → 201 (new) or 200 (already stored, same answer)
//	POST /v1/cancellations                    a cancellation record → 201 or 200
//	GET  /v1/orders/{paymentId}[?partnerId=]  order, lines, cancellations, settlement blocks, transfers, status
//	GET  /v1/settlements?date=&partnerId=     settlement blocks by settlement date
//	GET  /v1/runs                             job runs
//	GET  /v1/intents?status=&date=&partnerId= transfer intents with PortOne's error (date, partner, payment order)
//	GET  /v1/status                           jobs and intents per business date, records waiting, last and next run
//	GET  /v1/payouts?date=|from=&to=&partnerId= payouts, ours beside PortOne's, status and why one needs a look
//	GET  /healthz                             liveness; no token
//	POST /webhooks/portone                    PortOne payment webhooks (Standard Webhooks signature; no token)
//
// /v1/* needs `Authorization: Bearer <SETTLE_API_TOKEN>`. Errors answer
// {type, message, field} with PortOne's type names where one fits; a
// record whose key is stored with other content answers 409
// PLATFORM_TRANSFER_ALREADY_EXISTS naming the differing fields.
// Every request is logged once, at the end, without tokens, secrets or bodies.
//
// NewServer fails without an API token, without a location, or with a
// malformed webhook secret.
func NewServer(cfg Config, st *store.Store, logger *slog.Logger) (http.Handler, error) {
	if cfg.APIToken == "" {
		return nil, errors.New("SETTLE_API_TOKEN is required to serve the API")
	}
	if len(cfg.APIToken) < MinTokenBytes {
		return nil, fmt.Errorf("SETTLE_API_TOKEN must be at least %d characters", MinTokenBytes)
	}
	if cfg.Location == nil {
		return nil, errors.New("Config.Location (SETTLE_TZ) is required")
	}
	if st == nil {
		return nil, errors.New("a store is required")
	}
	keys, err := parseWebhookSecrets(cfg.WebhookSecret)
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = DefaultMaxInFlight
	}
	s := &server{
		st: st, log: logger, token: sha256.Sum256([]byte(cfg.APIToken)), keys: keys,
		maxBody: cfg.MaxBodyBytes, tolerance: cfg.WebhookTolerance, now: cfg.Now,
		slots: make(chan struct{}, cfg.MaxInFlight), wait: cfg.InFlightWait,
		loc: cfg.Location, cron: cfg.Cron,
	}
	if s.wait <= 0 {
		s.wait = DefaultInFlightWait
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.tolerance <= 0 {
		s.tolerance = DefaultWebhookTolerance
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.in = intake.New(st, intake.Rules{Location: cfg.Location, TestMode: cfg.TestMode, HorizonDays: cfg.HorizonDays, Now: s.now}, cfg.Terms)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.Handle("POST /v1/orders", s.auth(s.bounded(s.postOrder)))
	mux.Handle("POST /v1/cancellations", s.auth(s.bounded(s.postCancellation)))
	mux.Handle("GET /v1/orders/{paymentId}", s.auth(s.bounded(s.getOrder)))
	mux.Handle("GET /v1/settlements", s.auth(s.bounded(s.getSettlements)))
	mux.Handle("GET /v1/runs", s.auth(s.bounded(s.getRuns)))
	mux.Handle("GET /v1/partners/{id}/statement", s.auth(s.bounded(s.getStatement)))
	mux.Handle("GET /v1/intents", s.auth(s.bounded(s.getIntents)))
	mux.Handle("GET /v1/status", s.auth(s.bounded(s.getStatus)))
	mux.Handle("GET /v1/payouts", s.auth(s.bounded(s.getPayouts)))
	mux.Handle("POST /webhooks/portone", s.bounded(s.webhook))
	return s.logRequests(jsonFallback(mux)), nil
}

// jsonFallback answers the mux's own 404 and 405 with the API's JSON error
// body (keeping the Allow header of a 405).
func jsonFallback(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		cw := &captureWriter{header: http.Header{}}
		mux.ServeHTTP(cw, r)
		switch cw.status {
		case http.StatusNotFound:
			writeError(w, http.StatusNotFound, &settlement.Error{Type: errNotFound, Message: "no such endpoint: " + r.Method + " " + r.URL.Path})
		case http.StatusMethodNotAllowed:
			w.Header().Set("Allow", cw.header.Get("Allow"))
			writeError(w, http.StatusMethodNotAllowed, &settlement.Error{Type: errMethodNotAllowed,
				Message: r.Method + " is not allowed on " + r.URL.Path + "; allowed: " + cw.header.Get("Allow")})
		default: // a redirect to the clean path
			mux.ServeHTTP(w, r)
		}
	})
}

// captureWriter records what the mux's fallback handlers answer.
type captureWriter struct {
	header http.Header
	status int
}

func (c *captureWriter) Header() http.Header { return c.header }
func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
}
func (c *captureWriter) Write(b []byte) (int, error) {
	c.WriteHeader(http.StatusOK)
	return len(b), nil
}

// NewHTTPServer returns an *http.Server for handler on addr with every
// timeout set, so that a slow or stuck client cannot hold a connection.
func NewHTTPServer(addr string, handler http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}

// ---- logging ----

// reqInfo is filled by handlers with what the access log names.
type reqInfo struct{ key string }

type reqInfoKey struct{}

func setReqKey(ctx context.Context, key string) {
	if ri, ok := ctx.Value(reqInfoKey{}).(*reqInfo); ok {
		ri.key = key
	}
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// logRequests logs every request once, when it ends: method, path, status,
// duration, response size and the record it was about. Headers (the token,
// webhook signatures), query values other than the path, and bodies are
// never logged. A panic in a handler answers 500 and is logged.
func (s *server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &reqInfo{}
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.LogAttrs(r.Context(), slog.LevelError, "http handler panic",
					slog.String("method", r.Method), slog.String("path", r.URL.Path),
					slog.String("panic", fmt.Sprint(v)), slog.String("stack", string(debug.Stack())))
				if sw.status == 0 {
					writeError(sw, http.StatusInternalServerError, &settlement.Error{Type: errInternal, Message: "internal error"})
				}
			}
			level := slog.LevelInfo
			if sw.status >= 500 {
				level = slog.LevelError
			}
			attrs := []slog.Attr{
				slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Int("status", sw.status), slog.Duration("duration", time.Since(start)),
				slog.Int("bytes", sw.bytes),
			}
			if ri.key != "" {
				attrs = append(attrs, slog.String("record_key", ri.key))
			}
			s.log.LogAttrs(r.Context(), level, "http request", attrs...)
		}()
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), reqInfoKey{}, ri)))
	})
}

// ---- auth and bodies ----

// auth requires `Authorization: Bearer <token>`, compared in constant time
// (of equal-length hashes, so not even the length leaks).
func (s *server) auth(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		got := sha256.Sum256([]byte(strings.TrimSpace(tok)))
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(got[:], s.token[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="settle"`)
			writeError(w, http.StatusUnauthorized, &settlement.Error{Type: errUnauthorized, Field: "Authorization",
				Message: "want Authorization: Bearer <SETTLE_API_TOKEN>"})
			return
		}
		h(w, r)
	})
}

// bounded runs h only when it has a place among the requests in flight,
// and refuses a declared body over the limit before anything else: 413
// before a byte of it is read, 503 with Retry-After when every place stays
// taken for the wait.
func (s *server) bounded(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > s.maxBody {
			w.Header().Set("Connection", "close") // the unread body is not drained
			writeError(w, http.StatusRequestEntityTooLarge, invalid("body", "%d bytes declared (Content-Length), larger than the limit of %d bytes", r.ContentLength, s.maxBody))
			return
		}
		select {
		case s.slots <- struct{}{}:
		default:
			t := time.NewTimer(s.wait)
			select {
			case s.slots <- struct{}{}:
				t.Stop()
			case <-t.C:
				w.Header().Set("Retry-After", "1")
				w.Header().Set("Connection", "close")
				writeError(w, http.StatusServiceUnavailable, &settlement.Error{Type: errBusy,
					Message: fmt.Sprintf("%d requests are in flight, the most this server works on at once; retry after a second", cap(s.slots))})
				return
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		defer func() { <-s.slots }()
		h(w, r)
	}
}

// readBody reads a JSON request body of at most s.maxBody bytes.
func (s *server) readBody(w http.ResponseWriter, r *http.Request, jsonOnly bool) ([]byte, int, *settlement.Error) {
	if ct := r.Header.Get("Content-Type"); jsonOnly && ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return nil, http.StatusUnsupportedMediaType, invalid("Content-Type", "want application/json")
		}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, http.StatusRequestEntityTooLarge, invalid("body", "larger than the limit of %d bytes", mbe.Limit)
	case err != nil:
		return nil, http.StatusBadRequest, invalid("body", "cannot read the request body")
	case len(data) == 0:
		return nil, http.StatusBadRequest, invalid("body", "required: a JSON record")
	}
	return data, 0, nil
}

// ---- answers ----

// writeError answers {type, message, field, …PortOne's extra fields}.
func writeError(w http.ResponseWriter, status int, e *settlement.Error, fields ...string) {
	body := map[string]json.RawMessage{}
	portOne, _ := json.Marshal(transfer.NewAPIError(e))
	_ = json.Unmarshal(portOne, &body)
	put := func(k string, v any) {
		if b, err := json.Marshal(v); err == nil {
			body[k] = b
		}
	}
	put("type", string(e.Type))
	msg := e.Message
	if msg == "" {
		msg = string(e.Type)
	}
	put("message", msg)
	put("field", e.Field)
	if len(fields) > 0 {
		put("fields", fields)
	}
	b, err := json.Marshal(body)
	if err != nil {
		b = []byte(`{"type":"INTERNAL_ERROR","message":"unencodable error"}`)
	}
	writeJSON(w, status, b)
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body)
	_, _ = w.Write([]byte{'\n'})
}

func writeValue(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, &settlement.Error{Type: errInternal, Message: "cannot encode the answer"})
		return
	}
	writeJSON(w, status, b)
}

func (s *server) internal(w http.ResponseWriter, r *http.Request, err error) {
	s.log.LogAttrs(r.Context(), slog.LevelError, "http request failed",
		slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	writeError(w, http.StatusInternalServerError, &settlement.Error{Type: errInternal, Message: "internal error; see the server log"})
}

// ---- handlers ----

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, []byte(`{"status":"ok"}`))
}

func (s *server) postOrder(w http.ResponseWriter, r *http.Request) {
	s.postRecord(w, r, intake.TypeOrder)
}

func (s *server) postCancellation(w http.ResponseWriter, r *http.Request) {
	s.postRecord(w, r, intake.TypeOrderCancel)
}

// postRecord registers one record: decode and validate (400 naming the
// field, the record kept in rejected records), then save idempotently:
// 201 new, 200 the same record again (the same answer), 409 the key with
// other content (the differing fields named).
func (s *server) postRecord(w http.ResponseWriter, r *http.Request, typ string) {
	ctx := r.Context()
	data, status, ferr := s.readBody(w, r, true)
	if ferr != nil {
		writeError(w, status, ferr)
		return
	}
	var rec intake.Record
	var err error
	if typ == intake.TypeOrder {
		var o *intake.OrderRecord
		if o, err = s.in.Rules().DecodeOrder(data); err == nil {
			rec.Order = o
		}
	} else {
		var c *intake.CancelRecord
		if c, err = s.in.Rules().DecodeCancel(data); err == nil {
			rec.Cancel = c
		}
	}
	if err == nil {
		var cerr error
		if ferr, cerr = s.in.Check(ctx, rec); cerr != nil {
			s.internal(w, r, cerr)
			return
		}
		if ferr != nil {
			err = ferr
		}
	}
	if err != nil {
		p := intake.ProblemOf(data, rec, err)
		setReqKey(ctx, p.Key())
		if kerr := s.in.Reject(ctx, p, data, store.SourceHTTP); kerr != nil {
			s.internal(w, r, kerr)
			return
		}
		writeError(w, p.Err.Type.HTTPStatus(), p.Err)
		return
	}
	setReqKey(ctx, rec.Key())
	res, err := s.in.Save(ctx, rec, store.SourceHTTP, "", 0)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	switch res.Kind {
	case store.Created:
		w.Header().Set("Location", recordLocation(rec))
		writeJSON(w, http.StatusCreated, rec.JSON())
	case store.Duplicate:
		w.Header().Set("Location", recordLocation(rec))
		writeJSON(w, http.StatusOK, rec.JSON())
	default:
		writeError(w, http.StatusConflict, intake.ConflictRejection(res.Conflict), intake.ConflictFields(res.Conflict)...)
	}
}

func recordLocation(rec intake.Record) string {
	return "/v1/orders/" + url.PathEscape(rec.PaymentID()) + "?partnerId=" + url.QueryEscape(rec.PartnerID())
}

// webhook receives PortOne's payment webhooks: verify, deduplicate by
// webhook-id, record, and link cancellations.
func (s *server) webhook(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if len(s.keys) == 0 {
		writeError(w, http.StatusNotFound, &settlement.Error{Type: errNotFound,
			Message: "webhooks are off: PORTONE_WEBHOOK_SECRET is not set"})
		return
	}
	body, status, ferr := s.readBody(w, r, false)
	if ferr != nil {
		writeError(w, status, ferr)
		return
	}
	id := r.Header.Get(HeaderWebhookID)
	sent, werr := s.keys.verify(r.Header, body, s.now(), s.tolerance)
	if werr != nil {
		writeError(w, werr.status, werr.err)
		return
	}
	setReqKey(ctx, "webhook "+id)
	ev, werr := parseEvent(id, sent, body)
	if werr != nil {
		writeError(w, werr.status, werr.err)
		return
	}
	out, err := s.st.SaveWebhookEvent(ctx, ev)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if out.Kind == store.Duplicate {
		writeError(w, http.StatusConflict, &settlement.Error{Type: errWebhookReplayed, Field: HeaderWebhookID,
			Message: "this webhook-id was already received"})
		return
	}
	state, err := s.process(ctx, ev)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeValue(w, http.StatusOK, map[string]string{"status": state, "type": ev.EventType})
}

// invalid is a field error of PortOne's type INVALID_REQUEST.
func invalid(field, format string, args ...any) *settlement.Error {
	return &settlement.Error{Type: settlement.ErrInvalidRequest, Field: field, Message: fmt.Sprintf(format, args...)}
}

// clip shortens a value quoted in an error message.
func clip(s string) string {
	const max = 64
	if r := []rune(s); len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}
