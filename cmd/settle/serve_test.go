package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	dto "github.com/prometheus/client_model/go"
)

// freeAddr is a loopback address nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// serveCLI runs `settle serve` with env until the test ends.
func serveCLI(t *testing.T, env map[string]string) (base string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var errb bytes.Buffer
	go func() {
		done <- run(ctx, []string{"serve", "--out", t.TempDir()}, func(k string) string { return env[k] }, strings.NewReader(""), io.Discard, &errb)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	})
	base = "http://" + env["SETTLE_HTTP_ADDR"]
	for i := 0; ; i++ {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			return base
		}
		if i > 200 {
			t.Fatalf("serve never answered /healthz")
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func getReady(t *testing.T, base string) (int, map[string]string) {
	t.Helper()
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct{ Checks map[string]string }
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, v.Checks
}

// scrape reads /metrics with the Prometheus text parser.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	return fams
}

// value is the value of the sample of fam whose labels include want.
func value(fams map[string]*dto.MetricFamily, name string, want ...string) (float64, bool) {
	fam := fams[name]
	if fam == nil {
		return 0, false
	}
next:
	for _, m := range fam.Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(want); i += 2 {
			if labels[want[i]] != want[i+1] {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

// TestServeSignals (issue #13.3): /healthz, /readyz and /metrics of a
// serve whose catch-up night posted two transfers, scraped and parsed with
// Prometheus' own parser.
func TestServeSignals(t *testing.T) {
	w := newOpsWorld(t)
	env := w.with("SETTLE_HTTP_ADDR", freeAddr(t), "SETTLE_API_TOKEN", "token-token-token-1")
	base := serveCLI(t, env)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, ok := value(scrape(t, base), "settle_scheduled_runs_total", "outcome", "done"); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the catch-up run never finished")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, checks := getReady(t, base); code != http.StatusOK {
		t.Errorf("/readyz after a good night = %d %v", code, checks)
	}
	// A record received over HTTP is counted.
	body := `{"partnerId":"p1","paymentId":"pay-http","paidAt":"` + time.Now().Add(-time.Hour).Format(time.RFC3339) + `","orderDetail":{"orderAmount":1000},"discounts":[],"additionalFees":[]}`
	req, _ := http.NewRequest("POST", base+"/v1/orders", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer token-token-token-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	fams := scrape(t, base)
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"settle_job_runs_total", []string{"job", "post", "outcome", "done"}, 1},
		{"settle_job_runs_total", []string{"job", "export", "outcome", "done"}, 1},
		{"settle_job_duration_seconds", []string{"job", "settle"}, 1},
		{"settle_transfers_total", []string{"outcome", "posted"}, 2},
		{"settle_transfers_total", []string{"outcome", "failed"}, 0},
		{"settle_post_retries_total", nil, 0},
		{"settle_reconcile_mismatches", nil, 0},
		{"settle_intents", []string{"status", "posted"}, 2},
		{"settle_intents", []string{"status", "failed"}, 0},
		{"settle_scheduled_runs_total", []string{"outcome", "done"}, 1},
		{"settle_records_received_total", []string{"kind", "order", "outcome", "created"}, 1},
	} {
		if got, ok := value(fams, c.name, c.labels...); !ok || got != c.want {
			t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
}

// TestReadyzWhenPortOneIsDown (issue #13.3): with PortOne unreachable the
// catch-up fails and /readyz answers 503 naming PortOne and the run,
// while /healthz (liveness) stays 200.
func TestReadyzWhenPortOneIsDown(t *testing.T) {
	w := newOpsWorld(t)
	env := w.with("SETTLE_HTTP_ADDR", freeAddr(t), "SETTLE_API_TOKEN", "token-token-token-1", "PORTONE_API_BASE", "http://"+freeAddr(t))
	base := serveCLI(t, env)
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, checks := getReady(t, base)
		if code == http.StatusServiceUnavailable && strings.Contains(checks["portone"], "PortOne unreachable") &&
			strings.Contains(checks["last_run"], "failed") && checks["database"] == "ok" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz = %d %v, want 503 naming portone and last_run", code, checks)
		}
		time.Sleep(50 * time.Millisecond)
	}
	resp, err := http.Get(base + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz with PortOne down: %v %v", resp, err)
	}
	if v, ok := value(scrape(t, base), "settle_scheduled_runs_total", "outcome", "failed"); !ok || v < 1 {
		t.Errorf("settle_scheduled_runs_total{outcome=failed} = %v, want ≥ 1", v)
	}
}
