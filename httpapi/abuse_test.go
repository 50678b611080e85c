package httpapi

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// rawRequest writes a request's head by hand on a new connection, and
// body (maybe less than Content-Length says), leaving the connection open.
func rawRequest(t *testing.T, a *testAPI, path string, contentLength int, body string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(a.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: settle\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		path, testToken, contentLength, body)
	return conn
}

func readAnswer(t *testing.T, conn net.Conn, within time.Duration) *http.Response {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(within))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer within %s: %v", within, err)
	}
	resp.Body.Close()
	return resp
}

// TestDeclaredBodyTooLarge (issue #10.9): a Content-Length over the limit
// is answered 413 at once, before any of the body is read (the old API read
// up to the limit first, so a client that sends nothing kept it waiting).
func TestDeclaredBodyTooLarge(t *testing.T) {
	a := newTestAPI(t, nil)
	for _, path := range []string{"/v1/orders", "/v1/cancellations", "/webhooks/portone"} {
		conn := rawRequest(t, a, path, 20<<20, "") // 20 MB declared, none sent
		resp := readAnswer(t, conn, 2*time.Second)
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("POST %s with Content-Length 20 MB: %d, want 413", path, resp.StatusCode)
		}
	}
}

// TestRequestsInFlightBounded (issue #10.9): beyond MaxInFlight requests at
// once, a request waits InFlightWait and is answered 503 with Retry-After,
// its body unread; places free up when requests end.
func TestRequestsInFlightBounded(t *testing.T) {
	a := newTestAPI(t, func(c *Config) { c.MaxInFlight, c.InFlightWait = 2, 200*time.Millisecond })
	// Two requests hold both places: their bodies never finish arriving.
	var slow []net.Conn
	for i := 0; i < 2; i++ {
		slow = append(slow, rawRequest(t, a, "/v1/orders", 1000, `{"partnerId":`))
	}
	time.Sleep(200 * time.Millisecond) // both are in their handlers, reading
	ans := a.post(t, "/v1/orders", order1)
	if ans.status != http.StatusServiceUnavailable || ans.header.Get("Retry-After") == "" {
		t.Fatalf("third request: %d (Retry-After %q) %s, want 503 with Retry-After", ans.status, ans.header.Get("Retry-After"), ans.body)
	}
	if e := ans.err(t); e.Type != string(errBusy) {
		t.Errorf("503 body type %q, want %s", e.Type, errBusy)
	}
	// Health checks are never held back.
	if h := a.do(t, http.MethodGet, "/healthz", "", nil, nil); h.status != http.StatusOK {
		t.Errorf("GET /healthz while busy: %d", h.status)
	}
	for _, c := range slow {
		c.Close()
	}
	// The places come back: requests go through again.
	var wg sync.WaitGroup
	codes := make([]int, 4)
	for i := range codes {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for try := 0; try < 20; try++ {
				ans := a.post(t, "/v1/orders", order1)
				codes[i] = ans.status
				if ans.status != http.StatusServiceUnavailable {
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
		}(i)
	}
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusCreated && c != http.StatusOK {
			t.Errorf("request %d after the slow ones ended: %d, want 201 or 200", i, c)
		}
	}
}
