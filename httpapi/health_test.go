package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/settle-dev/settle/jobs"
)

// TestReadyzWhenTheDatabaseIsGone (issue #13.3): /readyz answers 503
// naming the database when it no longer answers; /healthz stays 200.
func TestReadyzWhenTheDatabaseIsGone(t *testing.T) {
	st := openStore(t)
	p := jobs.NewPipeline(st, nil, jobs.Options{Loc: seoul})
	api, err := NewServer(Config{APIToken: "token-token-token-1", Location: seoul}, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := Ops(api, []Check{{"database", p.CheckDatabase}, {"last_run", p.CheckLastRun}, {"portone", p.CheckPortOne}}, NewMetrics(st))
	get := func(path string) (int, ReadyView) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		var v ReadyView
		_ = json.Unmarshal(rec.Body.Bytes(), &v)
		return rec.Code, v
	}
	if code, v := get("/readyz"); code != http.StatusOK || v.Status != "ready" {
		t.Fatalf("/readyz on a fresh store = %d %+v", code, v)
	}
	st.Close()
	code, v := get("/readyz")
	if code != http.StatusServiceUnavailable || v.Checks["database"] == "ok" || v.Checks["portone"] != "ok" {
		t.Errorf("/readyz with the database closed = %d %+v, want 503 naming the database", code, v)
	}
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz = %d", code)
	}
	if code, _ := get("/metrics"); code != http.StatusOK {
		// The intents gauge fails, the rest is still served.
		t.Logf("/metrics with the database closed = %d", code)
	}
}
