package transfer

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/settle-dev/settle/settlement"
)

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

var _ net.Error = timeoutErr{}

func TestShouldRetry(t *testing.T) {
	netErr := &url.Error{Op: "Post", URL: "https://api.portone.io", Err: errors.New("connection reset by peer")}
	for _, tc := range []struct {
		name         string
		status       int
		typ          settlement.ErrorType
		err, ctxErr  error
		attempt, max int
		want         bool
	}{
		{"network error", 0, "", netErr, nil, 1, 5, true},
		{"net timeout", 0, "", &url.Error{Op: "Get", Err: timeoutErr{}}, nil, 1, 5, true},
		{"attempt deadline", 0, "", fmt.Errorf("x: %w", context.DeadlineExceeded), nil, 1, 5, true},
		{"bad url", 0, "", &url.Error{Op: "parse", Err: errors.New("bad")}, nil, 1, 5, false},
		{"x509", 0, "", &url.Error{Op: "Get", Err: x509.UnknownAuthorityError{}}, nil, 1, 5, false},
		{"429", 429, "", nil, nil, 1, 5, true},
		{"500", 500, "", nil, nil, 1, 5, true},
		{"502", 502, "", nil, nil, 2, 5, true},
		{"503 external api", 503, settlement.ErrExternalAPIFailed, nil, nil, 1, 5, true},
		{"504", 504, "", nil, nil, 1, 5, true},
		{"501", 501, "", nil, nil, 1, 5, false},
		{"409 outstanding", 409, settlement.ErrIdempotencyOutstandingRequest, nil, nil, 1, 5, true},
		{"409 id used", 409, settlement.ErrTransferIDAlreadyUsed, nil, nil, 1, 5, false},
		{"409 already exists", 409, settlement.ErrTransferAlreadyExists, nil, nil, 1, 5, false},
		{"400", 400, settlement.ErrInvalidRequest, nil, nil, 1, 5, false},
		{"401", 401, settlement.ErrUnauthorized, nil, nil, 1, 5, false},
		{"403", 403, settlement.ErrForbidden, nil, nil, 1, 5, false},
		{"404", 404, settlement.ErrTransferNotFound, nil, nil, 1, 5, false},
		{"exhausted", 500, "", nil, nil, 5, 5, false},
		{"exhausted network", 0, "", netErr, nil, 3, 3, false},
		{"context cancelled", 500, "", nil, context.Canceled, 1, 5, false},
		{"context deadline", 0, "", netErr, context.DeadlineExceeded, 1, 5, false},
		{"200", 200, "", nil, nil, 1, 5, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, reason := shouldRetry(tc.status, tc.typ, tc.err, tc.ctxErr, tc.attempt, tc.max)
			if got != tc.want || reason == "" {
				t.Errorf("shouldRetry(%d, %q, %v, %v, %d, %d) = %t, %q; want %t with a reason",
					tc.status, tc.typ, tc.err, tc.ctxErr, tc.attempt, tc.max, got, reason, tc.want)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	top := func(n int64) int64 { return n - 1 }
	bottom := func(int64) int64 { return 0 }
	base, max := 100*time.Millisecond, time.Second
	for _, tc := range []struct {
		attempt    int
		retryAfter time.Duration
		jitter     func(int64) int64
		want       time.Duration
	}{
		{1, 0, top, 100 * time.Millisecond},
		{2, 0, top, 200 * time.Millisecond},
		{4, 0, top, 800 * time.Millisecond},
		{5, 0, top, time.Second},
		{30, 0, top, time.Second},
		{3, 0, bottom, 0},
		{3, 7 * time.Second, top, 7 * time.Second},
	} {
		if got := backoff(tc.attempt, base, max, tc.retryAfter, tc.jitter); got != tc.want {
			t.Errorf("backoff(%d, %v, %v, %v) = %v, want %v", tc.attempt, base, max, tc.retryAfter, got, tc.want)
		}
	}
	for range 1000 {
		if d := backoff(3, base, max, 0, defaultJitter); d < 0 || d > 400*time.Millisecond {
			t.Fatalf("backoff(3) with real jitter = %v, want within [0, 400ms]", d)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"3", 3 * time.Second},
		{" 120 ", 2 * time.Minute},
		{"0", 0},
		{"-5", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"soon", 0},
	} {
		if got := parseRetryAfter(tc.in, now); got != tc.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestSleepCtxEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := sleepCtx(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("sleepCtx(cancelled, 1h) = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("sleepCtx(cancelled, 1h) took %v", d)
	}
	if err := sleepCtx(context.Background(), time.Millisecond); err != nil {
		t.Errorf("sleepCtx(1ms) = %v", err)
	}
}
