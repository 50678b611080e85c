package httpapi

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/settle-dev/settle/settlement"
)

// TestRunsInPipelineOrder (issue #13.5): GET /v1/runs lists the newest
// date first and each date's jobs in the order the pipeline runs them,
// not alphabetically (export, post, reconcile, refresh, …).
func TestRunsInPipelineOrder(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	for _, d := range []string{"2025-09-29", "2025-09-30"} {
		for _, job := range []string{"export", "post", "reconcile", "refresh", "settle", "sync"} {
			run, _, err := st.AcquireRun(ctx, job, settlement.MustDate(d), "test", time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if err := st.FinishRun(ctx, run, nil, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	h, err := NewServer(Config{APIToken: "token-token-token-1", Location: seoul}, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/v1/runs", nil)
	req.Header.Set("Authorization", "Bearer token-token-token-1")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var body struct{ Runs []RunView }
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var got []string
	for _, r := range body.Runs {
		got = append(got, r.BusinessDate[8:]+" "+r.Job)
	}
	want := "30 refresh, 30 settle, 30 post, 30 sync, 30 reconcile, 30 export, 29 refresh, 29 settle, 29 post, 29 sync, 29 reconcile, 29 export"
	if strings.Join(got, ", ") != want {
		t.Errorf("/v1/runs order:\n got %s\nwant %s", strings.Join(got, ", "), want)
	}
}
