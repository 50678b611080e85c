package transfer

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestClientKeepsConnectionsForItsConcurrency: a client making Connections
// calls at once reuses its connections for the next round. Go's default
// transport keeps two idle connections per host, so with it every round of
// 64 calls opened ~62 new connections (a TCP and, against PortOne, a TLS
// handshake each).
func TestClientKeepsConnectionsForItsConcurrency(t *testing.T) {
	const conc = 64
	var opened atomic.Int64
	var inFlight sync.WaitGroup
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond) // all conc calls overlap
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(orderTransferJSON))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c, err := New(Config{BaseURL: srv.URL, APISecret: testSecret, Connections: conc})
	if err != nil {
		t.Fatal(err)
	}
	round := func() {
		for range conc {
			inFlight.Add(1)
			go func() {
				defer inFlight.Done()
				if _, err := c.GetTransfer(context.Background(), "tr-order-1"); err != nil {
					t.Error(err)
				}
			}()
		}
		inFlight.Wait()
	}
	round()
	first := opened.Load()
	for range 3 {
		round()
	}
	if again := opened.Load() - first; again > conc/8 {
		t.Errorf("the first round of %d calls opened %d connections and the next three %d more: want them reused", conc, first, again)
	}
}
