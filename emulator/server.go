package emulator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	gojson "github.com/goccy/go-json"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

// Options configures a Server. The zero value is usable: no secret is
// required, the clock is the wall clock, dates are in Asia/Seoul, rounding
// is PortOne's documented default (DOWN) and the calendar is
// settlement.KoreanCalendar.
type Options struct {
	// Secret, when set, is the API secret every request must carry as
	// `Authorization: PortOne <Secret>`; others get 401 UNAUTHORIZED.
	Secret string

	// Now is the emulator's clock. It decides settlement start dates that
	// default to "now", appliedAt stamps and every transfer's status (which
	// is computed on read). Use a *Clock to move time in tests.
	Now func() time.Time

	// Location is the business time zone that turns instants into dates.
	// Nil means Asia/Seoul.
	Location *time.Location

	// Rounding is the merchant's rounding. The zero value means
	// settlement.DefaultRounding. Read only without Rules.
	Rounding settlement.Rounding

	// Rules are the merchant's rules (formulas, roundings, variants:
	// `settle emulator --rules FILE`), so that the emulator can play a
	// merchant who changed PortOne's calculator. Nil means PortOne's
	// defaults with Rounding.
	Rules *settlement.Rules

	// Calendar is the business-day calendar. Nil means settlement.KoreanCalendar().
	Calendar *settlement.Calendar

	// Faults are the random faults injected from the start; see SetFaults.
	Faults FaultConfig

	// Seed seeds the fault generator (PCG). Runs with the same seed and the
	// same request order inject the same faults.
	Seed uint64

	// StoreID is the storeId reported on PORT_ONE payments and summaries.
	// Empty means "store-emulator".
	StoreID string

	// DefaultPageSize is the page size of list operations that do not send
	// one. Zero means 10.
	DefaultPageSize int

	// MaxPageSize, when positive, caps the page size of the partner
	// settlement and payout lists below what a client asks for.
	MaxPageSize int

	// Logger receives one line per fault and per internal error. Nil
	// discards.
	Logger *slog.Logger

	// RequestLog is how many of the most recent requests Requests keeps:
	// zero means DefaultRequestLog, a negative value keeps none (a
	// long-running `settle emulator` or a scale run, where a million
	// recorded bodies would be most of the memory).
	RequestLog int
}

// DefaultRequestLog is the number of requests Requests keeps by default.
const DefaultRequestLog = 10000

// Server is the stateful PortOne platform API emulator. It is an
// http.Handler and safe for concurrent use.
type Server struct {
	opts    Options
	now     func() time.Time
	loc     *time.Location
	cal     *settlement.Calendar
	storeID string
	log     *slog.Logger
	mux     *http.ServeMux

	mu      sync.Mutex // guards everything below
	envs    [2]*env    // [0] live, [1] test
	seq     int64
	tampers []func(paymentID string, t *transfer.Transfer)
	reqs    requestLog
	faults  FaultConfig
	script  []*scripted
	rng     *rand.Rand
}

// New returns an emulator with empty state (no partners, contracts or
// policies; default platform settings) in both the test and live
// environments.
func New(opts Options) *Server {
	s := &Server{opts: opts}
	s.now = opts.Now
	if s.now == nil {
		s.now = time.Now
	}
	s.loc = opts.Location
	if s.loc == nil {
		s.loc = seoul()
	}
	s.cal = opts.Calendar
	if s.cal == nil {
		s.cal = settlement.KoreanCalendar()
	}
	if s.opts.Rounding == (settlement.Rounding{}) {
		s.opts.Rounding = settlement.DefaultRounding
	}
	if s.opts.Rules == nil {
		s.opts.Rules = settlement.DefaultRulesWith(s.opts.Rounding)
	}
	if s.opts.DefaultPageSize <= 0 {
		s.opts.DefaultPageSize = 10
	}
	s.storeID = opts.StoreID
	if s.storeID == "" {
		s.storeID = "store-emulator"
	}
	s.log = opts.Logger
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.envs[0] = newEnv(false)
	s.envs[1] = newEnv(true)
	s.faults = opts.Faults
	switch {
	case opts.RequestLog == 0:
		s.reqs.max = DefaultRequestLog
	case opts.RequestLog > 0:
		s.reqs.max = opts.RequestLog
	}
	s.rng = rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))
	s.routes()
	return s
}

func seoul() *time.Location {
	if loc, err := time.LoadLocation("Asia/Seoul"); err == nil {
		return loc
	}
	return time.FixedZone("KST", 9*60*60)
}

// NewTestServer starts s = New(opts) on a loopback httptest server that is
// closed when t ends, and returns s and its base URL (no trailing slash).
func NewTestServer(t testing.TB, opts Options) (*Server, string) {
	t.Helper()
	s := New(opts)
	url, stop := s.Start()
	t.Cleanup(stop)
	return s, url
}

// Start serves s on a loopback httptest server and returns its base URL
// and the function that closes it.
func (s *Server) Start() (baseURL string, closeFn func()) {
	ts := httptest.NewServer(s)
	return ts.URL, ts.Close
}

// ListenAndServe serves s on addr until ctx ends, then shuts down
// gracefully (in-flight requests get up to five seconds).
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves s on ln until ctx ends.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	s.log.Info("portone emulator listening", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// Run is `settle emulator`: it serves New(opts) on addr until ctx ends.
// seed, when not nil, is a JSON seed file (see Seed) applied to both the
// test and the live environment first.
func Run(ctx context.Context, addr string, opts Options, seed io.Reader) error {
	s := New(opts)
	if seed != nil {
		if err := s.Seed(seed); err != nil {
			return err
		}
	}
	return s.ListenAndServe(ctx, addr)
}

// Request is one request the emulator received.
type Request struct {
	Method string
	Path   string
	Query  string      // raw query
	Header http.Header // without Authorization
	Body   []byte
	Time   time.Time // emulator clock at arrival
	Status int       // response status; 0 when the connection was dropped or reset
	Fault  string    // the injected fault, if any ("5xx", "429", "latency", "drop", "reset")
}

// Requests returns a copy of the requests received so far, in arrival
// order: the most recent Options.RequestLog of them.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.reqs.list()
	for i := range out {
		out[i].Header = out[i].Header.Clone()
		out[i].Body = bytes.Clone(out[i].Body)
	}
	return out
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs.reset()
}

// requestLog is a ring of the max most recent requests.
type requestLog struct {
	max  int
	ring []Request
	next int // where the next request goes once the ring is full
}

func (l *requestLog) add(r Request) {
	switch {
	case l.max <= 0:
	case len(l.ring) < l.max:
		l.ring = append(l.ring, r)
	default:
		l.ring[l.next] = r
		l.next = (l.next + 1) % l.max
	}
}

func (l *requestLog) list() []Request {
	out := make([]Request, 0, len(l.ring))
	out = append(out, l.ring[l.next:]...)
	return append(out, l.ring[:l.next]...)
}

func (l *requestLog) reset() { l.ring, l.next = nil, 0 }

// Tamper registers fn to rewrite every transfer the emulator answers with
// (create, get and summaries), after the true transfer has been rendered and
// before it is encoded. paymentID is the transfer's paymentId ("" for
// MANUAL). fn may change anything (amounts, dates, status); state is not
// affected. Tampers apply in registration order.
func (s *Server) Tamper(fn func(paymentID string, t *transfer.Transfer)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tampers = append(s.tampers, fn)
}

// ClearTampers removes every tamper.
func (s *Server) ClearTampers() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tampers = nil
}

const maxBody = 8 << 20

// ServeHTTP implements http.Handler: faults first (as the network or a load
// balancer would), then authentication, then the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return // the client went away
	}
	now := s.now()
	f := s.pickFault(r.Method, r.URL.Path)

	rec := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: body, Time: now, Fault: f.Kind.String()}
	if s.reqs.max > 0 {
		rec.Header = r.Header.Clone()
		rec.Header.Del("Authorization")
	}
	if f.Kind != FaultNone {
		s.log.Info("portone emulator fault", "fault", f.Kind.String(), "method", r.Method, "path", r.URL.Path)
	}

	if f.Kind == FaultReset {
		s.record(rec, 0)
		hijackClose(w, true)
		return
	}
	if d := s.latency(f); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			s.record(rec, 0)
			return
		}
	}
	switch f.Kind {
	case Fault5xx:
		st := f.Status
		if st == 0 {
			st = http.StatusInternalServerError
		}
		s.record(rec, st)
		writeJSON(w, st, errBody{Type: "INTERNAL_SERVER_ERROR", Message: "emulated server error"})
		return
	case Fault429:
		s.record(rec, http.StatusTooManyRequests)
		w.Header().Set("Retry-After", retryAfterValue(f.RetryAfter))
		writeJSON(w, http.StatusTooManyRequests, errBody{Type: "TOO_MANY_REQUESTS", Message: "emulated rate limit"})
		return
	}

	if s.opts.Secret != "" && r.Header.Get("Authorization") != "PortOne "+s.opts.Secret {
		s.record(rec, http.StatusUnauthorized)
		writeJSON(w, http.StatusUnauthorized, errBody{Type: "UNAUTHORIZED", Message: "인증 정보가 올바르지 않습니다."})
		return
	}

	r.Body = &readRequestBody{Reader: bytes.NewReader(body), body: body}
	buf := newBufferedWriter()
	s.serveAPI(buf, r)

	if f.Kind == FaultDrop {
		s.record(rec, 0)
		hijackClose(w, false)
		return
	}
	s.record(rec, buf.status)
	buf.copyTo(w)
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("portone emulator: handler panic", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v))
			writeJSON(w, http.StatusInternalServerError, errBody{Type: "INTERNAL_SERVER_ERROR", Message: fmt.Sprint(v)})
		}
	}()
	s.mux.ServeHTTP(w, r)
}

func (s *Server) record(rec Request, status int) {
	if s.reqs.max <= 0 { // set by New, never changed
		return
	}
	rec.Status = status
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs.add(rec)
}

// hijackClose closes the client connection without writing a response;
// with reset it asks the kernel to send RST instead of FIN.
func hijackClose(w http.ResponseWriter, reset bool) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok && reset {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// readRequestBody is a request body ServeHTTP has read already: the API handlers
// take its bytes instead of reading and copying them again.
type readRequestBody struct {
	*bytes.Reader
	body []byte
}

func (*readRequestBody) Close() error { return nil }

// bodyOf is r's body, read.
func bodyOf(r *http.Request) []byte {
	if rb, ok := r.Body.(*readRequestBody); ok {
		return rb.body
	}
	b, _ := io.ReadAll(r.Body)
	return b
}

// bufferedWriter holds a whole response so that the emulator can decide
// after the API has run whether to send it or drop the connection.
type bufferedWriter struct {
	header http.Header
	status int
	owned  []byte // the response, when writeOwned was its only write
	body   bytes.Buffer
}

func newBufferedWriter() *bufferedWriter { return &bufferedWriter{header: http.Header{}} }

func (b *bufferedWriter) Header() http.Header { return b.header }
func (b *bufferedWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}
func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	b.flushOwned()
	return b.body.Write(p)
}

// writeOwned is Write of p, which the caller no longer uses: the first write
// of a response is kept without a copy.
func (b *bufferedWriter) writeOwned(p []byte) {
	if b.body.Len() == 0 && b.owned == nil {
		if b.status == 0 {
			b.status = http.StatusOK
		}
		b.owned = p
		return
	}
	b.flushOwned()
	_, _ = b.Write(p)
}

func (b *bufferedWriter) flushOwned() {
	if b.owned != nil {
		owned := b.owned
		b.owned = nil
		_, _ = b.body.Write(owned)
	}
}

func (b *bufferedWriter) copyTo(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	if b.status == 0 {
		b.status = http.StatusOK
	}
	w.WriteHeader(b.status)
	if b.owned != nil {
		_, _ = w.Write(b.owned)
		return
	}
	_, _ = w.Write(b.body.Bytes())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := gojson.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"type":"INTERNAL_SERVER_ERROR","message":"encode"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if bw, ok := w.(*bufferedWriter); ok {
		bw.writeOwned(b) // b is ours: no copy
		return
	}
	_, _ = w.Write(b)
}

func retryAfterValue(d time.Duration) string {
	if d <= 0 {
		return "0"
	}
	secs := int64((d + time.Second - 1) / time.Second)
	return fmt.Sprint(secs)
}

// graphqlID is a stable synthetic GraphQL id for an object.
func graphqlID(typename, id string) string {
	return strings.TrimRight(b64(typename+":"+id), "=")
}
