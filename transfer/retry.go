package transfer

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/settle-dev/settle/settlement"
)

// parseRetryAfter reads Retry-After as delta-seconds or an HTTP-date
// (relative to now). Absent, malformed or past values give 0.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// retryableStatus is the status half of the retry policy: 429, 5xx other
// than 501, and 409 IDEMPOTENCY_OUTSTANDING_REQUEST are worth another
// attempt; every other 4xx is final.
func retryableStatus(status int, typ settlement.ErrorType) (bool, string) {
	switch {
	case status == http.StatusTooManyRequests:
		return true, "429 too many requests"
	case status == http.StatusNotImplemented:
		return false, "501 not implemented"
	case status >= 500:
		return true, strconv.Itoa(status) + " server error"
	case status == http.StatusConflict && typ == settlement.ErrIdempotencyOutstandingRequest:
		return true, "409 " + string(typ)
	case status >= 400:
		return false, strconv.Itoa(status) + " is final"
	}
	return false, "success"
}

// shouldRetry decides whether attempt (1-based) is followed by another.
// err is the transport error of the attempt (nil when a response came back,
// in which case status and typ describe it). It is pure: no clock, no I/O.
//
// It retries network errors and per-attempt timeouts, and the statuses of
// retryableStatus; it never retries when the caller's context is done
// (ctxErr), when attempts are used up, or on errors that another attempt
// cannot fix (bad URL, TLS certificate).
func shouldRetry(status int, typ settlement.ErrorType, err, ctxErr error, attempt, maxAttempts int) (bool, string) {
	if ctxErr != nil {
		return false, "context done: " + ctxErr.Error()
	}
	if attempt >= maxAttempts {
		return false, "attempts exhausted"
	}
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) && (ue.Op == "parse" || isCertError(err)) {
			return false, "permanent transport error"
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return true, "attempt timed out"
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return true, "network timeout"
		}
		return true, "network error"
	}
	return retryableStatus(status, typ)
}

func isCertError(err error) bool {
	var tv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var ci x509.CertificateInvalidError
	var hn x509.HostnameError
	return errors.As(err, &tv) || errors.As(err, &ua) || errors.As(err, &ci) || errors.As(err, &hn)
}

// backoff is the wait before attempt+1: full jitter over a capped
// exponential, base·2^(attempt-1) capped at max. A Retry-After from the
// server wins over it. jitter(n) returns a value in [0, n).
func backoff(attempt int, base, max, retryAfter time.Duration, jitter func(int64) int64) time.Duration {
	if retryAfter > 0 {
		return retryAfter
	}
	d := base
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	if d <= 0 {
		return 0
	}
	return time.Duration(jitter(int64(d) + 1))
}

func defaultJitter(n int64) int64 { return rand.Int64N(n) }

// sleepCtx waits d or until ctx is done, whichever is first, with a timer
// and select (never a bare time.Sleep), and reports ctx's error if it ended
// the wait.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
