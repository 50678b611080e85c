package emulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/settle-dev/settle/emulator"
)

// post sends one attempt on a fresh connection (no keep-alive, so the
// transport never replays it) and returns the status or the error.
func post(t *testing.T, ctx context.Context, url string, body any) (int, error) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(b))
	req.Header.Set("Authorization", "PortOne "+secret)
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	res.Body.Close()
	return res.StatusCode, nil
}

func TestScriptedFaults(t *testing.T) {
	srv, a, _ := seeded(t, emulator.Options{})
	url := a.base + "/platform/transfers/order"
	exists := func(id string) bool {
		return a.do("GET", "/platform/transfers/"+id, nil).status == 200
	}
	m := emulator.Match{Method: "POST", Path: "/platform/transfers/*"}

	srv.Script(m, 1, emulator.Fault{Kind: emulator.Fault5xx, Status: 503})
	if st, err := post(t, t.Context(), url, order("f1", "pf1", "p1", 1000)); err != nil || st != 503 || exists("f1") {
		t.Errorf("5xx: %d %v, committed %v", st, err, exists("f1"))
	}

	srv.Script(m, 1, emulator.Fault{Kind: emulator.Fault429, RetryAfter: 1500 * time.Millisecond})
	r := a.do("POST", "/platform/transfers/order", order("f2", "pf2", "p1", 1000))
	if r.status != 429 || r.header.Get("Retry-After") != "2" || exists("f2") {
		t.Errorf("429: %d Retry-After %q: %s", r.status, r.header.Get("Retry-After"), r.raw)
	}

	srv.Script(m, 1, emulator.Fault{Kind: emulator.FaultDrop})
	if st, err := post(t, t.Context(), url, order("f3", "pf3", "p1", 1000)); err == nil || !exists("f3") {
		t.Errorf("drop: got %d %v, committed %v; want an error and a commit", st, err, exists("f3"))
	}

	srv.Script(m, 1, emulator.Fault{Kind: emulator.FaultReset})
	if st, err := post(t, t.Context(), url, order("f4", "pf4", "p1", 1000)); err == nil || exists("f4") {
		t.Errorf("reset: got %d %v, committed %v; want an error and no commit", st, err, exists("f4"))
	}

	// Latency: the client gives up first, and nothing is committed.
	srv.Script(m, 1, emulator.Fault{Kind: emulator.FaultLatency, Latency: 2 * time.Second})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	start := time.Now()
	_, err := post(t, ctx, url, order("f5", "pf5", "p1", 1000))
	cancel()
	if err == nil || time.Since(start) > time.Second {
		t.Errorf("latency: %v after %s", err, time.Since(start))
	}
	// Latency the client waits out.
	srv.Script(m, 1, emulator.Fault{Kind: emulator.FaultLatency, Latency: 30 * time.Millisecond})
	start = time.Now()
	if st, err := post(t, t.Context(), url, order("f6", "pf6", "p1", 1000)); err != nil || st != 200 || time.Since(start) < 30*time.Millisecond {
		t.Errorf("latency: %d %v after %s", st, err, time.Since(start))
	}

	// Scripts are consumed in order and only by matching requests.
	srv.Script(emulator.Match{Method: "POST", Path: "/platform/transfers/order-cancel"}, 2, emulator.Fault{Kind: emulator.Fault5xx})
	if st, _ := post(t, t.Context(), url, order("f7", "pf7", "p1", 1000)); st != 200 {
		t.Errorf("non-matching request got %d", st)
	}
	srv.ClearScript()

	wantS := []string{"5xx/503", "429/429", "drop/0", "reset/0", "latency/0", "latency/200", "/200"}
	var got []string
	for _, r := range srv.Requests() {
		if r.Method == "POST" {
			got = append(got, fmt.Sprintf("%s/%d", r.Fault, r.Status))
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(wantS) {
		t.Errorf("recorded faults %v, want %v", got, wantS)
	}
}

func TestRandomFaultsAreDeterministic(t *testing.T) {
	fc := emulator.FaultConfig{Rate5xx: 0.2, Rate429: 0.05, RateDrop: 0.1, Match: emulator.Match{Path: "/platform/setting"}}
	run := func(seed uint64) []string {
		srv, a, _ := seeded(t, emulator.Options{Seed: seed, Faults: fc})
		for range 300 {
			req, _ := http.NewRequestWithContext(t.Context(), "GET", a.base+"/platform/setting", nil)
			req.Header.Set("Authorization", "PortOne "+secret)
			hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			if res, err := hc.Do(req); err == nil {
				res.Body.Close()
			}
		}
		var out []string
		for _, r := range srv.Requests() {
			out = append(out, r.Fault)
		}
		return out
	}
	a, b, c := run(7), run(7), run(8)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Error("same seed, different faults")
	}
	if fmt.Sprint(a) == fmt.Sprint(c) {
		t.Error("different seeds, same faults")
	}
	n := map[string]int{}
	for _, f := range a {
		n[f]++
	}
	// 300 draws: 60 ± 21 5xx, 30 ± 16 drops, 15 ± 12 429s (3σ).
	if n["5xx"] < 39 || n["5xx"] > 81 || n["drop"] < 14 || n["drop"] > 46 || n["429"] < 3 || n["429"] > 27 {
		t.Errorf("fault counts %v out of line with the rates", n)
	}
}

func TestParseFaults(t *testing.T) {
	for _, c := range []struct {
		spec string
		want emulator.FaultConfig
		seed uint64
		err  string // part of the error, "" for none
	}{
		{spec: "", want: emulator.FaultConfig{}},
		{spec: "5xx=0.02,429=1%,drop=0.5%,seed=7", want: emulator.FaultConfig{Rate5xx: 0.02, Rate429: 0.01, RateDrop: 0.005}, seed: 7},
		{spec: " reset=0.1 , slow=10%, slow-by=250ms ,status=503,retry-after=2s", want: emulator.FaultConfig{RateReset: 0.1, RateSlow: 0.1, Slow: 250 * time.Millisecond, Status5xx: 503, RetryAfter: 2 * time.Second}},
		{spec: "method=post,path=/platform/transfers/*,drop=1", want: emulator.FaultConfig{RateDrop: 1, Match: emulator.Match{Method: "POST", Path: "/platform/transfers/*"}}},
		{spec: "5xx=2", err: "5xx=2: want a rate between 0 and 1"},
		{spec: "5xx=-1%", err: "want a rate"},
		{spec: "5xx=0.6,429=0.5", err: "add up to 1.1"},
		{spec: "5xx", err: `"5xx": want KEY=VALUE`},
		{spec: "5xx=0.1,5xx=0.2", err: "5xx is given twice"},
		{spec: "latency=5ms", err: `unknown key "latency"`},
		{spec: "status=404", err: "want a status from 500 to 599"},
		{spec: "slow=0.1", err: "needs slow-by"},
		{spec: "retry-after=soon", err: "want a duration"},
		{spec: "seed=-3", err: "want a whole number"},
		{spec: "path=platform", err: "starting with /"},
	} {
		fc, seed, err := emulator.ParseFaults(c.spec)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%q: %v", c.spec, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%q: error %v, want one containing %q", c.spec, err, c.err)
		case c.err == "" && (fc != c.want || seed != c.seed):
			t.Errorf("%q: %+v seed %d, want %+v seed %d", c.spec, fc, seed, c.want, c.seed)
		}
	}
}

// TestRequestLogBounded: Requests keeps the most recent RequestLog requests
// (a million recorded bodies were most of a scale run's memory), and none
// with a negative RequestLog.
func TestRequestLogBounded(t *testing.T) {
	for _, c := range []struct{ log, sent, kept int }{{5, 12, 5}, {5, 3, 3}, {-1, 12, 0}} {
		srv, a, _ := seeded(t, emulator.Options{RequestLog: c.log})
		for i := range c.sent {
			a.fails("GET", fmt.Sprintf("/platform/transfers/nope-%02d", i), nil, 404, "PLATFORM_TRANSFER_NOT_FOUND")
		}
		reqs := srv.Requests()
		if len(reqs) != c.kept {
			t.Fatalf("RequestLog %d after %d requests: %d kept, want %d", c.log, c.sent, len(reqs), c.kept)
		}
		for i, r := range reqs {
			if want := fmt.Sprintf("/platform/transfers/nope-%02d", c.sent-c.kept+i); r.Path != want {
				t.Errorf("RequestLog %d: request %d is %s, want %s", c.log, i, r.Path, want)
			}
		}
		srv.ResetRequests()
		if n := len(srv.Requests()); n != 0 {
			t.Errorf("%d requests after ResetRequests", n)
		}
	}
	// The default keeps DefaultRequestLog.
	srv := emulator.New(emulator.Options{})
	for i := range emulator.DefaultRequestLog + 1 {
		srv.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", fmt.Sprintf("/platform/transfers/n%d", i), nil))
	}
	if reqs := srv.Requests(); len(reqs) != emulator.DefaultRequestLog || reqs[0].Path != "/platform/transfers/n1" {
		t.Errorf("default: %d requests kept, the first %s", len(reqs), reqs[0].Path)
	}
}
